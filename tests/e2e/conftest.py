"""Browser fixtures: Debian's Chromium, driven by Playwright's sync API, on the live server."""

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Live comments travel through a Celery worker and Redis: allow them a few seconds.
expect.set_options(timeout=10_000)


class BrowserSession:
    """Opens isolated pages (each in its own browser context, so its own cookies).

    Playwright's sync API marks an asyncio loop as running between its calls, and Django
    refuses ORM queries while a loop runs. So Chromium starts on the first `open_page`, and a
    test sets up its data through the factories before it opens its first page.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None
        self._contexts: list[BrowserContext] = []

    def open_page(self, path: str = "/") -> Page:
        if self._browser is None:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        context = self._browser.new_context(base_url=self.base_url)
        context.set_default_timeout(10_000)
        self._contexts.append(context)
        page = context.new_page()
        page.goto(path)
        return page

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        if self._browser is not None:
            self._browser.close()
        if self._playwright is not None:
            self._playwright.stop()


@pytest.fixture
def browser_session(asgi_server) -> Iterator[BrowserSession]:
    session = BrowserSession(asgi_server.url)
    yield session
    session.close()


@pytest.fixture
def open_page(browser_session) -> Callable[..., Page]:
    return browser_session.open_page


def sign_in(page: Page, *, email: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto("/accounts/signin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
