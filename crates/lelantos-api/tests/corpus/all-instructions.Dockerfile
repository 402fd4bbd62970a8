FROM debian:12-slim
LABEL org.opencontainers.image.title="demo" \
      org.opencontainers.image.source="https://example.invalid/demo"
ENV APP_HOME=/srv/app
ARG VERSION=1.0
WORKDIR $APP_HOME
COPY --chown=1000:1000 . .
EXPOSE 8080/tcp 9090/udp
VOLUME ["/data"]
USER 1000
STOPSIGNAL SIGTERM
ONBUILD COPY . /srv/app/plugins
CMD ["./start.sh"]
# expect: none
