import io

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command

from annotation.models import Completion, Prompt, Ranking
from annotation.selectors import annotator_progress
from dataset_versions.models import DatasetVersion
from projects.models import Membership, Project, Role

pytestmark = pytest.mark.django_db


def test_the_demo_has_users_of_every_role_and_ranked_material():
    call_command("seed_demo", password="demo-pass-123")
    project = Project.objects.get(slug="demo")
    roles = dict(Membership.objects.filter(project=project).values_list("user__username", "role"))
    assert roles == {
        "admin": Role.ADMIN, "researcher": Role.RESEARCHER,
        "annotator1": Role.ANNOTATOR, "annotator2": Role.ANNOTATOR, "annotator3": Role.ANNOTATOR,
    }  # fmt: skip
    assert authenticate(username="annotator1", password="demo-pass-123") is not None
    prompts = Prompt.objects.filter(project=project, rankings__isnull=True)
    assert prompts.count() >= 10
    assert all(p.completions.count() == 4 for p in prompts)
    texts = Completion.objects.filter(prompt__project=project).values_list("text", flat=True)
    assert any("```" in t for t in texts)


def test_the_demo_has_a_dataset_version_a_researcher_can_train_on():
    call_command("seed_demo")
    version = DatasetVersion.objects.get(project__slug="demo")
    assert version.status == DatasetVersion.Status.READY
    assert version.counts["splits"]["train"]["pairs"] >= 10


def test_seeding_twice_changes_nothing():
    call_command("seed_demo")
    counts = (
        Project.objects.count(),
        Prompt.objects.count(),
        Completion.objects.count(),
        Membership.objects.count(),
        DatasetVersion.objects.count(),
    )
    call_command("seed_demo")
    assert counts == (
        Project.objects.count(),
        Prompt.objects.count(),
        Completion.objects.count(),
        Membership.objects.count(),
        DatasetVersion.objects.count(),
    )


def test_the_demo_description_counts_what_an_annotator_finds_left_to_rank():
    call_command("seed_demo")
    project = Project.objects.get(slug="demo")
    prompts = Prompt.objects.filter(project=project)
    recorded = Ranking.objects.filter(project=project, annotator__isnull=True).count()
    four = prompts.filter(rankings__isnull=True).count()
    assert project.description == (
        f"{prompts.count()} prompts to rank: {four} with 4 model answers each and {recorded} "
        "answer pairs that come with a recorded preference, to try Rankwise out."
    )
    progress = annotator_progress(
        project=project, annotator=User.objects.get(username="annotator1")
    )
    assert progress["remaining_for_me"] == prompts.count()


def test_the_seed_reports_every_prompt_it_creates():
    first, again = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=first)
    total = Prompt.objects.count()
    call_command("seed_demo", stdout=again)
    assert f": {total} prompts, {total} new." in first.getvalue()
    assert f": {total} prompts, 0 new." in again.getvalue()
