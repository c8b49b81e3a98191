from django.urls import path

from annotation.api import annotate, auth, imports, workspace

urlpatterns = [
    path("auth/session/", auth.SessionView.as_view(), name="auth-session"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
    path("auth/token/rotate/", auth.TokenRotateView.as_view(), name="auth-token-rotate"),
    path("me/preferences/", workspace.PreferencesView.as_view(), name="my-preferences"),
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
        "projects/<int:project_id>/imports/<int:job_id>/",
        imports.ImportJobDetailView.as_view(),
        name="import-job",
    ),
    path(
        "projects/<int:project_id>/imports/<int:job_id>/cancel/",
        imports.ImportJobCancelView.as_view(),
        name="import-job-cancel",
    ),
]
