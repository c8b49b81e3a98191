"""DRF's token authentication, answered by one hand-written statement.

Every annotator request pays for authentication before its view runs; the stock class
builds an ORM query for it each time. Same semantics: unknown key or inactive user → 401.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from config import sql


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        with connection.cursor() as cursor:
            cursor.execute(_user_by_token(), [key])
            return signed_in(cursor.fetchone(), key)


def signed_in(row: Sequence[Any] | None, key: str) -> tuple[User, Token]:
    """The user of a row that starts with ``sql.columns(User)``; None: unknown token."""
    if row is None:
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    user = sql.from_row(User, row[: sql.column_count(User)])
    if not user.is_active:
        raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
    return user, Token(key=key, user=user)


@functools.cache
def _user_by_token() -> str:
    return (
        f"SELECT {sql.columns(User, 'u')} FROM {Token._meta.db_table} t "
        f"JOIN {User._meta.db_table} u ON u.id = t.user_id WHERE t.key = %s"
    )
