from django.urls import path

from annotation.api import (
    activity,
    annotate,
    auth,
    datasets,
    exports,
    imports,
    items,
    projects,
    workspace,
)

urlpatterns = [
    path("auth/session/", auth.SessionView.as_view(), name="auth-session"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/token/rotate/", auth.TokenRotateView.as_view(), name="auth-token-rotate"),
    path("me/preferences/", workspace.PreferencesView.as_view(), name="my-preferences"),
    path("projects/", projects.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:project_id>/", projects.ProjectDetailView.as_view(), name="project-detail"),
    path(
        "projects/<int:project_id>/members/", projects.MemberListView.as_view(), name="member-list"
    ),
    path(
        "projects/<int:project_id>/members/<int:member_id>/",
        projects.MemberDetailView.as_view(),
        name="member-detail",
    ),
    path(
        "projects/<int:project_id>/members/<int:member_id>/password/",
        projects.MemberPasswordView.as_view(),
        name="member-password",
    ),
    path("projects/<int:project_id>/users/", projects.MemberCreateView.as_view(), name="users"),
    path("projects/<int:project_id>/items/", items.ItemListView.as_view(), name="items"),
    path(
        "projects/<int:project_id>/items/models/",
        items.ItemModelsView.as_view(),
        name="item-models",
    ),
    path(
        "projects/<int:project_id>/items/<int:prompt_id>/",
        items.ItemDetailView.as_view(),
        name="item-detail",
    ),
    path("projects/<int:project_id>/next/", annotate.NextItemView.as_view(), name="next-item"),
    path(
        "projects/<int:project_id>/rankings/", annotate.RankingListView.as_view(), name="rankings"
    ),
    path("projects/<int:project_id>/skips/", annotate.SkipView.as_view(), name="skips"),
    path("projects/<int:project_id>/flags/", annotate.FlagView.as_view(), name="flags"),
    path("projects/<int:project_id>/progress/", annotate.ProgressView.as_view(), name="progress"),
    path("projects/<int:project_id>/history/", workspace.HistoryView.as_view(), name="history"),
    path(
        "projects/<int:project_id>/history/<int:prompt_id>/",
        workspace.HistoryItemView.as_view(),
        name="history-item",
    ),
    path("projects/<int:project_id>/activity/", activity.ActivityView.as_view(), name="activity"),
    path("projects/<int:project_id>/reviews/", annotate.ReviewQueueView.as_view(), name="reviews"),
    path(
        "projects/<int:project_id>/reviews/<int:ranking_id>/",
        annotate.ReviewView.as_view(),
        name="review",
    ),
    path(
        "projects/<int:project_id>/imports/",
        imports.ProjectImportView.as_view(),
        name="project-import",
    ),
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
        "projects/<int:project_id>/agreement/",
        datasets.AgreementView.as_view(),
        name="agreement",
    ),
    path(
        "projects/<int:project_id>/consensus/refresh/",
        datasets.ConsensusRefreshView.as_view(),
        name="consensus-refresh",
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
        "projects/<int:project_id>/imports/<int:job_id>/",
        imports.ImportJobDetailView.as_view(),
        name="import-job",
    ),
    path(
        "projects/<int:project_id>/imports/<int:job_id>/cancel/",
        imports.ImportJobCancelView.as_view(),
        name="import-job-cancel",
    ),
    path(
        "projects/<int:project_id>/exports/<int:job_id>/download/",
        exports.ExportDownloadView.as_view(),
        name="export-download",
    ),
]
