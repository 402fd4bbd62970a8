FROM alpine:3.20
MAINTAINER someone@example.invalid
ENV PATH /opt/bin:$PATH
RUNN echo hi
CMD echo a
CMD ['echo', 'b']
# expect: 2 maintainer-deprecated
# expect: 3 legacy-key-value
# expect: 4 unknown-instruction
# expect: 6 multiple-instructions
# expect: 6 invalid-json-form
