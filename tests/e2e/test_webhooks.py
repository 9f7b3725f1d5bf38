"""Browser journey: an owner adds a webhook endpoint, keeps the secret shown once, sees a failed
delivery in the log (status code, never the receiver's answer), sends it again and sees it
delivered; both requests carry a signature that checks out with the secret from the page."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from apps.core import events
from tests.factories import PASSWORD, MembershipFactory, WorkspaceFactory
from tests.webhooks.conftest import FlakyAnswer, verify_signature

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_add_an_endpoint_watch_a_delivery_fail_and_send_it_again(
    new_page, settings, loopback_servers
):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.WEBHOOK_RETRY_SCHEDULE = [3600]
    workspace = WorkspaceFactory(name="Harbor", slug="harbor")
    owner = MembershipFactory(workspace=workspace, role="owner").user
    receiver = loopback_servers(FlakyAnswer(fail=1))

    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_label("Endpoint URL").fill(receiver.url() + "/atelier")
    page.get_by_label("A job failed").check()
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_test_id("webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    page.get_by_role("link", name="I have saved it").click()
    expect(page.get_by_test_id("endpoint-url")).to_have_text(receiver.url() + "/atelier")
    expect(page.get_by_test_id("endpoint-status")).to_have_text("On")

    with transaction.atomic():
        events.emit("job.failed", workspace_id=workspace.pk, key="job-5", payload={"job_id": 5})

    page.reload()
    log = page.get_by_test_id("delivery-table")
    expect(log).to_contain_text("job.failed")
    expect(log).to_contain_text("500 Internal Server Error")
    expect(log).not_to_contain_text("hunter2")
    log.get_by_role("link").first.click()
    expect(page.get_by_test_id("delivery-status")).to_have_text("Retrying")
    page.get_by_test_id("redeliver").click()
    expect(page.get_by_test_id("delivery-status")).to_have_text("Delivered")
    attempts = page.get_by_test_id("attempt-table")
    expect(attempts).to_contain_text("200 OK")
    expect(attempts).to_contain_text("sent by hand")
    expect(page.locator("body")).not_to_contain_text("hunter2")

    assert len(receiver.posts) == 2
    for _, headers, body in receiver.posts:
        assert len(verify_signature(headers["Atelier-Signature"], body, secret)) == 1
