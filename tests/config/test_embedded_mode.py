"""The annotation loop on the embedded SQLite database that `make run` uses (the rest of
the suite runs on PostgreSQL)."""

import subprocess
import sys

from tests.embedded import ROOT, embedded_env

SCRIPT = """
import django
django.setup()
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db import connection
from projects.models import Project
from annotation.models import Prompt, Ranking
from preferences.services.pairs import pairs_expand
from annotation.services.queue import assignment_next, assignments_expire
from annotation.services.rankings import ranking_pass, ranking_submit
from django.utils import timezone
from datetime import timedelta

assert connection.vendor == "sqlite", connection.vendor
call_command("migrate", verbosity=0)
call_command("seed_demo", verbosity=0)
project = Project.objects.get(slug="demo")
user = User.objects.get(username="annotator1")
first = assignment_next(project=project, annotator=user)
prefetched = assignment_next(project=project, annotator=user, after_prompt_id=first.prompt_id)
ranking_submit(project=project, annotator=user, prompt_id=first.prompt_id,
               tiers=[[i] for i in first.display_order])
ranking_pass(project=project, annotator=user, prompt_id=prefetched.prompt_id,
             kind=Ranking.Kind.SKIPPED, skip_reason="not sure")
assert pairs_expand(project_id=project.pk).pairs_added == 6
assert pairs_expand(project_id=project.pk).rankings == 0
third = assignment_next(project=project, annotator=user)
assert assignments_expire(project_id=project.pk, now=timezone.now() + timedelta(hours=1)) == 1
assert Prompt.objects.get(pk=third.prompt_id).claim_count == 0
print("ranked", Ranking.objects.filter(kind="ranked", annotator__isnull=False).count(),
      "skipped", Ranking.objects.filter(kind="skipped").count())
"""


def test_an_annotator_ranks_skips_and_leases_expire_on_sqlite(tmp_path):
    environment = {**embedded_env(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings"}
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1].split() == ["ranked", "1", "skipped", "1"]
