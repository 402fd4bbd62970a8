FROM debian:12
RUN apt-get update \
 && printf 'nameserver 1.1.1.1\n' | tee /etc/resolv.conf \
 && apt-get install -y curl
# expect: 3 resolv-conf-write
