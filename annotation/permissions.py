"""Project roles as DRF permissions: a view names the least role it needs."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from annotation.authentication import cached_access
from annotation.models import ROLE_RANK, Project, Role
from annotation.selectors import project_access


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
