"""The ranking workspace, end to end: headless Chromium against the live server."""

from __future__ import annotations

import re
from datetime import timedelta

from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Page, Request, Route, expect

from annotation.models import Assignment, Prompt, Ranking
from annotation.services.queue import assignment_next
from tests.browser.workspace_fixtures import (
    annotation_project,
    card,
    cards,
    completion_ids_on_screen,
    current_item,
    save_artifact,
    sign_in,
    tier,
    wait_for_item,
    wait_until_saved,
    workspace_path,
)
from tests.factories import MembershipFactory, UserFactory

PLAIN_ITEMS = [
    (f"Question {n}: a good name for a cat?", [f"Answer {k} to question {n}." for k in "ABCD"])
    for n in range(1, 4)
]

CODE_COMPLETION = """Use a list comprehension:

```python
def squares(n: int) -> list[int]:
    \"\"\"The first n square numbers.\"\"\"
    return [i * i for i in range(1, n + 1)]


print(squares(5))  # [1, 4, 9, 16, 25]
```

It runs in O(n) time."""


JS_COMPLETION = """```js
const squares = (n) => Array.from({ length: n }, (_, i) => (i + 1) ** 2);
```"""


def _ranking_of(annotator: str, prompt_id: int) -> Ranking:
    return Ranking.objects.get(annotator__username=annotator, prompt_id=prompt_id)


def test_an_annotator_ranks_an_item_by_mouse_drag(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2], allow_ties=True)
    sign_in(page, "annotator1", workspace_path(project))
    prompt_id = wait_for_item(page)
    a, b, c, d = completion_ids_on_screen(page)

    card(page, "C").locator("header").drag_to(tier(page, "Rank 1"))
    card(page, "A").locator("header").drag_to(tier(page, "Rank 2"))
    tier(page, "Unranked").locator(f'[data-chip-id="{d}"]').drag_to(tier(page, "Rank 2"))
    card(page, "B").locator("header").drag_to(tier(page, "Rank 3"))

    expect(card(page, "C")).to_contain_text("Rank 1")
    expect(card(page, "A")).to_contain_text("Rank 2 (tied with D)")
    expect(card(page, "D")).to_contain_text("Rank 2 (tied with A)")
    expect(card(page, "B")).to_contain_text("Rank 3")
    announced = page.get_by_role("status").filter(has_text="Moved completion B to rank 3.")
    expect(announced).to_have_count(1)
    page.get_by_role("button", name=re.compile("Submit ranking")).click()

    wait_for_item(page, prompt_id)
    wait_until_saved(page)
    ranking = _ranking_of("annotator1", prompt_id)
    assert ranking.tiers == [[c], sorted([a, d]), [b]]
    assert ranking.display_order == [a, b, c, d]
    assert ranking.time_spent_ms is not None
    assert ranking.time_spent_ms > 0


def test_an_annotator_ranks_two_items_with_the_keyboard_only(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2], allow_ties=True)
    sign_in(page, "annotator1", workspace_path(project))

    first = wait_for_item(page)
    a, b, c, d = completion_ids_on_screen(page)
    expect(card(page, "A")).to_be_focused()
    # The prefetched item is already in the page, hidden until this one is submitted.
    expect(page.locator(".item")).to_have_count(2)
    expect(page.locator(".item").nth(1)).to_be_hidden()
    for key in "2143":
        page.keyboard.press(key)
    expect(card(page, "D")).to_contain_text("Rank 3")
    page.keyboard.press("Enter")

    second = wait_for_item(page, first)
    a2, b2, c2, d2 = completion_ids_on_screen(page)
    expect(card(page, "A")).to_be_focused()
    for key in "1123":  # A and B tie for the best
        page.keyboard.press(key)
    expect(card(page, "B")).to_contain_text("Rank 1 (tied with A)")
    page.keyboard.press("Enter")

    expect(page.get_by_text("Nothing left for you to rank here.")).to_be_visible()
    wait_until_saved(page)
    assert _ranking_of("annotator1", first).tiers == [[b], [a], [d], [c]]
    assert _ranking_of("annotator1", first).display_order == [a, b, c, d]
    assert _ranking_of("annotator1", second).tiers == [sorted([a2, b2]), [c2], [d2]]
    assert _ranking_of("annotator1", second).display_order == [a2, b2, c2, d2]


def _fail_first_submit(page: Page, *, reach_server: bool) -> tuple[list[dict], list[Route]]:
    """Break the first POST to rankings/ (before or after the server saw it); hold the second."""
    bodies: list[dict] = []
    held: list[Route] = []

    def handle(route: Route, request: Request) -> None:
        if request.method != "POST":
            route.continue_()
            return
        bodies.append(request.post_data_json or {})
        if len(bodies) == 1:
            if reach_server:
                route.fetch()  # stored, but the answer never reaches the page
            route.abort("internetdisconnected")
        elif len(bodies) == 2:
            held.append(route)  # released by the test, after it saw "Retrying"
        else:
            route.continue_()

    page.route("**/api/v1/projects/*/rankings/", handle)
    return bodies, held


