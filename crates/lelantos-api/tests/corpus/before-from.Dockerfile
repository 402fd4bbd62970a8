ENV X=1
FROM alpine:3.20
# expect: 1 before-from
