"""The SPA, the API docs (Swagger UI) and the Django admin work under the strict
Content-Security-Policy: pages render, and Chromium reports no violation and logs no error."""

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import ConsoleMessage, Page, expect

from projects.models import Role
from tests.browser.workspace_fixtures import annotation_project, sign_in, workspace_path
from tests.factories import PASSWORD, MembershipFactory, UserFactory

# Every violation, also those of report-only or of resources that fail silently.
LISTEN_FOR_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} ` +
    `at ${event.sourceFile}:${event.lineNumber}`
  );
});
"""


@dataclass
class Watched:
    page: Page
    console: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)

    def collect(self) -> None:
        """Gather the violations the page saw; call before it navigates away."""
        self.violations += self.page.evaluate("window.__cspViolations")


@pytest.fixture
def watched(page: Page) -> Iterator[Watched]:
    seen = Watched(page)
    page.add_init_script(LISTEN_FOR_VIOLATIONS)

    def on_console(message: ConsoleMessage) -> None:
        if message.type in ("error", "warning"):
            seen.console.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    yield seen
    seen.collect()
    assert seen.violations == []
    assert seen.console == []


def test_an_annotator_signs_in_and_ranks_under_the_policy(watched: Watched):
    project = annotation_project(
        items=[("**Explain** `TCP` slow start.", ["```python\nprint(1)\n```", "No idea."])]
    )
    sign_in(watched.page, "annotator1", workspace_path(project))
    expect(watched.page.locator(".item:not([hidden]) .markdown").first).to_contain_text("Explain")


def test_a_researcher_opens_the_dashboard_under_the_policy(watched: Watched):
    project = annotation_project(items=[("A prompt.", ["One.", "Two."])])
    MembershipFactory(project=project, role=Role.RESEARCHER, user=UserFactory(username="rita"))
    sign_in(watched.page, "rita", f"/projects/{project.pk}")
    expect(watched.page.get_by_role("heading", name="Activity")).to_be_visible()
    expect(watched.page.get_by_role("figure", name="Rankings per day")).to_be_visible()


def test_the_api_docs_render_every_operation_under_the_policy(watched: Watched):
    page = watched.page
    page.goto("/api/docs/")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 20
    operations.filter(has_text="/api/v1/projects/").first.locator(".opblock-summary").click()
    expect(page.locator(".opblock-body").first).to_be_visible()
    expect(page.locator(".responses-table").first).to_be_visible()


def test_an_admin_signs_in_to_django_admin_under_the_policy(watched: Watched):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    project = annotation_project(items=[("A prompt.", ["One.", "Two."])])
    page = watched.page
    page.goto("/admin/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    watched.collect()
    page.goto("/admin/projects/project/")
    expect(page.get_by_role("link", name=project.name)).to_be_visible()
    watched.collect()
    page.goto(f"/admin/projects/project/{project.pk}/change/")
    expect(page.get_by_label("Name:")).to_have_value(project.name)
