from django.urls import path

from annotation.api import datasets

urlpatterns = [
    path(
        "projects/<int:project_id>/datasets/",
        datasets.DatasetVersionListView.as_view(),
        name="dataset-versions",
    ),
    path(
        "projects/<int:project_id>/datasets/<int:number>/",
        datasets.DatasetVersionDetailView.as_view(),
        name="dataset-version",
    ),
    path(
        "projects/<int:project_id>/agreement/",
        datasets.AgreementView.as_view(),
        name="agreement",
    ),
    path(
        "projects/<int:project_id>/consensus/refresh/",
        datasets.ConsensusRefreshView.as_view(),
        name="consensus-refresh",
    ),
]
