"""The review seam: one decide service and one bulk semantics for every kind, one roll-up of a
product's work status, the kind's domain events after commit with the contract's payload."""

import pytest

from apps.catalog.models import ApprovedCopy, Product, WorkStatus
from apps.catalog.services import product_work_status_set
from apps.copywriting.models import CopyDraft
from apps.core.errors import ServiceError
from apps.reviews.registry import reviewable
from apps.reviews.rollup import work_status
from apps.reviews.services import review_decide, review_decide_many, review_work_status_refresh
from tests.factories import (
    CopyDraftFactory,
    CopyVariantFactory,
    ProductFactory,
    WorkspaceFactory,
    actor_for,
)

pytestmark = pytest.mark.django_db

PAYLOAD_KEYS = {
    "kind",
    "id",
    "product_id",
    "product_handle",
    "product_title",
    "author_id",
    "comment",
    "url",
    "channel",
    "channel_label",
    "content",
}


@pytest.fixture
def writer(workspace):
    return actor_for(workspace, role="copywriter")


@pytest.fixture
def reviewer(workspace):
    return actor_for(workspace, role="reviewer")


def draft_for(workspace, author, product=None, text="Linen shirt for warm days | Harbor"):
    product = product or ProductFactory(workspace=workspace)
    draft = CopyDraftFactory(workspace=workspace, product=product, author=author.user)
    variant = CopyVariantFactory(workspace=workspace, draft=draft, data={"text": text})
    draft.chosen_variant = variant
    draft.save(update_fields=["chosen_variant"])
    return draft


def submitted(workspace, writer, **kwargs):
    draft = draft_for(workspace, writer, **kwargs)
    review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit")
    return draft


def state(draft):
    return CopyDraft.objects.for_workspace(draft.workspace).get(pk=draft.pk).review_state


def test_bulk_says_what_each_id_did_and_a_refusal_undoes_nothing(workspace, writer, reviewer):
    first = submitted(workspace, writer)
    still_draft = draft_for(workspace, writer)
    last = submitted(workspace, writer)
    stranger = draft_for(WorkspaceFactory(), actor_for(WorkspaceFactory(), role="owner"))

    outcome = review_decide_many(
        actor=reviewer,
        kind="copy",
        ids=[first.pk, still_draft.pk, stranger.pk, last.pk, first.pk],
        decision="approve",
    )

    assert [(item.id, item.done) for item in outcome.items] == [
        (first.pk, True),
        (still_draft.pk, False),
        (stranger.pk, False),
        (last.pk, True),
    ]
    assert (outcome.done, outcome.refused) == (2, 2)
    assert outcome.items[0].message == "Approved."
    refused, gone = outcome.items[1], outcome.items[2]
    assert refused.name == f"SEO title for {still_draft.product.title}"
    assert refused.message.startswith("Work that is draft cannot be approved")
    # Another workspace's draft is "gone" to this reviewer, and is not named.
    assert (gone.name, gone.message) == ("", "That draft is gone.")
    assert outcome.problems[1] == "That draft is gone."
    # The approvals before and after the refusals stand.
    assert (state(first), state(still_draft), state(last)) == ("approved", "draft", "approved")
    assert ApprovedCopy.objects.for_workspace(workspace).count() == 2


def test_bulk_refuses_for_each_item_when_the_role_may_not(workspace, writer):
    one, two = submitted(workspace, writer), submitted(workspace, writer)
    outcome = review_decide_many(
        actor=writer, kind="copy", ids=[one.pk, two.pk], decision="approve"
    )
    assert outcome.done == 0 and outcome.refused == 2
    assert all("Your role may not do this" in item.message for item in outcome.items)
    assert (state(one), state(two)) == ("in_review", "in_review")


def test_bulk_with_nothing_ticked_is_refused_as_a_whole(workspace, reviewer):
    with pytest.raises(ServiceError, match="Tick the drafts first"):
        review_decide_many(actor=reviewer, kind="copy", ids=[], decision="approve")


def test_submit_on_returned_work_is_a_resubmission(workspace, writer, reviewer):
    draft = submitted(workspace, writer)
    review_decide(
        actor=reviewer, kind="copy", object_id=draft.pk, decision="request_changes", comment="x"
    )
    review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit")
    assert state(draft) == "in_review"
    assert Product.objects.for_workspace(workspace).get(pk=draft.product_id).copy_status == (
        "in_review"
    )


