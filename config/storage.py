"""Where artifacts (registered models, dataset exports) are kept: ``STORAGES["default"]``.

Local disk under ``MEDIA_ROOT`` by default; with ``RANKWISE_STORAGE=s3`` an S3-compatible
bucket (AWS, MinIO, R2, Ceph...) through django-storages, which workers on other machines
can share. Every variable is read whichever storage is chosen, so a typo in one fails at
startup and docker-compose.yml may pass them all through.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from config import env

LOCAL_BACKEND = "django.core.files.storage.FileSystemStorage"
S3_BACKEND = "storages.backends.s3.S3Storage"
# A file read from the bucket is buffered in memory up to this size, then on disk: a
# model's weights or a large export must not sit whole in a web worker's memory.
S3_MEMORY_BYTES = 16 * 1024 * 1024
# Every variable this module reads (docker-compose.yml passes each one through).
VARIABLES = (
    "RANKWISE_STORAGE",
    "RANKWISE_S3_BUCKET",
    "RANKWISE_S3_ENDPOINT_URL",
    "RANKWISE_S3_REGION",
    "RANKWISE_S3_PREFIX",
    "RANKWISE_S3_ADDRESSING_STYLE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)


def default_storage_from_env() -> dict[str, Any]:
    """The ``STORAGES["default"]`` entry the environment asks for."""
    kind = env.choice("RANKWISE_STORAGE", "local", ("local", "s3"))
    options = _s3_options()
    if kind == "local":
        # No location: FileSystemStorage follows MEDIA_ROOT, also when tests change it.
        return {"BACKEND": LOCAL_BACKEND}
    if "bucket_name" not in options:
        raise ImproperlyConfigured(
            "RANKWISE_S3_BUCKET must be set when RANKWISE_STORAGE=s3: the bucket that "
            "holds models and exports."
        )
    return {"BACKEND": S3_BACKEND, "OPTIONS": options}


def _s3_options() -> dict[str, Any]:
    values = {
        "bucket_name": env.string("RANKWISE_S3_BUCKET"),
        "endpoint_url": _url("RANKWISE_S3_ENDPOINT_URL"),
        "region_name": env.string("RANKWISE_S3_REGION"),
        "location": (env.string("RANKWISE_S3_PREFIX") or "").strip("/"),
        "addressing_style": env.choice(
            "RANKWISE_S3_ADDRESSING_STYLE", "auto", ("auto", "path", "virtual")
        ),
        "access_key": env.string("AWS_ACCESS_KEY_ID"),
        "secret_key": env.string("AWS_SECRET_ACCESS_KEY"),
    }
    if bool(values["access_key"]) != bool(values["secret_key"]):
        raise ImproperlyConfigured(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both, or neither "
            "to use the machine's AWS credentials (instance role, ~/.aws)."
        )
    # Unset values stay out, so django-storages and boto3 keep their own defaults.
    options: dict[str, Any] = {name: value for name, value in values.items() if value}
    # Same as on local disk: saving under a taken name picks a new name, never overwrites.
    options["file_overwrite"] = False
    options["max_memory_size"] = S3_MEMORY_BYTES
    return options


def _url(name: str) -> str | None:
    value = env.string(name)
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(
            f"{name}={value!r} is not valid: expected an http:// or https:// URL such as "
            "https://minio.example.org:9000."
        )
    return value
