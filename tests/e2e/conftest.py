import pytest

from tests.conftest import chromium_path

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if not path:
        pytest.skip("needs Chromium")  # the browser marker turns this into a failure in CI
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def _is_real_error(message) -> bool:
    """Console errors that mean a broken page. Product images on a store's CDN cannot load on
    a machine without internet; that is the network, not the page."""
    if message.type != "error":
        return False
    return "net::ERR_NAME_NOT_RESOLVED" not in message.text


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies): ``page = new_page()``.

    Console errors (a CSP violation, a failed script) fail the test.
    """
    contexts, errors = [], []

    def open_page():
        context = browser.new_context(base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda m: errors.append(m.text) if _is_real_error(m) else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert errors == [], f"browser console errors: {errors}"
