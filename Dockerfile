# Margin Desk: slim Python 3.11, non-root, data (SQLite + paper exchange state) on a volume.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    BOT_DB_PATH=/data/margin-desk.db

RUN useradd --create-home --uid 10001 margindesk \
    && mkdir -p /data /app \
    && chown margindesk:margindesk /data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY storage ./storage
RUN pip install --no-cache-dir .

USER margindesk
VOLUME ["/data"]
ENTRYPOINT ["margin-desk"]
CMD ["run"]
