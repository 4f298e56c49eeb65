# One image for both services; SERVICE picks which one runs:
#   docker build --build-arg SERVICE=api .     docker build --build-arg SERVICE=media .
FROM python:3.12-slim

WORKDIR /app
# OpenCV (under rapidocr, the worker's OCR) loads libGL and GLib even without a display.
RUN apt-get update && apt-get install -y --no-install-recommends libgl1 libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY api ./api
COPY media ./media
COPY common ./common
COPY memes_cli ./memes_cli
COPY sql ./sql
RUN pip install --no-cache-dir . \
    && useradd --system --uid 10001 --home-dir /app memes \
    && mkdir -p /data && chown memes /data

ARG SERVICE=api
# Run from /app, so that python -m finds the source next to sql/.
ENV SERVICE=${SERVICE} MEDIA_STORAGE_DIR=/data DATA_DIR=/data PYTHONUNBUFFERED=1
USER memes
EXPOSE 8080 8081
CMD ["sh", "-c", "exec python -m \"$SERVICE\""]
