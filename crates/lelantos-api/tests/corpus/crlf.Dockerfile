FROM alpine:3.20
RUN echo one \
    two
CMD ["sh"]
# expect: none
