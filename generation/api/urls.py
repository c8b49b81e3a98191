from django.urls import path

from generation.api import generators, jobs, leaderboard

P = "projects/<int:project_id>/"
G = f"{P}generators/<int:generator_id>/"
J = f"{P}generation-jobs/<int:generation_job_id>/"
urlpatterns = [
    path(f"{P}generators/", generators.GeneratorListView.as_view(), name="generators"),
    path(G, generators.GeneratorDetailView.as_view(), name="generator"),
    path(f"{G}try/", generators.GeneratorTryView.as_view(), name="generator-try"),
    path(f"{P}generation-jobs/", jobs.JobListView.as_view(), name="generation-jobs"),
    path(J, jobs.JobDetailView.as_view(), name="generation-job"),
    path(f"{J}cancel/", jobs.JobCancelView.as_view(), name="generation-job-cancel"),
    path(f"{J}resume/", jobs.JobResumeView.as_view(), name="generation-job-resume"),
    path(f"{J}retry-failed/", jobs.JobRetryFailedView.as_view(), name="generation-job-retry"),
    path(f"{P}leaderboard/", leaderboard.LeaderboardView.as_view(), name="leaderboard"),
]
