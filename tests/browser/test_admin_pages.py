"""Admins run projects and accounts in the browser; researchers browse the items.

Staff create a project with every setting (guidelines previewed live), admins create a
user, change a role, reset a password, and archive and unarchive the project; a
researcher searches and filters the items and opens one to see its completions, every
ranking (raters numbered, not named), the agreement and the consensus.
"""

import re

import pytest
from django.contrib.auth import authenticate
from playwright.sync_api import Page, expect

from annotation.models import Ranking
from preferences.services.consensus_store import consensus_update
from preferences.services.pairs import pairs_expand
from projects.models import Membership, Project, Role
from tests.browser.workspace_fixtures import save_artifact, sign_in
from tests.factories import (
    CompletionFactory,
    MembershipFactory,
    ProjectFactory,
    PromptFactory,
    UserFactory,
)

pytestmark = pytest.mark.timeout(120)


def test_staff_create_a_project_with_its_settings_and_a_live_guidelines_preview(page: Page):
    UserFactory(username="stella", is_staff=True)
    sign_in(page, "stella", "/")
    page.get_by_role("link", name="New project").click()
    expect(page.get_by_role("heading", name="New project", level=1)).to_be_visible()

    page.get_by_label("Name", exact=True).fill("Helpful answers")
    page.get_by_label("Raters per item").fill("2")
    page.get_by_label("Gold items (%)").fill("10")
    page.get_by_label("Lease (minutes)").fill("15")
    page.get_by_label("Allow ties").uncheck()
    page.get_by_label("Guidelines", exact=True).fill("# Rank well\n\nPrefer **correct** answers.")
    preview = page.get_by_role("region", name="Guidelines preview")
    expect(preview.get_by_role("heading", name="Rank well")).to_be_visible()
    expect(preview.locator("strong")).to_have_text("correct")
    save_artifact(page, "admin-new-project.png")
    page.get_by_role("button", name="Create project").click()

    expect(page.get_by_role("heading", name="Members", level=1)).to_be_visible()
    project = Project.objects.get(name="Helpful answers")
    expect(page).to_have_url(re.compile(rf"/projects/{project.pk}/members$"))
    assert project.slug == "helpful-answers"
    assert (project.raters_per_item, project.gold_rate, project.lease_minutes) == (2, 0.1, 15)
    assert project.allow_ties is False
    assert project.guidelines == "# Rank well\n\nPrefer **correct** answers."
    assert Membership.objects.get(project=project).role == Role.ADMIN


def test_a_project_with_bad_settings_is_refused_field_by_field(page: Page):
    UserFactory(username="stella", is_staff=True)
    ProjectFactory(slug="taken")
    sign_in(page, "stella", "/projects/new")
    page.get_by_label("Name", exact=True).fill("Another")
    page.get_by_label("Slug").fill("taken")
    page.get_by_label("Raters per item").fill("0")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("Enter a whole number from 1 to 50.")).to_be_visible()
    page.get_by_label("Raters per item").fill("3")
    page.get_by_role("button", name="Create project").click()
    expect(page.get_by_text("project with this slug already exists.")).to_be_visible()
    assert not Project.objects.filter(name="Another").exists()


@pytest.fixture
def run_by_ada():
    project = ProjectFactory(name="Harmless answers")
    MembershipFactory(project=project, user=UserFactory(username="ada"), role=Role.ADMIN)
    return project


def test_an_admin_creates_a_user_changes_their_role_and_resets_their_password(
    page: Page, run_by_ada
):
    sign_in(page, "ada", f"/projects/{run_by_ada.pk}/members")

    page.get_by_label("New username").fill("nadia")
    page.get_by_label("Their role").select_option("researcher")
    page.get_by_role("button", name="Create user").click()
    shown = page.get_by_role("group", name="New password for nadia")
    expect(shown).to_contain_text("shown only this once")
    password = shown.locator("code").inner_text()
    assert authenticate(username="nadia", password=password) is not None
    expect(page.get_by_label("Role of nadia")).to_have_value("researcher")

    page.get_by_label("Role of nadia").select_option("annotator")
    expect(page.get_by_text("nadia is now annotator.")).to_be_attached()
    assert Membership.objects.get(user__username="nadia").role == Role.ANNOTATOR

    page.get_by_role("button", name="Reset the password of nadia").click()
    dialog = page.get_by_role("dialog", name="Reset the password of nadia")
    dialog.get_by_label("Set one").check()
    dialog.get_by_label("New password").fill("12345678")
    dialog.get_by_role("button", name="Reset password").click()
    expect(dialog.get_by_text("This password is entirely numeric.")).to_be_visible()
    dialog.get_by_label("New password").fill("a-calm-october-river")
    dialog.get_by_role("button", name="Reset password").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_text("The password of nadia is reset")).to_be_attached()
    assert authenticate(username="nadia", password="a-calm-october-river") is not None
    assert authenticate(username="nadia", password=password) is None