def test_events_are_told_after_commit_with_the_contract_payload(
    workspace, writer, reviewer, heard_events, django_capture_on_commit_callbacks
):
    product = ProductFactory(workspace=workspace, handle="linen-shirt", title="Linen Shirt")
    draft = draft_for(workspace, writer, product=product)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit")
        assert heard_events == []  # nothing before the commit
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(
            actor=reviewer,
            kind="copy",
            object_id=draft.pk,
            decision="request_changes",
            comment="Mention the buttons.",
        )
        review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="resubmit")
        review_decide(actor=reviewer, kind="copy", object_id=draft.pk, decision="approve")

    assert [e.name for e in heard_events] == [
        "copy.submitted",
        "copy.returned",
        "copy.submitted",
        "copy.approved",
    ]
    returned, approved = heard_events[1], heard_events[3]
    assert set(approved.payload) == PAYLOAD_KEYS
    assert approved.payload == {
        "kind": "copy",
        "id": draft.pk,
        "product_id": product.pk,
        "product_handle": "linen-shirt",
        "product_title": "Linen Shirt",
        "author_id": writer.user.pk,
        "comment": "",
        "url": f"/w/{workspace.slug}/copy/drafts/{draft.pk}/",
        "channel": "seo_title",
        "channel_label": "SEO title",
        "content": {"text": "Linen shirt for warm days | Harbor"},
    }
    assert returned.payload["comment"] == "Mention the buttons."
    assert (approved.workspace_id, approved.actor_user_id) == (workspace.pk, reviewer.user.pk)
    assert heard_events[0].actor_user_id == writer.user.pk
    # key: f"{kind}-{object_id}:{review_event_id}", prefixed by the event's name
    assert approved.key.startswith(f"copy.approved:copy-{draft.pk}:")
    assert len({e.key for e in heard_events}) == 4


def test_a_refused_or_quiet_decision_tells_no_one(
    workspace, writer, reviewer, heard_events, django_capture_on_commit_callbacks
):
    draft = submitted(workspace, writer)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ServiceError, match="a comment is required"):
            review_decide(
                actor=reviewer, kind="copy", object_id=draft.pk, decision="request_changes"
            )
        with pytest.raises(ServiceError, match="Pick the variant to submit first"):
            bare = CopyDraftFactory(workspace=workspace, author=writer.user)
            review_decide(actor=writer, kind="copy", object_id=bare.pk, decision="submit")
        review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="withdraw")
    assert heard_events == []
    assert state(draft) == "draft"


def test_rejection_is_told(
    workspace, writer, reviewer, heard_events, django_capture_on_commit_callbacks
):
    draft = submitted(workspace, writer)
    with django_capture_on_commit_callbacks(execute=True):
        review_decide(
            actor=reviewer, kind="copy", object_id=draft.pk, decision="reject", comment="Off brand."
        )
    assert [(e.name, e.payload["comment"]) for e in heard_events] == [
        ("copy.rejected", "Off brand.")
    ]


@pytest.mark.parametrize(
    ("states", "status"),
    [
        ({"changes_requested", "in_review", "approved", "draft"}, "changes_requested"),
        ({"in_review", "approved", "draft"}, "in_review"),
        ({"approved", "draft"}, "approved"),
        ({"published", "draft"}, "approved"),
        ({"draft", "rejected"}, "draft"),
        ({"rejected"}, "none"),
        (set(), "none"),
    ],
)
def test_one_precedence(states, status):
    assert work_status(states) == status


def test_the_product_status_rolls_up_from_all_its_drafts(workspace, writer, reviewer):
    product = ProductFactory(workspace=workspace)

    def status():
        return Product.objects.for_workspace(workspace).get(pk=product.pk).copy_status

    approved = submitted(workspace, writer, product=product)
    review_decide(actor=reviewer, kind="copy", object_id=approved.pk, decision="approve")
    assert status() == "approved"
    returned = submitted(workspace, writer, product=product)
    assert status() == "in_review"
    review_decide(
        actor=reviewer, kind="copy", object_id=returned.pk, decision="request_changes", comment="x"
    )
    assert status() == "changes_requested"
    review_decide(actor=writer, kind="copy", object_id=returned.pk, decision="resubmit")
    review_decide(actor=reviewer, kind="copy", object_id=returned.pk, decision="reject")
    assert status() == "approved"
    # Approved copy counts even when its drafts are gone.
    CopyDraft.objects.for_workspace(workspace).filter(product=product).delete()
    draft_for(workspace, writer, product=product)
    review_work_status_refresh(workspace=workspace, kind="copy", product_ids=[product.pk])
    assert status() == "approved"


