"""Stored API keys, encrypted at rest (Fernet) with a key derived from the deployment's
secret (RANKWISE_GENERATOR_SECRET, else SECRET_KEY). The API never returns them."""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class KeyUnreadable(Exception):
    """The stored key was encrypted under another secret."""


def _fernet() -> Fernet:
    material = f"rankwise-generator-keys:{settings.GENERATION_SECRET}".encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(material).digest()))


def api_key_encrypt(plain: str) -> str:
    return _fernet().encrypt(plain.encode()).decode() if plain else ""


def api_key_decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise KeyUnreadable(
            "The stored API key cannot be decrypted (the secret changed?): enter it again."
        ) from exc
