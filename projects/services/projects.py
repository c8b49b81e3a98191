from __future__ import annotations

import re

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from config.errors import Conflict
from projects.models import Membership, Project, Role

LAST_ADMIN = "A project needs at least one admin: make someone else admin first."
SLUG_LENGTH = Project._meta.get_field("slug").max_length or 100
# Derived slugs that another create takes between our pick and our insert: try the next.
SLUG_ATTEMPTS = 20


class ProjectArchived(Conflict):
    """The project is archived: it hands out no items and takes no rankings."""

    code = "project_archived"
    message = "This project is archived: it takes no new rankings. Ask an admin to unarchive it."


def project_ensure_open(*, project: Project) -> None:
    """Refuse work in an archived project (409)."""
    if project.archived_at is not None:
        raise ProjectArchived()


def slug_base(*, name: str) -> str:
    """The slug a name gives, leaving room for a ``-N`` suffix."""
    return slugify(name)[: SLUG_LENGTH - 4].strip("-") or "project"


def _free_slug(base: str) -> str:
    """``base``, or ``base-N`` with the smallest N above those already taken."""
    pattern = rf"^{re.escape(base)}(-[0-9]+)?$"
    taken = set(Project.objects.filter(slug__regex=pattern).values_list("slug", flat=True))
    if base not in taken:
        return base
    return next(f"{base}-{n}" for n in range(2, len(taken) + 3) if f"{base}-{n}" not in taken)


@transaction.atomic
def project_create(
    *,
    name: str,
    created_by: User | None,
    slug: str = "",
    description: str = "",
    guidelines: str = "",
    raters_per_item: int = 3,
    allow_ties: bool = True,
    gold_rate: float = 0.0,
    lease_minutes: int = 10,
) -> Project:
    """Create a project; its creator becomes its first admin.

    Without a ``slug`` one is made from the name (``name``, ``name-2``, ``name-3``…): two
    creates that pick the same one meet at the unique constraint, and the loser takes the
    next. A slug that is given and taken is refused (400).
    """
    project = Project(
        name=name,
        slug=slug,
        description=description,
        guidelines=guidelines,
        raters_per_item=raters_per_item,
        allow_ties=allow_ties,
        gold_rate=gold_rate,
        lease_minutes=lease_minutes,
        created_by=created_by,
    )
    if slug:
        project.full_clean()
        project.save()
    else:
        project.full_clean(exclude=["slug"])
        _save_with_derived_slug(project)
    if created_by is not None:
        Membership.objects.create(project=project, user=created_by, role=Role.ADMIN)
    return project


def _save_with_derived_slug(project: Project) -> None:
    base = slug_base(name=project.name)
    for _ in range(SLUG_ATTEMPTS):
        project.slug = _free_slug(base)
        try:
            with transaction.atomic():
                project.save()
            return
        except IntegrityError:
            if not Project.objects.filter(slug=project.slug).exists():
                raise  # another constraint: not a slug taken meanwhile
    raise ValidationError({"slug": "No free slug for this name: give one."})


UPDATABLE = {
    "name", "description", "guidelines", "raters_per_item", "allow_ties",
    "gold_rate", "lease_minutes", "rankings_locked", "archived", "default_raw_text",
}  # fmt: skip


@transaction.atomic
def project_update(*, project: Project, **changes: object) -> Project:
    """Change a project's settings. Lowering ``raters_per_item`` never takes back
    rankings or live leases: items above the new number simply get no more raters.

    ``archived`` (a bool) archives the project (now) or brings it back; archiving it again
    keeps the first date.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    fields = [field for field in changes if field != "archived"]
    for field in fields:
        setattr(project, field, changes[field])
    if "archived" in changes:
        archived = bool(changes["archived"])
        if archived != (project.archived_at is not None):
            project.archived_at = timezone.now() if archived else None
        fields.append("archived_at")
    project.full_clean()
    project.save(update_fields=fields)
    return project


def _lock_admins(project_id: int) -> list[int]:
    """Ids of the project's admin memberships, locked so two demotions cannot race."""
    admins = Membership.objects.select_for_update().filter(project_id=project_id, role=Role.ADMIN)
    return list(admins.values_list("id", flat=True))


@transaction.atomic
def membership_set(*, project: Project, user: User, role: Role) -> Membership:
    """Add ``user`` to ``project`` with ``role``, or change their role.

    Demoting the last admin is refused.
    """
    admin_ids = _lock_admins(project.pk)
    current = Membership.objects.filter(project=project, user=user).first()
    if role != Role.ADMIN and current is not None and admin_ids == [current.pk]:
        raise ValidationError({"role": LAST_ADMIN})
    membership, _ = Membership.objects.update_or_create(
        project=project, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership) -> None:
    """Remove a member; removing the last admin is refused."""
    if _lock_admins(membership.project_id) == [membership.pk]:
        raise ValidationError(LAST_ADMIN)
    membership.delete()
