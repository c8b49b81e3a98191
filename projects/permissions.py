"""Project roles as DRF permissions: a view names the least role it needs."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from projects.authentication import cached_access
from projects.models import ROLE_RANK, Membership, Project, Role
from projects.selectors import project_access


class ProjectRolePermission(BasePermission):
    """Needs ``least_role`` (or above) in the project named by the ``project_id`` URL kwarg.

    Non-members get 404 rather than 403, so project ids do not leak. The project and
    the role are left on the view (``view.project``, ``view.role``), so the view does
    not fetch them again.
    """

    least_role: Role = Role.ANNOTATOR

    def has_permission(self, request: Request, view: Any) -> bool:
        project_id = view.kwargs.get("project_id")
        if project_id is None or not request.user.is_authenticated:
            return bool(request.user.is_authenticated)
        looked, access = cached_access(request, int(project_id))
        if not looked:
            access = project_access(user=request.user, project_id=int(project_id))
        if access is None:
            raise Http404
        view.project, view.role = access
        return ROLE_RANK[access[1]] >= ROLE_RANK[self.least_role]


class IsProjectAnnotator(ProjectRolePermission):
    least_role = Role.ANNOTATOR


class IsProjectResearcher(ProjectRolePermission):
    least_role = Role.RESEARCHER


class IsProjectAdmin(ProjectRolePermission):
    least_role = Role.ADMIN


class ProjectScoped:
    # For views whose permission is a ProjectRolePermission: typed access to what it
    # found. (A comment, not a docstring: DRF would publish it as each view's description.)

    project: Project
    role: Role


def is_staff(user: AbstractBaseUser | AnonymousUser) -> bool:
    """Staff and superusers create projects; project admins run the projects they are in."""
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def password_reset_refusal(*, actor: User, target: User) -> str | None:
    """Why ``actor`` (an admin of a project ``target`` is in) may not reset ``target``'s
    password, or None when they may.

    A project admin holds only their projects: they may reset the password of a member
    whose every project they administer, and never a staff user's, whose account reaches
    further. Staff may reset anyone's but a superuser's; superusers anyone's.
    """
    if actor.pk == target.pk:
        return "You cannot reset your own password here."
    if target.is_superuser and not actor.is_superuser:
        return "Only a superuser can reset a superuser's password."
    if is_staff(actor):
        return None
    if target.is_staff:
        return "Only staff can reset a staff user's password."
    administered = Membership.objects.filter(user=actor, role=Role.ADMIN).values("project_id")
    elsewhere = Membership.objects.filter(user=target).exclude(project_id__in=administered)
    if elsewhere.exists():
        return (
            f"{target.get_username()} is also in projects you do not administer: ask a staff "
            "user to reset their password."
        )
    return None