def _release_retry(page: Page, held: list[Route]) -> None:
    """Let the held second attempt through (route handlers run while Playwright waits)."""
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    expect(page.locator(".save-status__text")).to_have_text("Retrying… (attempt 2)")
    held[0].continue_()


def _rank_in_order_and_submit(page: Page) -> None:
    for key in "1234":
        page.keyboard.press(key)
    page.keyboard.press("Enter")


def test_a_submit_lost_on_the_way_back_is_retried_and_stored_once(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2])
    bodies, held = _fail_first_submit(page, reach_server=True)
    sign_in(page, "annotator1", workspace_path(project))
    prompt_id = wait_for_item(page)
    _rank_in_order_and_submit(page)

    wait_for_item(page, prompt_id)  # the next item does not wait for the save
    expect(page.locator(".save-status__text")).to_contain_text("Retrying")
    assert Ranking.objects.filter(prompt_id=prompt_id).count() == 1
    _release_retry(page, held)

    wait_until_saved(page)
    assert len(bodies) == 2
    assert bodies[0]["client_request_id"] == bodies[1]["client_request_id"]
    ranking = Ranking.objects.get(prompt_id=prompt_id)
    assert str(ranking.client_request_id) == bodies[0]["client_request_id"]
    assert Ranking.objects.filter(annotator__username="annotator1").count() == 1


def test_a_submit_that_never_left_the_browser_is_retried_and_stored_once(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2])
    bodies, held = _fail_first_submit(page, reach_server=False)
    sign_in(page, "annotator1", workspace_path(project))
    prompt_id = wait_for_item(page)
    _rank_in_order_and_submit(page)

    expect(page.locator(".save-status__text")).to_contain_text("Retrying")
    assert not Ranking.objects.filter(prompt_id=prompt_id).exists()
    _release_retry(page, held)

    wait_until_saved(page)
    assert bodies[0]["client_request_id"] == bodies[1]["client_request_id"]
    assert Ranking.objects.filter(prompt_id=prompt_id).count() == 1


XSS_PAYLOADS = "\n\n".join(
    [
        "<script>window.__xss=1</script>",
        '<img src=x onerror="window.__xss=1">',
        "[click](javascript:window.__xss=1)",
        "<svg onload=window.__xss=1><circle r=5></circle></svg>",
        '<iframe src="javascript:window.__xss=1"></iframe>',
        '<a href="javascript:window.__xss=1">raw link</a>',
        "![tracker](http://127.0.0.1:9/pixel.png)",
    ]
)


def test_xss_payloads_in_a_prompt_and_a_completion_do_not_run(page: Page):
    project = annotation_project(
        items=[
            (
                f"Prompt with payloads\n\n{XSS_PAYLOADS}",
                [f"Completion with payloads\n\n{XSS_PAYLOADS}", "A harmless answer."],
            )
        ]
    )
    remote: list[str] = []
    page.on("request", lambda r: remote.append(r.url) if "127.0.0.1:9" in r.url else None)
    sign_in(page, "annotator1", workspace_path(project))
    wait_for_item(page)

    markdown = page.locator(".markdown")
    expect(markdown.first).to_contain_text("<script>window.__xss=1</script>")
    assert markdown.locator("script, img, svg, iframe, [onerror], [onload]").count() == 0
    for link in markdown.get_by_text("click", exact=True).all():
        link.click()
    assert markdown.locator('a[href^="javascript"]').count() == 0
    page.wait_for_timeout(300)
    assert page.evaluate("typeof window.__xss") == "undefined"

    # Remote images load only on request.
    assert remote == []
    load = page.get_by_role("button", name="Load image from 127.0.0.1:9 (tracker)").first
    load.click()
    expect(markdown.locator("img").first).to_have_attribute("src", "http://127.0.0.1:9/pixel.png")
    assert page.evaluate("typeof window.__xss") == "undefined"


def test_a_draft_ranking_survives_a_reload(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2], allow_ties=False)
    sign_in(page, "annotator1", workspace_path(project))
    prompt_id = wait_for_item(page)
    a, b, c, d = completion_ids_on_screen(page)
    page.keyboard.press("3")
    page.keyboard.press("1")
    expect(card(page, "B")).to_contain_text("Rank 1")

    page.reload()
    assert wait_for_item(page) == prompt_id
    expect(page.get_by_text("Draft restored")).to_be_visible()
    expect(card(page, "A")).to_contain_text("Rank 3")
    expect(card(page, "B")).to_contain_text("Rank 1")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("4")
    page.keyboard.press("2")
    page.keyboard.press("Enter")

    wait_for_item(page, prompt_id)
    wait_until_saved(page)
    assert _ranking_of("annotator1", prompt_id).tiers == [[b], [d], [a], [c]]
    drafts = page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('rankwise:draft'))")
    assert drafts == []


