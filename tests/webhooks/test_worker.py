"""The whole flow across the queue: a real Celery worker (with beat inside it) on Redis and
PostgreSQL delivers an event to a loopback receiver that fails first, retrying from the database
on the sweep's schedule."""

import time

import pytest
from django.db import transaction

from apps.core import events
from apps.webhooks import services
from apps.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from tests.factories import actor_for
from tests.webhooks.conftest import verify_signature


@pytest.mark.postgres
@pytest.mark.redis
def test_a_real_worker_retries_until_the_receiver_answers(
    celery_worker_process, workspace, settings, monkeypatch, flaky_receiver
):
    # The worker process reads its settings from the environment.
    for name, value in {
        "OUTBOUND_ALLOWED_HOSTS": "127.0.0.1",
        "WEBHOOK_RETRY_SCHEDULE": "1,2,3",
        "WEBHOOK_SWEEP_SECONDS": "1",
    }.items():
        monkeypatch.setenv(name, value)
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    worker = celery_worker_process(beat=True)
    receiver = flaky_receiver(fail=2)
    _, secret = services.endpoint_create(
        actor=actor_for(workspace, role="owner"), url=receiver.url() + "/in", events=["job.failed"]
    )
    with transaction.atomic():
        events.emit("job.failed", workspace_id=workspace.pk, key="job-77", payload={"job_id": 77})

    deadline = time.monotonic() + 60
    delivery = None
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.for_workspace(workspace).first()
        if delivery and delivery.status == DeliveryStatus.SUCCEEDED:
            break
        time.sleep(0.3)
    assert delivery is not None, worker.log_text()[-3000:]
    assert delivery.status == DeliveryStatus.SUCCEEDED, worker.log_text()[-3000:]
    codes = list(
        WebhookAttempt.objects.for_workspace(workspace)
        .filter(delivery=delivery)
        .order_by("number")
        .values_list("status_code", flat=True)
    )
    assert codes == [500, 500, 200]
    assert len(receiver.posts) == 3
    for _, headers, body in receiver.posts:
        assert len(verify_signature(headers["Atelier-Signature"], body, secret)) == 1
    log = worker.log_text()
    assert "apps.webhooks.tasks.webhook_deliver" in log
    assert "apps.webhooks.tasks.webhook_queue_due" in log  # the retries came from the sweep
