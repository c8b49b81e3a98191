"""Token authentication that also answers "which project, which role" for project URLs.

Every annotator request needs both facts before its view runs. Asked separately they are
two statements (user by token, then membership and project); for a URL with a
``project_id`` this class asks once and leaves the answer on the request, where
``ProjectRolePermission`` picks it up (``cached_access``).
"""

from __future__ import annotations

import functools
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.request import Request

from config import sql
from config.authentication import TokenAuthentication, signed_in
from projects.models import Membership, Project, Role

# request attribute: (project id, (project, role) or None for a non-member)
_ACCESS = "_rankwise_project_access"


class ProjectTokenAuthentication(TokenAuthentication):
    # DRF makes a new authenticator for every request, so it may hold the request.
    request: Request | None = None

    def authenticate(self, request: Request) -> tuple[User, Token] | None:
        self.request = request
        return super().authenticate(request)

    def authenticate_credentials(self, key: str) -> tuple[User, Token]:
        kwargs = (self.request.parser_context if self.request else {}).get("kwargs") or {}
        if "project_id" not in kwargs:
            return super().authenticate_credentials(key)
        project_id = int(kwargs["project_id"])
        with connection.cursor() as cursor:
            cursor.execute(_user_and_access(), [project_id, key])
            row = cursor.fetchone()
        signed = signed_in(row, key)
        width = sql.column_count(User)
        role = row[width] if row else None
        access = (sql.from_row(Project, row[width + 1 :]), Role(role)) if row and role else None
        if not signed[0].is_superuser:  # superusers are admins of projects they are not in
            setattr(self.request, _ACCESS, (project_id, access))
        return signed


def cached_access(request: Any, project_id: int) -> tuple[bool, tuple[Project, Role] | None]:
    """(True, what authentication found for ``project_id``), or (False, None) when it did
    not look (session users, superusers, other URLs)."""
    found = getattr(request, _ACCESS, None)
    if found is None or found[0] != project_id:
        return False, None
    return True, found[1]


@functools.cache
def _user_and_access() -> str:
    return (
        f"SELECT {sql.columns(User, 'u')}, m.role, {sql.columns(Project, 'p')} "
        f"FROM {Token._meta.db_table} t JOIN {User._meta.db_table} u ON u.id = t.user_id "
        f"LEFT JOIN {Membership._meta.db_table} m ON m.user_id = t.user_id AND m.project_id = %s "
        f"LEFT JOIN {Project._meta.db_table} p ON p.id = m.project_id "
        "WHERE t.key = %s"
    )
