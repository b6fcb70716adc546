"""Browser fixtures: Debian's Chromium, driven by Playwright's sync API, on the live server."""

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Route,
    expect,
    sync_playwright,
)

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
        page = self.new_page()
        page.goto(path)
        return page

    def new_page(self) -> Page:
        """A blank page in its own context, for a test that routes requests before it loads."""
        if self._browser is None:
            self._playwright = sync_playwright().start()
            self._browser = self._playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        context = self._browser.new_context(base_url=self.base_url)
        context.set_default_timeout(10_000)
        self._contexts.append(context)
        return context.new_page()

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


def outside_the_browser_loop[T](function: Callable[..., T], /, *args, **kwargs) -> T:
    """Run ORM code (a factory, a service, a query) while pages are open, and return its result.

    Playwright keeps an asyncio loop marked as running on the test's thread, so Django refuses
    queries there; a worker thread has no loop. The thread's connection is closed afterwards,
    so nothing holds the test database open when it is flushed or dropped.
    """

    def run() -> T:
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()


def hold_requests(page: Page, url_pattern: str) -> list[Route]:
    """Hold the page's requests for `url_pattern` until the test continues them.

    Returns the list the held routes are appended to; call `route.continue_()` on each.
    """
    held: list[Route] = []

    def hold(route: Route) -> None:
        held.append(route)

    page.route(url_pattern, hold)
    return held


def wait_until_held(page: Page, held: list[Route], timeout_ms: int = 10_000) -> Route:
    """The first held route, once the page has asked for it (Playwright events keep flowing)."""
    waited = 0
    while not held:
        if waited >= timeout_ms:
            raise AssertionError("The page never requested the held URL.")
        page.wait_for_timeout(50)
        waited += 50
    return held[0]


def sign_in(page: Page, *, email: str, password: str) -> None:
    """Sign in through the sign-in page, as a person would."""
    page.goto("/accounts/signin/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


# Chromium fires `securitypolicyviolation` for everything the Content-Security-Policy blocks
# (scripts, styles, style attributes, handlers, connections); Playwright's init scripts run
# outside the page's policy, so this listener is never blocked itself.
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + JSON.stringify({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  }));
});
"""


def collect_csp_violations(page: Page) -> list[str]:
    """The page's Content-Security-Policy violations (and console errors naming the policy),
    across every navigation from now on: the list fills as they happen."""
    violations: list[str] = []

    def on_console(message) -> None:
        if message.text.startswith("CSP violation") or "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    def on_page_error(error) -> None:
        # A script the policy stops mid-way (eval, new Function) throws an EvalError.
        if "Content Security Policy" in str(error):
            violations.append(f"{page.url}: {error}")

    page.add_init_script(_REPORT_CSP_VIOLATIONS)
    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return violations
