"""The workspace laid out for 1,024 to 2,560 px: the ranking panel always in view beside the
cards, the guidelines in view when G opens them, the cards never squeezed. Screenshots of
each width land in test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.workspace_fixtures import (
    annotation_project,
    cards,
    current_item,
    save_artifact,
    sign_in,
    wait_for_item,
    workspace_path,
)

# Long enough to fill the cards, as real model output does.
LONG = " ".join(["The answer explains each step with an example."] * 12)
MIN_CARD_WIDTH = 300


def _items(k: int) -> list[tuple[str, list[str]]]:
    return [(f"Question {n}: explain TCP slow start.", [LONG] * k) for n in range(1, 3)]


def _box(page: Page, locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} has no box"
    return box


def _in_viewport(page: Page, box: dict[str, float]) -> bool:
    size = page.viewport_size
    assert size is not None
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _open_workspace(page: Page, *, width: int, height: int, k: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    project = annotation_project(items=_items(k))
    sign_in(page, "annotator1", workspace_path(project))
    wait_for_item(page)


def _card_columns(page: Page) -> tuple[int, float]:
    """How many columns the cards take, and the narrowest card's width."""
    boxes = [_box(page, cards(page).nth(i)) for i in range(cards(page).count())]
    return len({round(b["x"]) for b in boxes}), min(b["width"] for b in boxes)


def _panels(page: Page):
    ranking = current_item(page).get_by_role("complementary", name="Your ranking")
    guidelines = page.get_by_role("complementary", name="Guidelines")
    return ranking, guidelines


@pytest.mark.parametrize(
    ("width", "height", "k", "columns"),
    [(1024, 768, 4, 2), (1400, 900, 3, 2), (1920, 1080, 3, 3), (2560, 1440, 4, 4)],
)
def test_g_shows_the_guidelines_in_view_beside_the_ranking_panel(
    page: Page, width: int, height: int, k: int, columns: int
):
    _open_workspace(page, width=width, height=height, k=k)
    ranking, guidelines = _panels(page)
    assert _in_viewport(page, _box(page, ranking))

    page.keyboard.press("g")

    expect(guidelines).to_be_visible()
    expect(guidelines.get_by_role("heading", name="Guidelines", level=2)).to_be_visible()
    ranking_box, guidelines_box = _box(page, ranking), _box(page, guidelines)
    assert _in_viewport(page, guidelines_box), guidelines_box
    assert _in_viewport(page, ranking_box), ranking_box
    assert not _overlap(ranking_box, guidelines_box)
    found, narrowest = _card_columns(page)
    assert found == columns
    assert narrowest >= MIN_CARD_WIDTH
    save_artifact(page, f"workspace-{width}-guidelines.png")


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1920, 1080)])
def test_the_ranking_panel_stays_in_view_beside_the_cards(page: Page, width: int, height: int):
    _open_workspace(page, width=width, height=height, k=4)
    ranking, _ = _panels(page)
    first_card = _box(page, cards(page).first)
    ranking_box = _box(page, ranking)
    assert ranking_box["x"] >= first_card["x"] + first_card["width"]  # beside, not below
    assert _in_viewport(page, ranking_box)
    assert _card_columns(page)[1] >= MIN_CARD_WIDTH
    save_artifact(page, f"workspace-{width}.png")


def test_the_ranking_panel_stays_in_view_when_the_cards_scroll(page: Page):
    _open_workspace(page, width=1024, height=768, k=4)
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    assert page.evaluate("() => window.scrollY") > 300
    ranking, _ = _panels(page)
    assert _in_viewport(page, _box(page, ranking))
    expect(ranking.get_by_role("button", name=re.compile("Submit ranking"))).to_be_in_viewport()


def test_at_1024_px_the_guidelines_close_with_escape(page: Page):
    _open_workspace(page, width=1024, height=768, k=4)
    page.keyboard.press("g")
    _, guidelines = _panels(page)
    expect(guidelines).to_be_visible()
    page.keyboard.press("Escape")
    expect(guidelines).to_have_count(0)
