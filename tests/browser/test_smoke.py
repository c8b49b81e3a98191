import re

from playwright.sync_api import Page, expect

from projects.models import Role
from tests.factories import PASSWORD, MembershipFactory, ProjectFactory, UserFactory


def test_the_login_page_renders(page: Page):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    expect(page.get_by_label("Username")).to_be_visible()
    expect(page.get_by_label("Password")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()


def test_a_wrong_password_is_explained_on_the_page(page: Page):
    UserFactory(username="ann")
    page.goto("/login")
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Invalid username or password.")).to_be_visible()


def test_an_annotator_signs_in_and_sees_their_projects(page: Page):
    annotator = UserFactory(username="annotator1")
    MembershipFactory(
        user=annotator, role=Role.ANNOTATOR, project=ProjectFactory(name="Helpfulness v2")
    )
    ProjectFactory(name="Not mine")

    page.goto("/")
    page.get_by_label("Username").fill("annotator1")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="My projects")).to_be_visible()
    expect(page.get_by_text("Helpfulness v2")).to_be_visible()
    expect(page.get_by_text("Not mine")).to_have_count(0)
