from django.urls import path

from training.api import backbones, disputes, models, scoring, views

P = "projects/<int:project_id>/"
urlpatterns = [
    path(f"{P}training-runs/", views.RunListView.as_view(), name="training-runs"),
    path(f"{P}training-runs/<int:run_id>/", views.RunDetailView.as_view(), name="training-run"),
    path(f"{P}training-runs/<int:run_id>/logs/", views.RunLogView.as_view(), name="training-log"),
    path(
        f"{P}training-runs/<int:run_id>/cancel/",
        views.RunCancelView.as_view(),
        name="training-cancel",
    ),
    path(
        f"{P}training-runs/<int:run_id>/resume/",
        views.RunResumeView.as_view(),
        name="training-resume",
    ),
    path(f"{P}backbones/", backbones.BackboneListView.as_view(), name="backbones"),
    path(f"{P}models/", models.ModelListView.as_view(), name="models"),
    path(
        f"{P}models/<int:model_id>/promote/",
        models.ModelPromoteView.as_view(),
        name="model-promote",
    ),
    path(
        f"{P}models/<int:model_id>/download/",
        models.ModelDownloadView.as_view(),
        name="model-download",
    ),
    path(f"{P}score/", scoring.ScoreView.as_view(), name="score"),
    path(f"{P}disputes/", disputes.DisputeListView.as_view(), name="disputes"),
]
