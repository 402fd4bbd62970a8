FROM alpine:3.20
ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini
ADD --checksum=sha256:c5b0666b4cb676901f90dfcb37106783c5fe2077b04590973b885950611b30ee https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /tini2
ADD app.tar.gz /opt/
RUN chmod +x /tini
ENTRYPOINT ["/tini", "--"]
# expect: 2 add-url
