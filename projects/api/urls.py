from django.urls import path

from projects.api import projects

urlpatterns = [
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
]
