from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from annotation.models import Membership, Project, Role

LAST_ADMIN = "A project needs at least one admin: make someone else admin first."


@transaction.atomic
def project_create(
    *,
    name: str,
    slug: str,
    created_by: User | None,
    description: str = "",
    guidelines: str = "",
    raters_per_item: int = 3,
    allow_ties: bool = True,
    gold_rate: float = 0.0,
    lease_minutes: int = 10,
) -> Project:
    """Create a project; its creator becomes its first admin."""
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
    project.full_clean()
    project.save()
    if created_by is not None:
        Membership.objects.create(project=project, user=created_by, role=Role.ADMIN)
    return project


UPDATABLE = {
    "name", "description", "guidelines", "raters_per_item", "allow_ties",
    "gold_rate", "lease_minutes", "rankings_locked",
}  # fmt: skip


@transaction.atomic
def project_update(*, project: Project, **changes: object) -> Project:
    """Change a project's settings. Lowering ``raters_per_item`` never takes back
    rankings or live leases: items above the new number simply get no more raters."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    for field, value in changes.items():
        setattr(project, field, value)
    project.full_clean()
    project.save(update_fields=[*changes])
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
