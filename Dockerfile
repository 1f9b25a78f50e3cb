# docflow service image: `docflow db upgrade && docflow serve` (see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DOCFLOW_DATA_DIR=/var/lib/docflow

WORKDIR /app

# Dependencies first, so code changes do not reinstall them.
COPY pyproject.toml README.md* ./
RUN mkdir -p docflow signing storage \
    && touch docflow/__init__.py signing/__init__.py storage/__init__.py \
    && pip install . \
    && pip uninstall -y docflow

# The migrations/ directory is found in the working directory (/app) at run time.
COPY docflow ./docflow
COPY signing ./signing
COPY storage ./storage
COPY migrations ./migrations
COPY alembic.ini ./
RUN pip install --no-deps . \
    && useradd --system --uid 10001 --home-dir /var/lib/docflow docflow \
    && mkdir -p /var/lib/docflow \
    && chown docflow /var/lib/docflow

USER docflow
EXPOSE 8000

HEALTHCHECK --interval=10s --timeout=5s --start-period=20s --retries=6 \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=3).status == 200 else 1)"

CMD ["sh", "-c", "docflow db upgrade && exec docflow serve --host 0.0.0.0 --port 8000"]
