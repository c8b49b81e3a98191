"""An annotator's workspace preferences, kept on the server so they follow the user."""

from __future__ import annotations

from django.contrib.auth.models import User

from annotation.models import AnnotatorPreferences


def preferences_update(
    *, user: User, advance_after_rank: bool | None = None
) -> AnnotatorPreferences:
    """Change the preferences given (None leaves one as it is); the first change stores them."""
    changes = {} if advance_after_rank is None else {"advance_after_rank": advance_after_rank}
    preferences, _ = AnnotatorPreferences.objects.update_or_create(user=user, defaults=changes)
    return preferences
