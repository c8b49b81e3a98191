from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db.models import OuterRef, QuerySet, Subquery, Value

from annotation.models import Membership, Project, Role


def project_role(*, user: AbstractBaseUser | AnonymousUser, project_id: int) -> Role | None:
    """The role ``user`` holds in a project; superusers hold admin everywhere."""
    if not user.is_authenticated:
        return None
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    role = (
        Membership.objects.filter(project_id=project_id, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def projects_for_user(*, user: User | AnonymousUser) -> QuerySet[Project]:
    """Projects visible to ``user``, each annotated with ``role`` (theirs), in one query."""
    if isinstance(user, AnonymousUser):
        return Project.objects.none()
    if user.is_superuser:
        return Project.objects.annotate(role=Value(Role.ADMIN.value))
    my_role = Membership.objects.filter(project=OuterRef("pk"), user=user).values("role")[:1]
    return Project.objects.filter(memberships__user=user).annotate(role=Subquery(my_role))


def memberships_of_project(*, project_id: int) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(project_id=project_id)
        .select_related("user")
        .order_by("user__username")
    )
