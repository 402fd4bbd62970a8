FROM ubuntu
RUN echo one
FROM alpine:latest AS second
RUN echo two
FROM second
# expect: 1 untagged-base
# expect: 3 latest-base
