FROM alpine:3.20
RUN apk add --no-cache \   
    bash \
    # a comment inside the continuation
    curl \

    jq
RUN echo done \
# expect: 6 empty-continuation
# expect: 8 trailing-continuation
