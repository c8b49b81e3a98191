"""Helpers for the ranking-workspace browser tests: data, signing in, reading the screen."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from playwright.sync_api import Locator, Page, expect

from projects.models import Project, Role
from tests.factories import (
    PASSWORD,
    CompletionFactory,
    MembershipFactory,
    ProjectFactory,
    PromptFactory,
    UserFactory,
)

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"


def annotation_project(
    *,
    items: list[tuple[str, list[str]]],
    annotator: str = "annotator1",
    **project_fields,
) -> Project:
    """A project with ``items`` (prompt text, completion texts) and one annotator member."""
    project: Project = ProjectFactory.create(
        guidelines="# Guidelines\n\nPrefer answers that are **correct**, then *concise*.",
        **project_fields,
    )
    MembershipFactory(project=project, user=UserFactory(username=annotator), role=Role.ANNOTATOR)
    for prompt_text, completions in items:
        prompt = PromptFactory(project=project, text=prompt_text)
        for position, text in enumerate(completions):
            CompletionFactory(prompt=prompt, position=position, text=text)
    return project


def workspace_path(project: Project) -> str:
    return f"/projects/{project.pk}/rank"


def sign_in(page: Page, username: str, next_path: str) -> None:
    """Open ``next_path`` signed out, sign in on the login page (keyboard only), land there."""
    page.goto(next_path)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    expect(page).to_have_url(re.compile(re.escape(next_path) + "$"))


def current_item(page: Page) -> Locator:
    """The item on screen (the prefetched one is rendered behind it, hidden)."""
    return page.locator(".item:not([hidden])")


def cards(page: Page) -> Locator:
    return current_item(page).locator("article[data-completion-id]")


def tier(page: Page, name: str) -> Locator:
    """A drop zone of the ranking board: "Rank 1" … "Unranked"."""
    return page.get_by_role("group", name=name, exact=True)


def card(page: Page, letter: str) -> Locator:
    return current_item(page).locator(f'article[data-letter="{letter}"]')


def wait_for_item(page: Page, previous_prompt_id: int | None = None) -> int:
    """Wait until an item (other than ``previous_prompt_id``) is on screen; its prompt id."""
    prompt = current_item(page).locator("section[data-prompt-id]")
    if previous_prompt_id is None:
        expect(prompt).to_be_visible()
    else:
        expect(prompt).not_to_have_attribute("data-prompt-id", str(previous_prompt_id))
    return int(prompt.get_attribute("data-prompt-id") or 0)


def completion_ids_on_screen(page: Page) -> list[int]:
    """Completion ids in the order the cards are shown (A, B, C, ...)."""
    ids = cards(page).evaluate_all("els => els.map(e => Number(e.dataset.completionId))")
    return [int(i) for i in ids]


def wait_until_saved(page: Page) -> None:
    expect(page.locator(".save-status__text")).to_have_text("Saved")


def save_artifact(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    # Scrolled down, a full-page shot would paint the sticky top bar mid-page.
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(path), full_page=True)
    return path
