FROM ubuntu:24.04
RUN apt-get update && apt-get install \
    git \
    curl
# expect: 2 apt-get-yes
