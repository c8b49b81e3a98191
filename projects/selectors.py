"""Reads of projects and memberships: who may see what, and in which role."""

from __future__ import annotations

import functools

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import connection
from django.db.models import (
    Exists,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)

from config import sql
from projects.models import Membership, Project, Role


def project_access(
    *, user: AbstractBaseUser | AnonymousUser, project_id: int
) -> tuple[Project, Role] | None:
    """The project and ``user``'s role in it, in one query; None for outsiders.

    Every project request asks this first, so it is one hand-written statement.
    """
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        project = Project.objects.filter(pk=project_id).first()
        return (project, Role.ADMIN) if project else None
    with connection.cursor() as cursor:
        cursor.execute(_project_and_role(), [project_id, user.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    return sql.from_row(Project, row[1:]), Role(row[0])


@functools.cache
def _project_and_role() -> str:
    return (
        f"SELECT m.role, {sql.columns(Project, 'p')} FROM {Membership._meta.db_table} m "
        f"JOIN {Project._meta.db_table} p ON p.id = m.project_id "
        "WHERE m.project_id = %s AND m.user_id = %s"
    )


def projects_for_user(*, user: User | AnonymousUser) -> QuerySet[Project]:
    """Projects visible to ``user``, each annotated with ``role`` (theirs), in one query."""
    if isinstance(user, AnonymousUser):
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.annotate(role=Value(Role.ADMIN.value))
    my_role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.filter(memberships__user=user).annotate(role=Subquery(my_role))


def project_list(*, user: User | AnonymousUser, archived: bool = False) -> QuerySet[Project]:
    """The project list: ``user``'s open projects, or the archived ones they administer
    (an archived project is out of everyone else's list)."""
    projects = projects_for_user(user=user)
    if not archived:
        return projects.filter(archived_at__isnull=True)
    projects = projects.filter(archived_at__isnull=False).order_by("-archived_at", "-id")
    if not isinstance(user, User) or user.is_superuser:
        return projects
    return projects.filter(
        Exists(Membership.objects.filter(project=OuterRef("pk"), user=user, role=Role.ADMIN))
    )


def memberships_of_project(*, project_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project_id=project_id)
        .select_related("user", "project")
        .order_by("user__username")
    )
