"""Views that belong to no app: health, the SPA shell, JSON error pages for the API."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest
from django.db import connection
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    JsonResponse,
)
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from config.api import error_body, request_error_body
from config.celery import app as celery_app

logger = logging.getLogger(__name__)


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True, "vendor": connection.vendor}
    except Exception as exc:  # any driver error means "not reachable"
        logger.warning("healthz: database unreachable: %s", exc)
        return {"ok": False, "vendor": connection.vendor, "error": str(exc)}


def _check_broker() -> dict[str, Any]:
    transport = celery_app.conf.broker_url.split(":", 1)[0]
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return {"ok": True, "transport": transport}
    except Exception as exc:  # kombu raises transport-specific errors
        logger.warning("healthz: broker unreachable: %s", exc)
        return {"ok": False, "transport": transport, "error": str(exc)}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database(), "broker": _check_broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


@never_cache
@ensure_csrf_cookie
def spa(request: HttpRequest) -> HttpResponse | FileResponse:
    index = settings.FRONTEND_DIST / "index.html"
    if not index.is_file():
        return HttpResponse(
            "The Rankwise frontend is not built. Run `make run` "
            "(or `cd frontend && npm ci && npm run build`).",
            status=503,
            content_type="text/plain",
        )
    return FileResponse(index.open("rb"), content_type="text/html; charset=utf-8")


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def handler400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """What Django refuses before or around DRF (a body over the size limit, a malformed
    multipart body) answers an API client in the one error shape, with an honest status."""
    if _is_api(request):
        body = request_error_body(exception or BadRequest()) or error_body(
            status_code=400, code="bad_request", message="Bad request."
        )
        return JsonResponse(body, status=body["error"]["status"])
    from django.views.defaults import bad_request

    return bad_request(request, exception or BadRequest())


def handler404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            error_body(status_code=404, code="not_found", message="Not found."), status=404
        )
    from django.views.defaults import page_not_found

    return page_not_found(request, exception or Exception())


def handler500(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        body = error_body(status_code=500, code="server_error", message="Internal server error.")
        return JsonResponse(body, status=500)
    from django.views.defaults import server_error

    return server_error(request)


# The models that left the annotation app (issue 18), by the app that holds them now.
MOVED_ADMIN_MODELS = {
    "project": "projects",
    "membership": "projects",
    "rankingexpansion": "preferences",
    "promptconsensus": "preferences",
    "datasetversion": "dataset_versions",
    "datasetpair": "dataset_versions",
    "datasetranking": "dataset_versions",
    "exportjob": "dataset_versions",
}


def admin_moved(request: HttpRequest, model: str, rest: str) -> HttpResponsePermanentRedirect:
    """An admin address from before the app split: the same page under the model's new app
    (bookmarks and links in old notes keep working for a release)."""
    query = f"?{request.META['QUERY_STRING']}" if request.META.get("QUERY_STRING") else ""
    return HttpResponsePermanentRedirect(
        f"/admin/{MOVED_ADMIN_MODELS[model]}/{model}/{rest}{query}"
    )
