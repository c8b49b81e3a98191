"""The annotator's way back, end to end: "previous" and the history panel reopen an item with
its ranking, in the order it was seen; saving revises it and returns to the queue."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from annotation.models import Prompt, Ranking
from tests.browser.workspace_fixtures import (
    annotation_project,
    card,
    completion_ids_on_screen,
    current_item,
    save_artifact,
    sign_in,
    wait_for_item,
    wait_until_saved,
    workspace_path,
)

ITEMS = [
    (f"Question {n}: a good name for a cat?", [f"Answer {k} to question {n}." for k in "ABCD"])
    for n in range(1, 4)
]


def _press(page: Page, keys: str) -> None:
    for key in keys:
        page.keyboard.press(key)


def _ranking(prompt_id: int) -> Ranking:
    return Ranking.objects.get(annotator__username="annotator1", prompt_id=prompt_id)


def test_previous_reopens_the_last_item_to_revise_and_returns_to_the_queue(page: Page):
    project = annotation_project(items=ITEMS, allow_ties=True)
    sign_in(page, "annotator1", workspace_path(project))
    first = wait_for_item(page)
    seen = completion_ids_on_screen(page)
    _press(page, "2143")
    page.keyboard.press("Enter")
    second = wait_for_item(page, first)
    page.keyboard.press("3")  # work in progress on the second item
    expect(card(page, "A")).to_contain_text("Rank 3")

    page.keyboard.press("p")

    expect(page.get_by_text("Revising your ranking")).to_be_visible()
    assert wait_for_item(page, second) == first
    # As the annotator saw it: the same order, their ranking filled in.
    assert completion_ids_on_screen(page) == seen
    for letter, rank in zip("ABCD", "2143", strict=True):
        expect(card(page, letter)).to_contain_text(f"Rank {rank}")
    expect(current_item(page).get_by_role("button", name=re.compile("Skip"))).to_have_count(0)
    save_artifact(page, "workspace-revising.png")

    expect(card(page, "A")).to_be_focused()
    page.keyboard.press("1")  # A ties with B for the best
    page.keyboard.press("Enter")

    # Back where they were: the second item, its card still in rank 3.
    assert wait_for_item(page, first) == second
    expect(card(page, "A")).to_contain_text("Rank 3")
    wait_until_saved(page)
    ranking = _ranking(first)
    a, b, c, d = seen
    assert ranking.tiers == [sorted([a, b]), [d], [c]]
    assert ranking.revision == 2
    assert ranking.display_order == seen
    assert Prompt.objects.get(pk=first).ranking_count == 1


def test_the_history_panel_lists_my_items_and_reopens_a_skipped_one(page: Page):
    project = annotation_project(items=ITEMS)
    sign_in(page, "annotator1", workspace_path(project))
    first = wait_for_item(page)
    _press(page, "1234")
    page.keyboard.press("Enter")
    second = wait_for_item(page, first)
    page.keyboard.press("s")
    page.get_by_role("textbox", name="Reason").fill("Needs a vet")
    page.get_by_role("button", name="Skip item").click()
    third = wait_for_item(page, second)
    wait_until_saved(page)

    page.keyboard.press("h")
    panel = page.get_by_role("complementary", name="Your recent items")
    entries = panel.get_by_role("button", name=re.compile("Question"))
    expect(entries).to_have_count(2)
    expect(entries.nth(0)).to_contain_text("Skipped")
    expect(entries.nth(0)).to_contain_text("Question 2: a good name for a cat?")
    expect(entries.nth(1)).to_contain_text("Ranked")
    save_artifact(page, "workspace-history.png")

    entries.nth(0).click()
    expect(page.get_by_text("You skipped this item")).to_be_visible()
    assert wait_for_item(page, third) == second
    expect(card(page, "A")).to_contain_text("Unranked")
    card(page, "A").focus()
    _press(page, "4321")
    page.keyboard.press("Enter")

    assert wait_for_item(page, second) == third
    wait_until_saved(page)
    ranking = _ranking(second)
    assert (ranking.kind, ranking.skip_reason, ranking.revision) == ("ranked", "", 2)
    expect(entries.nth(0)).to_contain_text("Ranked")


def test_escape_returns_to_the_queue_without_saving(page: Page):
    project = annotation_project(items=ITEMS)
    sign_in(page, "annotator1", workspace_path(project))
    first = wait_for_item(page)
    _press(page, "1234")
    page.keyboard.press("Enter")
    second = wait_for_item(page, first)
    wait_until_saved(page)

    page.get_by_role("button", name=re.compile("Previous")).click()
    assert wait_for_item(page, second) == first
    page.keyboard.press("4")
    page.keyboard.press("Escape")

    assert wait_for_item(page, first) == second
    assert _ranking(first).revision == 1


def test_once_rankings_are_locked_the_history_is_read_only(page: Page):
    project = annotation_project(items=ITEMS)
    sign_in(page, "annotator1", workspace_path(project))
    first = wait_for_item(page)
    _press(page, "1234")
    page.keyboard.press("Enter")
    wait_for_item(page, first)
    wait_until_saved(page)
    project.rankings_locked = True
    project.save()
    page.reload()
    wait_for_item(page)

    page.keyboard.press("h")
    panel = page.get_by_role("complementary", name="Your recent items")
    expect(panel).to_contain_text("Rankings in this project are locked")
    expect(panel.get_by_role("button", name=re.compile("Question 1"))).to_be_disabled()
    expect(page.get_by_role("button", name=re.compile("Previous"))).to_be_disabled()
    page.keyboard.press("p")
    expect(page.locator(".notice")).to_contain_text("Rankings in this project are locked")
    expect(page.get_by_text("Revising your ranking")).to_have_count(0)
