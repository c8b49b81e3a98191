"""What the scoring server answers: the scoring endpoints and the health check, nothing
else (no admin, no annotation API, no SPA) on the GPU box."""

from django.urls import path

from config import views
from training.api import reward, scoring

P = "api/v1/projects/<int:project_id>/"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(f"{P}reward/", reward.RemoteRewardView.as_view(), name="remote-reward"),
    path(f"{P}score/", scoring.ScoreView.as_view(), name="score"),
]

handler400 = "config.views.handler400"
handler404 = "config.views.handler404"
handler500 = "config.views.handler500"
