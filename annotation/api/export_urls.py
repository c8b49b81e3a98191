from django.urls import path

from annotation.api import exports

urlpatterns = [
    path(
        "projects/<int:project_id>/datasets/<int:number>/exports/",
        exports.ExportCreateView.as_view(),
        name="export-create",
    ),
    path(
        "projects/<int:project_id>/exports/<int:job_id>/",
        exports.ExportDetailView.as_view(),
        name="export-detail",
    ),
    path(
        "projects/<int:project_id>/exports/<int:job_id>/download/",
        exports.ExportDownloadView.as_view(),
        name="export-download",
    ),
]
