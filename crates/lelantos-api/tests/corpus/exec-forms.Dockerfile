FROM python:3.12-slim
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-f", "http://localhost:8000/health"]
ENTRYPOINT ["gunicorn", "-b", "0.0.0.0:8000"]
CMD ["app:wsgi"]
# expect: none
