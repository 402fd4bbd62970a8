# syntax=docker/dockerfile:1
FROM debian:12-slim
RUN <<EOF
set -eux
apt-get update
apt-get install -y --no-install-recommends curl ca-certificates
rm -rf /var/lib/apt/lists/*
EOF
RUN <<-"SCRIPT" bash
	set -euo pipefail
	echo "tabs are stripped"
	SCRIPT
CMD ["bash"]
# expect: none
