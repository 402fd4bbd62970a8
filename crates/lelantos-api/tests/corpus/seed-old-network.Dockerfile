FROM ubuntu:22.04
RUN echo "nameserver 8.8.8.8" > /etc/resolv.conf
RUN apt-get update && apt-get install -y curl
# expect: 2 resolv-conf-write
