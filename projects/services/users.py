"""Accounts that project admins make and look after: create a user, reset a password.

A password is either chosen by the admin (held to Django's password validators) or
generated here and handed back once, to be passed on; only its hash is stored.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from projects.models import Membership, Project, Role
from projects.services.projects import membership_set

GENERATED_PASSWORD_BYTES = 12  # 16 URL-safe characters


def password_generate() -> str:
    return secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)


def _password_check(*, password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error


def _user_fields_check(*, username: str, email: str) -> None:
    errors: dict[str, list[str]] = {}
    field = get_user_model()._meta.get_field("username")
    try:
        field.run_validators(username)
    except ValidationError as error:
        errors["username"] = error.messages
    if "username" not in errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [f"A user named {username!r} already exists."]
    if email:
        try:
            validate_email(email)
        except ValidationError as error:
            errors["email"] = error.messages
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def member_create(
    *, project: Project, username: str, role: Role, email: str = "", password: str = ""
) -> tuple[Membership, str | None]:
    """A new user account, member of ``project`` with ``role``; with no ``password`` one
    is generated and returned (the only time it can be read)."""
    _user_fields_check(username=username, email=email)
    user = User(username=username, email=email)
    new_password = password or password_generate()
    _password_check(password=new_password, user=user)
    user.set_password(new_password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as error:  # created by someone else since the check
        raise ValidationError(
            {"username": [f"A user named {username!r} already exists."]}
        ) from error
    membership = membership_set(project=project, user=user, role=role)
    return membership, None if password else new_password


@transaction.atomic
def user_password_reset(*, user: User, password: str = "") -> str | None:
    """Give ``user`` a new password (generated when none is given: returned once).

    Every session of theirs ends, since Django checks a session against the password it
    was opened with, and their API token is deleted.
    """
    new_password = password or password_generate()
    _password_check(password=new_password, user=user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()
    return None if password else new_password
