# deepfake-api-mock in a container, for CI service containers and shared test hosts.
# Build it yourself: docker build -t deepfake-api-mock .
# Run it:            docker run -p 8080:8080 deepfake-api-mock
# tests/test_packaging.py runs this file's install, CMD and HEALTHCHECK commands in a fresh venv.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MOCKSERVER_STATE=/data/state.sqlite3 \
    MOCKSERVER_SPOOL_DIR=/data/spool

RUN useradd --create-home --uid 10001 mock && mkdir /data && chown mock /data

WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY deepfake_mock ./deepfake_mock
RUN pip install .

USER mock
WORKDIR /data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/_admin/health', timeout=2)"]
CMD ["deepfake-mock", "serve", "--host", "0.0.0.0", "--port", "8080"]
