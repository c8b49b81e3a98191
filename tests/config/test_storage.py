"""STORAGES["default"] from the environment: local disk, or an S3-compatible bucket."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage import (
    LOCAL_BACKEND,
    S3_BACKEND,
    S3_MEMORY_BYTES,
    VARIABLES,
    default_storage_from_env,
)
from tests.config.test_env import _import_settings


@pytest.fixture
def environment(monkeypatch):
    """Sets the given variables, every other storage variable unset."""
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def set_(**variables: str) -> None:
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_


def test_artifacts_stay_on_local_disk_by_default(environment):
    assert default_storage_from_env() == {"BACKEND": LOCAL_BACKEND}


def test_an_s3_bucket_is_configured_from_the_environment(environment):
    environment(
        RANKWISE_STORAGE="S3",
        RANKWISE_S3_BUCKET="rankwise",
        RANKWISE_S3_ENDPOINT_URL="https://minio.example.org:9000",
        RANKWISE_S3_REGION="eu-central-1",
        RANKWISE_S3_PREFIX="/prod/rankwise/",
        RANKWISE_S3_ADDRESSING_STYLE="path",
        AWS_ACCESS_KEY_ID="key",
        AWS_SECRET_ACCESS_KEY="secret",
    )
    assert default_storage_from_env() == {
        "BACKEND": S3_BACKEND,
        "OPTIONS": {
            "bucket_name": "rankwise",
            "endpoint_url": "https://minio.example.org:9000",
            "region_name": "eu-central-1",
            "location": "prod/rankwise",
            "addressing_style": "path",
            "access_key": "key",
            "secret_key": "secret",
            "file_overwrite": False,
            "max_memory_size": S3_MEMORY_BYTES,
        },
    }


def test_without_keys_s3_leaves_credentials_to_the_aws_defaults(environment):
    environment(RANKWISE_STORAGE="s3", RANKWISE_S3_BUCKET="rankwise")
    options = default_storage_from_env()["OPTIONS"]
    assert "access_key" not in options
    assert "secret_key" not in options
    assert "endpoint_url" not in options


def test_s3_without_a_bucket_is_refused(environment):
    environment(RANKWISE_STORAGE="s3")
    with pytest.raises(ImproperlyConfigured, match="RANKWISE_S3_BUCKET must be set"):
        default_storage_from_env()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("RANKWISE_STORAGE", "gcs"),
        ("RANKWISE_S3_ENDPOINT_URL", "minio:9000"),
        ("RANKWISE_S3_ADDRESSING_STYLE", "dns"),
    ],
)
def test_a_malformed_storage_variable_is_refused_even_with_local_storage(environment, name, value):
    environment(**{name: value})
    with pytest.raises(ImproperlyConfigured, match=f"{name}='{value}' is not valid"):
        default_storage_from_env()


def test_an_access_key_without_its_secret_is_refused(environment):
    environment(RANKWISE_STORAGE="s3", RANKWISE_S3_BUCKET="rankwise", AWS_ACCESS_KEY_ID="key")
    with pytest.raises(ImproperlyConfigured, match="go together"):
        default_storage_from_env()


def test_settings_refuse_s3_storage_without_a_bucket():
    result = _import_settings(RANKWISE_STORAGE="s3")
    assert result.returncode != 0
    assert "RANKWISE_S3_BUCKET must be set" in result.stderr


def test_the_settings_use_the_configured_storage():
    from django.conf import settings

    assert settings.STORAGES["default"] == default_storage_from_env()
