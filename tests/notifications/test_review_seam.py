"""The real emitters: the copy and photo studios' decisions through the review seam reach the
right people with the contract's payload (no event is emitted by hand here)."""

import pytest
from django.core import mail

from apps.copywriting.services import copy_review_decide
from apps.notifications.kinds import Kind
from apps.notifications.models import Notification
from apps.photos.services.review import photo_outputs_submit, photo_review_decide
from tests.factories import (
    CopyDraftFactory,
    CopyVariantFactory,
    PhotoOutputFactory,
    ProductFactory,
    actor_for,
)

pytestmark = pytest.mark.django_db


def test_submitting_and_returning_copy_notifies_reviewers_then_the_author(
    workspace, owner, django_capture_on_commit_callbacks
):
    writer = actor_for(workspace, role="copywriter")
    reviewer = actor_for(workspace, role="reviewer")
    product = ProductFactory(workspace=workspace, title="Linen Shirt")
    draft = CopyDraftFactory(workspace=workspace, product=product, author=writer.user)
    draft.chosen_variant = CopyVariantFactory(workspace=workspace, draft=draft)
    draft.save(update_fields=["chosen_variant"])

    with django_capture_on_commit_callbacks(execute=True):
        copy_review_decide(actor=writer, draft_id=draft.pk, decision="submit")
    waiting = Notification.objects.for_workspace(workspace).filter(kind=Kind.REVIEW_WAITING)
    assert {n.recipient for n in waiting} == {owner, reviewer.user}
    assert {n.url for n in waiting} == {f"/w/{workspace.slug}/review/copy/{draft.pk}/"}
    assert {n.title for n in waiting} == {
        f"{writer.user.display_name} sent the SEO title for “Linen Shirt” for review"
    }

    with django_capture_on_commit_callbacks(execute=True):
        copy_review_decide(
            actor=reviewer, draft_id=draft.pk, decision="request_changes", comment="Say linen."
        )
    (returned,) = Notification.objects.for_workspace(workspace).filter(kind=Kind.WORK_DECIDED)
    assert returned.recipient == writer.user
    assert returned.title == (
        f"{reviewer.user.display_name} asked for changes to your SEO title for “Linen Shirt”"
    )
    assert (returned.body, returned.url) == (
        "Say linen.",
        f"/w/{workspace.slug}/copy/drafts/{draft.pk}/",
    )
    (message,) = mail.outbox
    assert message.to == [writer.user.email]
    # The decision settled everyone's "waiting for review" of this draft.
    assert not waiting.filter(read_at__isnull=True).exists()


def test_submitting_and_approving_a_photo_notifies_reviewers_then_the_editor(
    workspace, owner, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    editor = actor_for(workspace, role="photo_editor")
    reviewer = actor_for(workspace, role="reviewer")
    product = ProductFactory(workspace=workspace, title="Linen Shirt")
    output = PhotoOutputFactory(workspace=workspace, product=product, created_by=editor.user)

    with django_capture_on_commit_callbacks(execute=True):
        photo_outputs_submit(actor=editor, output_ids=[output.pk])
    waiting = Notification.objects.for_workspace(workspace).filter(kind=Kind.REVIEW_WAITING)
    assert {n.recipient for n in waiting} == {owner, reviewer.user}
    assert {n.url for n in waiting} == {f"/w/{workspace.slug}/photos/review/{output.pk}/"}
    assert {n.title for n in waiting} == {
        f"{editor.user.display_name} sent the photo of “Linen Shirt” for review"
    }

    with django_capture_on_commit_callbacks(execute=True):
        photo_review_decide(actor=reviewer, output_id=output.pk, decision="approve")
    (approved,) = Notification.objects.for_workspace(workspace).filter(kind=Kind.WORK_DECIDED)
    assert approved.recipient == editor.user
    assert approved.title == f"{reviewer.user.display_name} approved your photo of “Linen Shirt”"
    assert approved.url == f"/w/{workspace.slug}/photos/outputs/{output.pk}/"
    (message,) = mail.outbox
    assert message.to == [editor.user.email]
    assert not waiting.filter(read_at__isnull=True).exists()
