# Margin Desk: slim Python 3.11, non-root, data (SQLite + paper exchange state) on a volume.
# Dependencies come from the hash-pinned requirements.lock (`make lock` refreshes it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    BOT_DB_PATH=/data/margin-desk.db

# /app/data is the /data volume, so the default BOT_DB_PATH=data/margin-desk.db (.env.example)
# lands on it as well.
RUN useradd --create-home --uid 10001 margindesk \
    && mkdir -p /data /app \
    && chown margindesk:margindesk /data \
    && ln -s /data /app/data

WORKDIR /app
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-deps . && rm -rf build *.egg-info

USER margindesk
VOLUME ["/data"]
# The webhook server (`run --webhook`); long polling needs no port.
EXPOSE 8080
ENTRYPOINT ["margin-desk"]
CMD ["run"]
