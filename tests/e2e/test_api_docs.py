"""The API's interactive docs run in Chromium under the strict content security policy: our
own Swagger UI files, no CDN, no violation; a key made on the keys page works from the page."""

import pytest
from playwright.sync_api import expect

from tests import factories as f

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_every_route_without_a_csp_violation(new_page, live_server):
    page = new_page()
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/api/docs")
    page.wait_for_selector(".opblock-summary-path")
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/products/bulk" in p for p in paths), paths
    assert any("/api/v1/copy/runs" in p for p in paths), paths
    assert violations == []
    assert all(url.startswith(live_server.url) for url in requested), requested


def test_a_key_from_the_keys_page_answers_in_the_docs(new_page, live_server):
    workspace = f.WorkspaceFactory()
    owner = f.MembershipFactory(workspace=workspace, role="owner").user
    page = new_page()
    page.goto("/accounts/login/")
    page.fill("input[name=login]", owner.email)
    page.fill("input[name=password]", f.PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"/w/{workspace.slug}/settings/api-keys/")
    page.fill("input[name=name]", "Docs try-out")
    page.select_option("select[name=role]", "reviewer")
    page.click("text=Create key")
    secret = page.locator("[data-testid=issued-key] code").inner_text().strip()
    assert secret.startswith("atk_")

    page.goto("/api/docs")
    page.click("button.authorize")
    page.fill(".auth-container input", secret)
    page.click(".auth-btn-wrapper button.authorize")
    page.click(".btn-done")
    operation = "#operations-keys-apps_api_routes_platform_whoami"
    page.click(f"{operation} .opblock-summary")
    page.click(f"{operation} button.try-out__btn")
    page.click(f"{operation} button.execute")
    answer = page.locator(f"{operation} .live-responses-table .response-col_description pre")
    expect(answer.first).to_contain_text('"role": "reviewer"')
    expect(
        page.locator(f"{operation} .live-responses-table tbody .response-col_status").first
    ).to_have_text("200")
