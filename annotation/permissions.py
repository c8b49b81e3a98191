"""Project roles as DRF permissions: a view names the least role it needs."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from annotation.models import ROLE_RANK, Role
from annotation.selectors import project_role


class ProjectRolePermission(BasePermission):
    """Needs ``least_role`` (or above) in the project named by the ``project_id`` URL kwarg.

    Non-members get 404 rather than 403, so project ids do not leak.
    """

    least_role: Role = Role.ANNOTATOR

    def has_permission(self, request: Request, view: Any) -> bool:
        project_id = view.kwargs.get("project_id")
        if project_id is None or not request.user.is_authenticated:
            return bool(request.user.is_authenticated)
        role = project_role(user=request.user, project_id=int(project_id))
        if role is None:
            raise Http404
        return ROLE_RANK[role] >= ROLE_RANK[self.least_role]


class IsProjectAnnotator(ProjectRolePermission):
    least_role = Role.ANNOTATOR


class IsProjectResearcher(ProjectRolePermission):
    least_role = Role.RESEARCHER


class IsProjectAdmin(ProjectRolePermission):
    least_role = Role.ADMIN
