FROM python:3.11-slim-bookworm

# System packages
RUN apt-get update && \
    # build tools for wheels
    apt-get install -y --no-install-recommends \
        build-essential \
        libpq-dev \
    && rm -rf /var/lib/apt/lists/*

RUN pip install "poetry==1.8.3"
WORKDIR /code
COPY poetry.lock pyproject.toml /code/
RUN poetry config virtualenvs.create false \
  && poetry install --no-interaction --no-ansi --only main
COPY . /code
# expect: none
