"""Events become signed deliveries; failures are retried on schedule against a real loopback
receiver, redelivered by hand, and an endpoint that keeps failing is switched off."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core import events
from apps.core.errors import ServiceError
from apps.photos.services import review as photo_review
from apps.reviews.services import review_decide
from apps.webhooks import delivery as engine
from apps.webhooks import services
from apps.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEvent
from tests.factories import (
    CopyDraftFactory,
    CopyVariantFactory,
    MembershipFactory,
    PhotoOutputFactory,
    ProductFactory,
    UserFactory,
    WebhookDeliveryFactory,
    WebhookEndpointFactory,
    actor_for,
)
from tests.webhooks.conftest import FlakyAnswer, verify_signature

pytestmark = pytest.mark.django_db(transaction=True)


def emit(workspace, name="job.finished", key="job-1", payload=None):
    with transaction.atomic():
        events.emit(
            name,
            workspace_id=workspace.pk,
            key=key,
            payload=payload if payload is not None else {"job_id": 1, "kind": "copy.generate"},
        )


def add_endpoint(workspace, url, events_=("job.finished",)):
    endpoint, secret = services.endpoint_create(
        actor=actor_for(workspace, role="owner"), url=url, events=list(events_)
    )
    return endpoint, secret


def deliveries(workspace):
    return list(WebhookDelivery.objects.for_workspace(workspace).order_by("pk"))


def attempts(delivery):
    return list(
        WebhookAttempt.objects.for_workspace(delivery.workspace_id)
        .filter(delivery=delivery)
        .order_by("number")
    )


def sweep_until_settled(rounds=10):
    for _ in range(rounds):
        if engine.deliveries_queue_due() == 0:
            return


def test_a_failing_receiver_gets_the_same_signed_event_until_it_succeeds(
    workspace, allow_loopback, fast_retries, flaky_receiver
):
    receiver = flaky_receiver(fail=2)
    endpoint, secret = add_endpoint(workspace, receiver.url() + "/hooks")
    emit(workspace, payload={"job_id": 41, "kind": "copy.generate", "label": "Copy for 3"})

    [delivery] = deliveries(workspace)
    assert delivery.attempt_count == 1  # the first attempt ran as the event was committed
    assert delivery.status == DeliveryStatus.PENDING
    sweep_until_settled()

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert [(a.status_code, a.ok) for a in attempts(delivery)] == [
        (500, False),
        (500, False),
        (200, True),
    ]
    assert len(receiver.posts) == 3
    bodies = {body for _, _, body in receiver.posts}
    assert len(bodies) == 1  # the same event every time
    envelope = json.loads(bodies.pop())
    event = WebhookEvent.objects.for_workspace(workspace).get()
    assert envelope == {
        "id": event.public_id,
        "type": "job.finished",
        "created": event.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "workspace": {"id": workspace.pk, "slug": workspace.slug},
        "data": {"job_id": 41, "kind": "copy.generate", "label": "Copy for 3"},
    }
    for path, headers, body in receiver.posts:
        assert path == "/hooks"
        assert headers["Content-Type"] == "application/json"
        assert headers["Atelier-Event"] == "job.finished"
        assert headers["Atelier-Delivery"] == f"dlv_{delivery.pk}"
        assert len(verify_signature(headers["Atelier-Signature"], body, secret)) == 1
    # The receiver's body is never kept: only our own summary of its status code.
    for attempt in attempts(delivery):
        assert FlakyAnswer.LEAK.decode() not in attempt.summary
    assert attempts(delivery)[0].summary == "500 Internal Server Error"
    assert delivery.last_summary == "200 OK" and delivery.last_duration_ms is not None
    endpoint.refresh_from_db()
    assert endpoint.consecutive_failed_deliveries == 0 and endpoint.last_success_at


def test_only_enabled_endpoints_that_chose_the_event_get_it(
    workspace, other_workspace, allow_loopback, flaky_receiver
):
    receiver = flaky_receiver()
    wants, _ = add_endpoint(workspace, receiver.url() + "/a", ["job.finished"])
    add_endpoint(workspace, receiver.url() + "/b", ["job.failed"])
    off, _ = add_endpoint(workspace, receiver.url() + "/c", ["job.finished"])
    services.endpoint_set_enabled(
        actor=actor_for(workspace, role="owner"), endpoint_id=off.pk, enabled=False
    )
    add_endpoint(other_workspace, receiver.url() + "/d", ["job.finished"])
    emit(workspace)
    emit(workspace)  # the same event (same key) again: nothing new
    assert [d.endpoint_id for d in deliveries(workspace)] == [wants.pk]
    assert [path for path, _, _ in receiver.posts] == ["/a"]
    assert not WebhookDelivery.objects.for_workspace(other_workspace).exists()


def test_review_events_are_delivered_by_name(
    workspace, allow_loopback, flaky_receiver, review_events_registered
):
    receiver = flaky_receiver()
    add_endpoint(workspace, receiver.url() + "/r", ["copy.approved", "photo.approved"])
    payload = {"kind": "copy", "id": 7, "product_handle": "mug", "url": "/w/x/copy/7/"}
    emit(workspace, name="copy.approved", key="copy-7:3", payload=payload)
    [(_, headers, body)] = receiver.posts
    assert headers["Atelier-Event"] == "copy.approved"
    assert json.loads(body)["data"] == payload


def test_every_attempt_failing_gives_up_after_the_schedule(
    workspace, settings, allow_loopback, flaky_receiver
):
    settings.WEBHOOK_RETRY_SCHEDULE = [60, 300]
    receiver = flaky_receiver(fail=99)
    add_endpoint(workspace, receiver.url())
    emit(workspace)
    [delivery] = deliveries(workspace)
    # Due again a minute after the event, then five; not before.
    assert delivery.next_attempt_at == delivery.created_at + timedelta(seconds=60)
    assert engine.deliveries_queue_due() == 0
    assert engine.delivery_attempt(workspace_id=workspace.pk, delivery_id=delivery.pk) == (
        "not due"
    )
    for expected_offset in (300, None):
        WebhookDelivery.objects.for_workspace(workspace).filter(pk=delivery.pk).update(
            next_attempt_at=timezone.now() - timedelta(seconds=1)
        )
        assert engine.deliveries_queue_due() == 1
        delivery.refresh_from_db()
        if expected_offset:
            assert delivery.next_attempt_at == delivery.created_at + timedelta(
                seconds=expected_offset
            )
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempt_count == 3 and len(receiver.posts) == 3
    assert delivery.next_attempt_at is None


def test_the_guard_refuses_at_delivery_time_when_the_address_is_no_longer_allowed(
    workspace, settings, allow_loopback, fast_retries, flaky_receiver
):
    receiver = flaky_receiver()
    add_endpoint(workspace, receiver.url())
    settings.OUTBOUND_ALLOWED_HOSTS = []  # the operator takes it back (or DNS now says loopback)
    emit(workspace)
    [delivery] = deliveries(workspace)
    [attempt] = attempts(delivery)
    assert attempt.status_code is None and not attempt.ok
    assert attempt.summary.startswith("Refused by the outbound guard")
    assert "loopback" in attempt.summary
    assert receiver.posts == []


def test_redirects_are_not_followed(workspace, allow_loopback, fast_retries, loopback_servers):
    inner = loopback_servers()
    outer = loopback_servers(lambda path: (307, {"Location": inner.url() + "/inside"}, b""))
    add_endpoint(workspace, outer.url() + "/hook")
    emit(workspace)
    [delivery] = deliveries(workspace)
    [attempt] = attempts(delivery)
    assert attempt.status_code == 307 and not attempt.ok
    assert "redirects are not followed" in attempt.summary
    assert outer.hits == ["/hook"] and inner.hits == []
    assert delivery.status == DeliveryStatus.PENDING  # tried again later, like any failure


def test_a_slow_receiver_times_out(workspace, settings, allow_loopback, loopback_servers):
    import time

    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3

    def slow(path):
        time.sleep(1)
        return 200, {}, b""

    add_endpoint(workspace, loopback_servers(slow).url())
    emit(workspace)
    [attempt] = attempts(deliveries(workspace)[0])
    assert attempt.summary == "No answer within 0.3 s" and not attempt.ok
    assert 250 <= attempt.duration_ms < 1000


def test_redelivery_sends_once_more_by_hand(workspace, settings, allow_loopback, flaky_receiver):
    settings.WEBHOOK_RETRY_SCHEDULE = []  # one attempt only, so the delivery fails at once
    receiver = flaky_receiver(fail=1)
    add_endpoint(workspace, receiver.url())
    emit(workspace)
    [delivery] = deliveries(workspace)
    assert delivery.status == DeliveryStatus.FAILED
    admin = actor_for(workspace, role="admin")
    services.delivery_redeliver(actor=admin, delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and not delivery.manual_requested
    first, second = attempts(delivery)
    assert (first.status_code, first.manual) == (500, False)
    assert (second.status_code, second.manual) == (200, True)
    assert receiver.posts[0][2] == receiver.posts[1][2]  # the same event, same id
    [row] = AuditEvent.objects.for_workspace(workspace).filter(action="webhooks.redelivered")
    assert row.actor == admin.user
    assert row.details["event"] == WebhookEvent.objects.for_workspace(workspace).get().public_id


def test_redelivery_is_refused_for_a_switched_off_endpoint_and_other_workspaces(
    workspace, other_workspace, settings, allow_loopback, flaky_receiver
):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    receiver = flaky_receiver(fail=1)
    endpoint, _ = add_endpoint(workspace, receiver.url())
    emit(workspace)
    [delivery] = deliveries(workspace)
    owner = actor_for(workspace, role="owner")
    services.endpoint_set_enabled(actor=owner, endpoint_id=endpoint.pk, enabled=False)
    with pytest.raises(ServiceError, match="switched off"):
        services.delivery_redeliver(actor=owner, delivery_id=delivery.pk)
    stranger = actor_for(other_workspace, role="owner")
    with pytest.raises(ServiceError) as refused:
        services.delivery_redeliver(actor=stranger, delivery_id=delivery.pk)
    assert refused.value.code == "not_found"
    assert len(receiver.posts) == 1
    assert (
        not AuditEvent.objects.for_workspace(workspace)
        .filter(action="webhooks.redelivered")
        .exists()
    )


def test_an_endpoint_that_keeps_failing_is_switched_off_and_admins_are_told(
    workspace, settings, allow_loopback, flaky_receiver
):
    settings.WEBHOOK_RETRY_SCHEDULE = [0]
    settings.WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES = 2
    owner = MembershipFactory(workspace=workspace, role="owner", user=UserFactory(email="o@x.io"))
    MembershipFactory(workspace=workspace, role="admin", user=UserFactory(email="a@x.io"))
    MembershipFactory(workspace=workspace, role="copywriter", user=UserFactory(email="c@x.io"))
    receiver = flaky_receiver(fail=99)
    endpoint, _ = services.endpoint_create(
        actor=actor_for(workspace, owner.user), url=receiver.url(), events=["job.finished"]
    )
    emit(workspace, key="job-1")
    emit(workspace, key="job-2")
    emit(workspace, key="job-3")  # still waiting for its retry when the endpoint is switched off
    engine.deliveries_queue_due()  # second attempts: job-1 and job-2 give up (job-3 too)

    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.disabled_reason == "failures"
    assert endpoint.disabled_by_failures
    statuses = sorted(d.status for d in deliveries(workspace))
    assert statuses.count(DeliveryStatus.FAILED) == 2
    assert statuses.count(DeliveryStatus.CANCELLED) == 1
    [row] = AuditEvent.objects.for_workspace(workspace).filter(action="webhooks.endpoint_disabled")
    assert row.actor is None and row.target == receiver.url()
    assert "2 events in a row" in row.details["reason"]

    [message] = mail.outbox
    assert sorted(message.to) == ["a@x.io", "o@x.io"]
    assert "switched off" in message.subject and workspace.name in message.subject
    assert receiver.url() in message.body
    assert f"/w/{workspace.slug}/webhooks/{endpoint.pk}/" in message.body
    assert FlakyAnswer.LEAK.decode() not in message.body
    # Once per switch-off: the task run again sends nothing.
    assert (
        engine.endpoint_send_disabled_email(workspace_id=workspace.pk, endpoint_id=endpoint.pk) == 0
    )
    assert len(mail.outbox) == 1

    # Switched off, it receives nothing new.
    sent = len(receiver.posts)
    emit(workspace, key="job-4")
    assert len(deliveries(workspace)) == 3 and len(receiver.posts) == sent


def test_a_success_resets_the_count(workspace, settings, allow_loopback, loopback_servers):
    settings.WEBHOOK_RETRY_SCHEDULE = []
    settings.WEBHOOK_DISABLE_AFTER_FAILED_DELIVERIES = 2
    answers = iter([500, 200, 500, 500])
    receiver = loopback_servers(lambda path: (next(answers), {}, b""))
    endpoint, _ = add_endpoint(workspace, receiver.url())
    emit(workspace, key="a")
    emit(workspace, key="b")
    emit(workspace, key="c")
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.consecutive_failed_deliveries == 1
    emit(workspace, key="d")
    endpoint.refresh_from_db()
    assert not endpoint.enabled and endpoint.consecutive_failed_deliveries == 2


def test_a_delivery_claimed_by_another_worker_is_left_alone(
    workspace, allow_loopback, flaky_receiver
):
    receiver = flaky_receiver(fail=99)
    add_endpoint(workspace, receiver.url())
    emit(workspace)
    [delivery] = deliveries(workspace)
    WebhookDelivery.objects.for_workspace(workspace).filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now(), claimed_until=timezone.now() + timedelta(minutes=1)
    )
    assert engine.delivery_attempt(workspace_id=workspace.pk, delivery_id=delivery.pk) == (
        "not due"
    )
    assert engine.deliveries_queue_due() == 0
    assert len(receiver.posts) == 1


def test_a_secret_that_cannot_be_decrypted_is_never_sent_unsigned(
    workspace, allow_loopback, flaky_receiver
):
    receiver = flaky_receiver()
    endpoint = WebhookEndpointFactory(
        workspace=workspace, url=receiver.url(), secret_encrypted="gAAAAA-not-a-token"
    )
    emit(workspace)
    [delivery] = deliveries(workspace)
    [attempt] = attempts(delivery)
    assert not attempt.ok and attempt.status_code is None
    assert attempt.summary.startswith("Not sent: the signing secret cannot be decrypted")
    assert receiver.posts == []
    assert delivery.status == DeliveryStatus.PENDING  # a new secret lets the retries through
    endpoint.refresh_from_db()
    assert endpoint.last_failure_at is not None


def test_switching_off_drops_a_send_again_not_yet_made(workspace):
    endpoint = WebhookEndpointFactory(workspace=workspace)
    asked = WebhookDeliveryFactory(workspace=workspace, endpoint=endpoint, manual_requested=True)
    services.endpoint_set_enabled(
        actor=actor_for(workspace, role="owner"), endpoint_id=endpoint.pk, enabled=False
    )
    asked.refresh_from_db()
    assert not asked.manual_requested and asked.status == DeliveryStatus.FAILED
    assert engine.deliveries_queue_due() == 0


def test_an_approval_in_the_review_queue_reaches_the_receiver(
    workspace, allow_loopback, flaky_receiver
):
    """The real emitter: the review seam's copy.approved, with the contract's payload."""
    receiver = flaky_receiver()
    add_endpoint(workspace, receiver.url(), ["copy.approved"])
    writer = actor_for(workspace, role="copywriter")
    reviewer = actor_for(workspace, role="reviewer")
    product = ProductFactory(workspace=workspace, handle="linen-shirt", title="Linen Shirt")
    draft = CopyDraftFactory(workspace=workspace, product=product, author=writer.user)
    variant = CopyVariantFactory(workspace=workspace, draft=draft, data={"text": "Linen shirt"})
    draft.chosen_variant = variant
    draft.save(update_fields=["chosen_variant"])
    review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit")
    assert receiver.posts == []  # copy.submitted was not chosen
    review_decide(actor=reviewer, kind="copy", object_id=draft.pk, decision="approve")
    [(_, headers, body)] = receiver.posts
    envelope = json.loads(body)
    assert headers["Atelier-Event"] == envelope["type"] == "copy.approved"
    assert envelope["data"]["id"] == draft.pk
    assert envelope["data"]["product_handle"] == "linen-shirt"
    assert envelope["data"]["content"] == {"text": "Linen shirt"}
    assert envelope["data"]["url"] == f"/w/{workspace.slug}/copy/drafts/{draft.pk}/"


def test_a_photo_approval_reaches_the_receiver(workspace, allow_loopback, flaky_receiver):
    """The real emitter: photo review on the seam, photo.approved with preset and image_url."""
    receiver = flaky_receiver()
    add_endpoint(workspace, receiver.url(), ["photo.approved"])
    editor = actor_for(workspace, role="photo_editor")
    reviewer = actor_for(workspace, role="reviewer")
    output = PhotoOutputFactory(workspace=workspace)
    photo_review.photo_outputs_submit(actor=editor, output_ids=[output.pk])
    photo_review.photo_review_decide(actor=reviewer, output_id=output.pk, decision="approve")
    [(_, headers, body)] = receiver.posts
    data = json.loads(body)["data"]
    assert headers["Atelier-Event"] == "photo.approved"
    assert (data["kind"], data["id"]) == ("photo", output.pk)
    assert data["image_url"] == f"/w/{workspace.slug}/photos/outputs/{output.pk}/image/"