def test_the_catalog_sets_work_status_only_for_known_work_and_its_own_products(workspace):
    mine = ProductFactory(workspace=workspace)
    theirs = ProductFactory(workspace=WorkspaceFactory())
    changed = product_work_status_set(
        workspace=workspace,
        work="photo",
        statuses={mine.pk: WorkStatus.IN_REVIEW, theirs.pk: WorkStatus.IN_REVIEW},
    )
    assert changed == 1
    assert Product.objects.all_workspaces().get(pk=theirs.pk).photo_status == "none"
    with pytest.raises(ValueError, match="No work status"):
        product_work_status_set(workspace=workspace, work="video", statuses={})
    with pytest.raises(ValueError, match="Not a work status"):
        product_work_status_set(workspace=workspace, work="copy", statuses={mine.pk: "great"})


def test_copy_is_registered_with_its_events(workspace):
    kind = reviewable("copy")
    assert (kind.model, kind.work, kind.event_name("request_changes")) == (
        CopyDraft,
        "copy",
        "copy.returned",
    )
    assert kind.event_name("withdraw") is None
    with pytest.raises(LookupError):
        reviewable("video")


def test_a_member_of_no_role_for_the_side_is_refused_and_nothing_moves(workspace, writer):
    draft = submitted(workspace, writer)
    photo_editor = actor_for(workspace, role="photo_editor")
    with pytest.raises(ServiceError, match="Your role may not do this"):
        review_decide(actor=photo_editor, kind="copy", object_id=draft.pk, decision="withdraw")
    assert state(draft) == "in_review"


def test_the_lifecycle_is_asked_before_the_kinds_own_checks(workspace, writer, reviewer):
    bare = CopyDraftFactory(workspace=workspace, author=writer.user)  # no chosen variant
    # A reviewer may not submit: that is the answer, not the draft's missing variant.
    with pytest.raises(ServiceError, match="Your role may not do this"):
        review_decide(actor=reviewer, kind="copy", object_id=bare.pk, decision="submit")
    with pytest.raises(ServiceError, match="Pick the variant to submit first"):
        review_decide(actor=writer, kind="copy", object_id=bare.pk, decision="submit")


def test_an_override_is_recorded_only_with_the_submission_it_allowed(workspace, writer):
    draft = draft_for(workspace, writer)
    draft.chosen_variant.claims = [{"kind": "name", "text": "Air technology"}]
    draft.chosen_variant.save(update_fields=["claims"])
    with pytest.raises(ServiceError, match="facts do not support"):
        review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit")
    review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit", override=True)
    draft.refresh_from_db()
    assert draft.review_state == "in_review"
    assert (draft.claims_override_by, draft.claims_overridden) == (
        writer.user,
        [{"kind": "name", "text": "Air technology"}],
    )
    # Submitting again is refused by the lifecycle, and the override stays what it was.
    with pytest.raises(ServiceError, match="cannot be submitted"):
        review_decide(actor=writer, kind="copy", object_id=draft.pk, decision="submit")


def test_bulk_tells_one_event_per_decided_item_and_none_for_refusals(
    workspace, writer, reviewer, heard_events, django_capture_on_commit_callbacks
):
    first, still_draft = submitted(workspace, writer), draft_for(workspace, writer)
    last = submitted(workspace, writer)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = review_decide_many(
            actor=reviewer,
            kind="copy",
            ids=[first.pk, still_draft.pk, last.pk],
            decision="reject",
            comment="Not this season.",
        )
    assert outcome.done == 2
    assert [(e.name, e.payload["id"], e.payload["comment"]) for e in heard_events] == [
        ("copy.rejected", first.pk, "Not this season."),
        ("copy.rejected", last.pk, "Not this season."),
    ]
