FROM python:3.12-alpine
RUN python3 <<PY
import sys
print("python", sys.version)
PY
RUN <<EOF cat > /etc/motd && chmod 644 /etc/motd
welcome
EOF
# expect: none
