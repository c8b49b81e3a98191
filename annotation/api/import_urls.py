from django.urls import path

from annotation.api import imports

urlpatterns = [
    path(
        "projects/<int:project_id>/imports/",
        imports.ProjectImportView.as_view(),
        name="project-import",
    ),
]
