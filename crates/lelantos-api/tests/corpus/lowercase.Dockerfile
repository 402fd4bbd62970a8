from alpine:3.20 as base
run apk add --no-cache curl
workdir /app
cmd ["sh"]
# expect: none
