"""Every page of the web UI, the admin and the API docs work in Chromium under the site's
Content-Security-Policy, with no violation reported."""

import re

import pytest
from playwright.sync_api import expect

from apps.accounts.models import User
from tests.accounts.factories import PASSWORD, make_user
from tests.content.factories import make_comment, make_post
from tests.e2e.conftest import collect_csp_violations, outside_the_browser_loop, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; "
    "form-action 'self'"
)


def _make_staff(email: str) -> User:
    user = make_user(email=email, display_name="Staff")
    User.objects.filter(pk=user.pk).update(is_staff=True, is_superuser=True)
    return user


def test_the_web_ui_works_under_the_policy_with_no_violation(
    asgi_server, celery_worker, browser_session
):
    # Given a published post with a comment, a member, and a reader's page
    member = make_user(email="member@example.com", display_name="Member")
    post = make_post(title="Strict pages", tags=["csp"], published=True)
    make_comment(post=post, body="First!")
    page = browser_session.new_page()
    violations = collect_csp_violations(page)

    # When an anonymous reader opens the feed, a post (its live-comments script connects by
    # websocket), the sign-up and the sign-in pages
    response = page.goto("/")
    assert response.headers["content-security-policy"] == POLICY
    expect(page.get_by_test_id("feed")).to_contain_text("Strict pages")
    page.goto(f"/posts/{post.slug}/")
    expect(page.locator("[data-post-id]")).to_have_attribute("data-live", "connected")
    page.goto("/accounts/signup/")
    expect(page.get_by_role("heading", name="Create your account")).to_be_visible()

    # And signs in, writes a draft through the post form, sees their drafts, and comments
    sign_in(page, email=member.email, password=PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Write").click()
    page.get_by_label("Title").fill("A draft")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("link", name="My drafts").click()
    expect(page.get_by_test_id("drafts")).to_contain_text("A draft")
    page.goto(f"/posts/{post.slug}/")
    expect(page.locator("[data-post-id]")).to_have_attribute("data-live", "connected")
    page.get_by_label("Your comment").fill("Second")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("[data-comment-list] [data-comment-id]")).to_have_count(2)

    # Then a comment made elsewhere still appears live, and the policy was never violated
    outside_the_browser_loop(make_comment, post=post, body="Live, under CSP")
    expect(page.locator("[data-comment-list]")).to_contain_text("Live, under CSP")
    assert violations == []


def test_the_admin_works_under_the_policy_with_no_violation(asgi_server, browser_session):
    # Given a staff member and a post
    staff = _make_staff("staff@example.com")
    post = make_post(title="Admin me", published=True)
    page = browser_session.new_page()
    violations = collect_csp_violations(page)

    # When they sign in through the admin's login page, open the posts' changelist, filter
    # it, open a post's change form and save it
    response = page.goto("/admin/login/")
    assert response.headers["content-security-policy"] == POLICY
    page.get_by_label("E-mail address").fill(staff.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    page.goto("/admin/content/post/")
    expect(page.get_by_role("link", name="Admin me")).to_be_visible()
    page.get_by_role("link", name="Admin me").click()
    expect(page).to_have_url(re.compile(rf"/admin/content/post/{post.pk}/change/$"))
    page.get_by_label("Title").fill("Admin me, again")
    page.get_by_role("button", name="Save", exact=True).click()

    # Then the admin's scripts ran (the change was saved) with no violation
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    assert violations == []


def test_the_api_docs_and_the_cache_page_work_under_the_policy_with_no_violation(
    asgi_server, browser_session
):
    # Given a staff member
    staff = _make_staff("ops@example.com")
    page = browser_session.new_page()
    violations = collect_csp_violations(page)

    # When they open the REST API docs (Swagger UI) and the cache page
    response = page.goto("/api/docs/")
    assert response.headers["content-security-policy"] == POLICY
    expect(page.get_by_role("heading", name=re.compile("^Keel API"))).to_be_visible()
    expect(page.locator(".opblock").first).to_be_visible()
    sign_in(page, email=staff.email, password=PASSWORD)
    page.goto("/ops/cache/")
    expect(page.get_by_test_id("levels")).to_be_visible()

    # Then Swagger UI rendered the schema's operations, and nothing was blocked
    assert violations == []


def test_the_graphiql_page_breaks_no_policy_when_its_cdn_is_out_of_reach(
    asgi_server, browser_session
):
    # Given a browser that cannot reach GraphiQL's CDN (as in this offline suite)
    page = browser_session.new_page()
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    violations = collect_csp_violations(page)
    cdn_requests: list[str] = []
    page.on("requestfailed", lambda request: cdn_requests.append(request.url))

    # When it opens GraphiQL's page
    response = page.goto("/graphql/")

    # Then the page asked the CDN for GraphiQL (allowed by its policy) and ran its own
    # settings script, and nothing was blocked by the policy
    assert "https://cdn.jsdelivr.net" in response.headers["content-security-policy"]
    assert len(cdn_requests) == 8
    assert page.evaluate("window.GRAPHENE_SETTINGS.graphiqlHeaderEditorEnabled") is True
    assert violations == []
