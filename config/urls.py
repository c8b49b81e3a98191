from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config import views

# Admin addresses of the models that left annotation (issue 18) redirect for a release.
_MOVED = "|".join(views.MOVED_ADMIN_MODELS)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    re_path(
        rf"^admin/annotation/(?P<model>{_MOVED})/(?P<rest>.*)$",
        views.admin_moved,
    ),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file: no inline script for the CSP.
    # (Its OPTIONS would render DRF's metadata through an HTML template it does not have.)
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="schema", template_name="api_docs.html", http_method_names=["get", "head"]
        ),
        name="api-docs",
    ),
    path("api/v1/", include("projects.api.urls")),
    path("api/v1/", include("annotation.api.urls")),
    path("api/v1/", include("preferences.api.urls")),
    path("api/v1/", include("dataset_versions.api.urls")),
    path("api/v1/", include("training.api.urls")),
    path("api/v1/", include("generation.api.urls")),
    # Everything else is a route of the single-page app.
    re_path(r"^(?!api/|admin/|static/|media/|healthz).*$", views.spa, name="spa"),
]

handler400 = "config.views.handler400"
handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
