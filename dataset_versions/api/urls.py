from django.urls import path

from dataset_versions.api import datasets, exports

urlpatterns = [
    path(
        "projects/<int:project_id>/datasets/",
        datasets.DatasetVersionListView.as_view(),
        name="dataset-versions",
    ),
    path(
        "projects/<int:project_id>/datasets/preview/",
        datasets.DatasetVersionPreviewView.as_view(),
        name="dataset-version-preview",
    ),
    path(
        "projects/<int:project_id>/datasets/<int:number>/",
        datasets.DatasetVersionDetailView.as_view(),
        name="dataset-version",
    ),
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
