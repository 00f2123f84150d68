# writethru under gunicorn: `docker compose up` (see docker-compose.yml) or `docker build -t writethru .`
FROM python:3.11-slim

# GitPython drives the git binary for reads and ref updates.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git \
    && rm -rf /var/lib/apt/lists/*

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WRITETHRU_STORE=/data/writethru.git

WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY static ./static
COPY seeds ./seeds
# Editable, as `make run` does: static/ and seeds/ sit beside the package, not inside it.
RUN pip install -e .

# The store lives on a volume owned by an unprivileged user; a new named volume copies this owner.
RUN useradd --system --create-home --uid 10001 writethru \
    && mkdir -p /data \
    && chown writethru:writethru /data
USER writethru
VOLUME ["/data"]

EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["writethru", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "4"]
