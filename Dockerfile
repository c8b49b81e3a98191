# One image for web, worker, beat and trainer. On Linux the default package index serves
# the CUDA build of torch, which also runs on CPU; for a smaller CPU-only image pass
# --build-arg PIP_TORCH_ARGS="--index-url <a CPU wheel index>".
FROM node:20-bookworm-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

FROM python:3.11-slim-bookworm
ARG TORCH_SPEC="torch==2.13.0"
ARG PIP_TORCH_ARGS=""
ENV PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    RANKWISE_DATA_DIR=/data \
    DJANGO_STATIC_ROOT=/app/staticfiles
WORKDIR /app
RUN useradd --create-home --uid 1000 rankwise && mkdir -p /data && chown rankwise /data
RUN pip install "${TORCH_SPEC}" ${PIP_TORCH_ARGS}
COPY pyproject.toml README.md manage.py ./
COPY config ./config
COPY projects ./projects
COPY annotation ./annotation
COPY preferences ./preferences
COPY dataset_versions ./dataset_versions
COPY training ./training
COPY rankwise_client ./rankwise_client
COPY generation ./generation
RUN pip install .
COPY --from=frontend /app/frontend/dist ./frontend/dist
RUN DJANGO_DEBUG=false DJANGO_SECRET_KEY=collectstatic-only DJANGO_ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput -v 0
USER rankwise
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--config", "python:config.gunicorn", \
     "--bind", "0.0.0.0:8000", "--workers", "4"]
