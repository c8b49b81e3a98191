"""Signing out: the user's leases go back to the queue, and a token client's token is revoked."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from annotation.services.queue import assignments_release
from projects.services.auth import token_revoke


@transaction.atomic
def user_sign_out(*, user: User, revoke_token: bool) -> None:
    """Release the user's leases (their items go back to the queue) and, for a client that
    signed in with the token, revoke it."""
    assignments_release(annotator=user)
    if revoke_token:
        token_revoke(user=user)
