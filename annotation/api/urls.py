from django.urls import path

from annotation.api import auth, projects

urlpatterns = [
    path("auth/session/", auth.SessionView.as_view(), name="auth-session"),
    path("auth/login/", auth.LoginView.as_view(), name="auth-login"),
    path("auth/logout/", auth.LogoutView.as_view(), name="auth-logout"),
    path("auth/token/", auth.TokenView.as_view(), name="auth-token"),
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
]