def test_an_admin_edits_archives_and_unarchives_a_project(page: Page, run_by_ada):
    MembershipFactory(project=run_by_ada, user=UserFactory(username="ann"), role=Role.ANNOTATOR)
    sign_in(page, "ada", f"/projects/{run_by_ada.pk}/settings")

    page.get_by_label("Name", exact=True).fill("Harmless answers (2025)")
    page.get_by_label("Show answers as raw text").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Settings saved.")).to_be_visible()
    expect(page.locator(".dashboard__project")).to_have_text("Harmless answers (2025)")
    run_by_ada.refresh_from_db()
    assert run_by_ada.default_raw_text is True

    page.get_by_role("button", name="Archive project").click()
    page.get_by_role("dialog").get_by_role("button", name="Archive project").click()
    expect(page.get_by_text("The project is archived.")).to_be_visible()
    expect(page.locator(".archived-badge")).to_have_text("Archived")
    run_by_ada.refresh_from_db()
    assert run_by_ada.archived_at is not None

    page.get_by_role("link", name="← My projects").click()
    archived = page.get_by_role("list", name="Archived projects")
    expect(archived).to_contain_text("Harmless answers (2025)")
    expect(page.get_by_text("not a member of any projects yet")).to_be_visible()
    save_artifact(page, "admin-archived-projects.png")

    archived.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Unarchive project").click()
    expect(page.get_by_text("The project is open again.")).to_be_visible()
    page.get_by_role("link", name="← My projects").click()
    expect(page.get_by_role("article", name="Harmless answers (2025)")).to_be_visible()


@pytest.fixture
def rated_project():
    """Three items by two models, ranked by ann and bo: one they agree on, one they split
    on, one nobody ranked; the pairs and the consensus are computed as beat would."""
    project = ProjectFactory(name="TCP answers", raters_per_item=2)
    raters = [UserFactory(username=name, first_name=name.title()) for name in ("ann", "bo")]
    for rater in raters:
        MembershipFactory(project=project, user=rater, role=Role.ANNOTATOR)
    texts = {
        "tcp-001": "Explain TCP slow start.",
        "dns-001": "What does DNS do?",
        "udp-001": "When is UDP better than TCP?",
    }
    prompts = {}
    for external_id, text in texts.items():
        prompt = PromptFactory(project=project, external_id=external_id, text=text)
        for position, model in enumerate(("model-small", "model-large")):
            CompletionFactory(
                prompt=prompt, position=position, model_name=model, text=f"**{model}** answer."
            )
        prompts[external_id] = prompt
    for external_id, flips in (("tcp-001", (False, False)), ("dns-001", (False, True))):
        prompt = prompts[external_id]
        small, large = prompt.completions.order_by("position")
        for rater, flip in zip(raters, flips, strict=True):
            tiers = [[small.pk], [large.pk]] if flip else [[large.pk], [small.pk]]
            Ranking.objects.create(project=project, prompt=prompt, annotator=rater, tiers=tiers)
        prompt.ranking_count = 2
        prompt.save()
    pairs_expand(project_id=project.pk)
    consensus_update(project_id=project.pk)
    return project


def item_rows(page: Page):
    return page.get_by_role("table", name="Items").locator("tbody tr")


def test_a_researcher_searches_filters_and_opens_an_item(page: Page, rated_project):
    MembershipFactory(
        project=rated_project, user=UserFactory(username="rita"), role=Role.RESEARCHER
    )
    sign_in(page, "rita", f"/projects/{rated_project.pk}/items")
    expect(item_rows(page)).to_have_count(3)

    page.get_by_label("Search").fill("slow START")
    page.get_by_label("Search").press("Enter")
    expect(item_rows(page)).to_have_count(1)
    expect(item_rows(page).first).to_contain_text("tcp-001")
    expect(page).to_have_url(re.compile(r"\?q=slow\+START$"))

    page.get_by_label("Search").fill("")
    page.get_by_label("Search").press("Enter")
    page.get_by_label("Status").select_option("disputed")
    expect(item_rows(page)).to_have_count(1)
    expect(item_rows(page).first).to_contain_text("dns-001")
    page.get_by_label("Status").select_option("needs_raters")
    expect(item_rows(page)).to_have_count(1)
    expect(item_rows(page).first).to_contain_text("udp-001")
    page.get_by_label("Status").select_option("")
    page.get_by_label("Model").select_option("model-large")
    expect(item_rows(page)).to_have_count(3)
    save_artifact(page, "items-browser.png")

    page.get_by_role("link", name="tcp-001").click()
    expect(page.get_by_role("heading", name="Item tcp-001", level=1)).to_be_visible()
    expect(page.get_by_role("article", name="Completion A")).to_contain_text("model-small")
    expect(page.get_by_role("article", name="Completion B")).to_contain_text("model-large")
    rankings = page.get_by_role("table", name="Rankings")
    expect(rankings.locator("tbody tr")).to_have_count(2)
    expect(rankings).to_contain_text("Rater 1")
    expect(rankings).to_contain_text("B > A")
    expect(rankings).not_to_contain_text("ann")
    consensus = page.get_by_role("region", name="Consensus")
    expect(consensus).to_contain_text("B > A")
    expect(page.get_by_role("region", name="Agreement")).to_contain_text("100%")
    save_artifact(page, "item-detail.png")


def test_an_admin_sees_who_ranked_an_item(page: Page, rated_project):
    MembershipFactory(project=rated_project, user=UserFactory(username="ada"), role=Role.ADMIN)
    dns = rated_project.prompts.get(external_id="dns-001")
    sign_in(page, "ada", f"/projects/{rated_project.pk}/items/{dns.pk}")
    rankings = page.get_by_role("table", name="Rankings")
    expect(rankings).to_contain_text("Ann")
    expect(rankings).to_contain_text("Bo")
    expect(page.get_by_text("Disputed", exact=True)).to_be_visible()
