"""The API token's lifecycle: issue, rotate, revoke.

Token authentication (config/authentication.py) reads the token table on every request,
with nothing cached in front of it, so a deleted token stops working at once.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction
from rest_framework.authtoken.models import Token


def token_issue(*, user: User) -> Token:
    """The user's token, made on first use."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


@transaction.atomic
def token_rotate(*, user: User) -> Token:
    """A new token in place of the user's current one, which stops working."""
    # The user's row serialises rotations: two at once would both delete, then both insert.
    User.objects.select_for_update().only("pk").get(pk=user.pk)
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


def token_revoke(*, user: User) -> None:
    Token.objects.filter(user=user).delete()
