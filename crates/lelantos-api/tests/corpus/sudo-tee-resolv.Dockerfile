FROM ubuntu:22.04
RUN <<EOF
apt-get update
echo "nameserver 8.8.8.8" | sudo tee -a /etc/resolv.conf > /dev/null
EOF
# expect: 4 resolv-conf-write