def test_a_lost_lease_is_explained_and_the_next_item_follows(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2], raters_per_item=1)
    other: User = UserFactory.create(username="annotator2")
    MembershipFactory(project=project, user=other)
    sign_in(page, "annotator1", workspace_path(project))
    prompt_id = wait_for_item(page)
    # Wait for the prefetch: the annotator holds both items.
    expect(cards(page)).to_have_count(4)
    for _ in range(50):
        if Assignment.objects.filter(annotator__username="annotator1").count() == 2:
            break
        page.wait_for_timeout(100)

    Assignment.objects.filter(annotator__username="annotator1", prompt_id=prompt_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    taken = assignment_next(project=project, annotator=other)
    assert taken is not None
    assert taken.prompt_id == prompt_id

    _rank_in_order_and_submit(page)
    wait_for_item(page, prompt_id)
    notice = page.get_by_role("alert").filter(has_text="was not saved")
    expect(notice).to_contain_text("your lease on it expired and the item went to another")
    expect(notice).to_contain_text(Prompt.objects.get(pk=prompt_id).text[:30])
    assert not Ranking.objects.filter(annotator__username="annotator1").exists()

    _rank_in_order_and_submit(page)
    expect(page.get_by_text("Nothing left for you to rank here.")).to_be_visible()
    wait_until_saved(page)
    assert Ranking.objects.filter(annotator__username="annotator1").count() == 1


def test_an_annotator_skips_an_item_with_a_reason_and_flags_the_next(page: Page):
    project = annotation_project(items=PLAIN_ITEMS[:2])
    sign_in(page, "annotator1", workspace_path(project))
    first = wait_for_item(page)

    page.keyboard.press("s")
    dialog = page.get_by_role("dialog", name="Skip this item")
    expect(dialog.get_by_role("textbox", name="Reason")).to_be_focused()
    page.keyboard.type("Needs a lawyer")  # no shortcut fires while typing
    expect(card(page, "A")).to_contain_text("Unranked")
    dialog.get_by_role("button", name="Skip item").click()

    second = wait_for_item(page, first)
    page.keyboard.press("f")
    dialog = page.get_by_role("dialog", name="Flag this item")
    dialog.get_by_label("Broken item").check()
    dialog.get_by_label("Note (optional)").fill("The answers are cut off.")
    dialog.get_by_role("button", name="Flag item").click()

    expect(page.get_by_text("Nothing left for you to rank here.")).to_be_visible()
    wait_until_saved(page)
    skipped = _ranking_of("annotator1", first)
    assert (skipped.kind, skipped.skip_reason) == (Ranking.Kind.SKIPPED, "Needs a lawyer")
    flagged = _ranking_of("annotator1", second)
    assert (flagged.kind, flagged.flag_reason, flagged.flag_note) == (
        Ranking.Kind.FLAGGED,
        Ranking.FlagReason.BROKEN,
        "The answers are cut off.",
    )


def test_project_cards_show_my_progress_and_open_the_workspace(page: Page):
    project = annotation_project(items=PLAIN_ITEMS, name="Cat names")
    sign_in(page, "annotator1", "/")
    project_card = page.get_by_role("article", name="Cat names")
    expect(project_card).to_contain_text("3 left for you")
    project_card.get_by_role("link", name="Rank items in Cat names").click()
    expect(page).to_have_url(re.compile(f"/projects/{project.pk}/rank$"))
    wait_for_item(page)


def test_screenshots_of_the_workspace_with_two_and_four_completions(page: Page):
    k2 = annotation_project(
        name="Explanations (K=2)",
        items=[
            (
                "Explain **recursion** to a ten-year-old, in two sentences.",
                [
                    "Recursion is when something is defined using a smaller version of itself.\n\n"
                    "Like a set of *Russian dolls*: open one and there is a smaller one inside, "
                    "until you reach the tiniest doll.",
                    "It's a function calling itself.",
                ],
            )
        ],
    )
    k4 = annotation_project(
        name="Code (K=4)",
        items=[
            (
                "Write a Python function that returns the first `n` square numbers.",
                [
                    CODE_COMPLETION,
                    JS_COMPLETION,
                    "Squares are 1, 4, 9, 16 and so on: multiply each number by itself.",
                    "\n".join(f"{i}. The square of {i} is {i * i}." for i in range(1, 40)),
                ],
            )
        ],
    )
    sign_in(page, "annotator1", workspace_path(k2))
    wait_for_item(page)
    expect(cards(page)).to_have_count(2)
    page.keyboard.press("1")
    expect(card(page, "A")).to_contain_text("Rank 1")
    assert save_artifact(page, "workspace-k2.png").stat().st_size > 0

    page.goto(workspace_path(k4))
    wait_for_item(page)
    expect(cards(page)).to_have_count(4)
    python = current_item(page).locator("pre code.language-python .hljs-keyword")
    expect(python.first).to_have_text("def")
    expect(page.get_by_role("button", name="Show more")).to_have_count(1)
    page.keyboard.press("2")
    page.keyboard.press("1")
    expect(card(page, "B")).to_contain_text("Rank 1")
    assert save_artifact(page, "workspace-k4.png").stat().st_size > 0
