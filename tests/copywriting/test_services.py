import pytest

from apps.billing.models import CreditEntry
from apps.catalog.models import ApprovedCopy, Product
from apps.copywriting import channels, generation, services
from apps.copywriting.models import CopyDraft, CopyVariant, CopyVersion
from apps.core.errors import ServiceError
from apps.gateway.errors import GatewayError
from apps.gateway.models import UsageRecord
from apps.jobs.models import JobItem
from apps.reviews.models import ReviewEvent
from apps.reviews.services import review_decide_many
from tests.factories import WorkspaceFactory, actor_for

pytestmark = pytest.mark.django_db


def drafts(workspace):
    return CopyDraft.objects.for_workspace(workspace)


def test_a_run_writes_variants_for_each_product_and_type(workspace, copywriter, products, run_job):
    job = run_job(
        workspace,
        copywriter,
        [p.pk for p in products[:2]],
        copy_types=("product_description", "amazon_title"),
        variants=3,
    )
    assert (job.status, job.total, job.done, job.failed) == ("succeeded", 4, 4, 0)
    assert drafts(workspace).count() == 4
    description = drafts(workspace).get(product=products[0], copy_type="product_description")
    variants = list(description.variants.all())
    assert len(variants) == 3
    texts = [v.data["text"] for v in variants]
    assert len(set(texts)) == 3  # three different variants
    assert all(t.startswith("<p>") and "<ul><li>" in t for t in texts)
    assert "linen" in texts[0].lower()
    assert description.chosen_variant == variants[0]
    assert description.review_state == "draft" and description.author == copywriter
    # provenance of every variant
    assert variants[0].gen_provider == "local" and variants[0].gen_prompt_hash
    assert UsageRecord.objects.for_workspace(workspace).filter(pk=variants[0].gen_usage_id).exists()
    # nothing live changes
    products[0].refresh_from_db()
    assert products[0].body_html == "<p>A shirt.</p>" and products[0].copy_status == "draft"
    titles = drafts(workspace).get(product=products[0], copy_type="amazon_title")
    title_texts = [v.data["text"] for v in titles.variants.all()]
    assert title_texts and len(set(title_texts)) == len(title_texts)  # never the same twice
    assert all(t.startswith("Harbor Linen Shirt") for t in title_texts)  # the brand leads
    versions = CopyVersion.objects.for_workspace(workspace).filter(source="generated")
    assert versions.count() == CopyVariant.objects.for_workspace(workspace).count()


def test_hard_limits_hold_on_generated_copy(workspace, copywriter, products, run_job):
    types = ("amazon_title", "amazon_bullets", "google_rsa", "x_post", "instagram_caption")
    run_job(workspace, copywriter, [products[0].pk], copy_types=types, variants=2)
    for draft in drafts(workspace):
        spec = channels.SPECS[draft.copy_type]
        for variant in draft.variants.all():
            assert channels.check(spec, variant.data).ok, (draft.copy_type, variant.data)


def test_a_retried_item_neither_duplicates_copy_nor_charges_twice(
    workspace, copywriter, products, run_job
):
    job = run_job(workspace, copywriter, [products[0].pk], variants=2)
    item = JobItem.objects.for_workspace(workspace).get(job=job)
    again = services.copy_generate_item(workspace=workspace, job=job, item=item)
    assert again["draft_id"] == drafts(workspace).get().pk
    assert CopyVariant.objects.for_workspace(workspace).count() == 2
    debits = CreditEntry.objects.for_workspace(workspace).filter(key__contains=f"item:{item.pk}")
    assert debits.count() == 1 and debits.get().credits == -2


def test_products_with_approved_copy_are_skipped_when_asked(
    workspace, copywriter, products, run_job
):
    ApprovedCopy.objects.create(
        workspace=workspace,
        product=products[0],
        copy_type="product_description",
        content="<p>Done.</p>",
        approved_at="2026-01-01T00:00:00Z",
    )
    job = run_job(workspace, copywriter, [products[0].pk, products[1].pk])
    assert (job.done, job.skipped) == (1, 1)
    assert list(drafts(workspace).values_list("product__handle", flat=True)) == ["wool-beanie"]


def test_a_product_with_few_facts_still_gets_copy_with_a_note(
    workspace, copywriter, products, run_job
):
    run_job(workspace, copywriter, [products[2].pk], copy_types=("seo_title",))
    draft = drafts(workspace).get()
    # A name and nothing else: one honest title, not three padded ones, and the draft says so.
    assert draft.variants.count() == 1
    assert draft.variants.get().data["text"].startswith("Mystery Item")
    assert draft.facts_note.startswith("Written from few facts — missing a product type")
    assert "1 distinct variant of the 3 asked for" in draft.facts_note
    charged = CreditEntry.objects.for_workspace(workspace).get(
        state="settled", key__contains="copy:job:"
    )
    assert charged.credits == -1  # only what was written


def test_provider_failures_leave_the_others_done_and_say_why(
    workspace, copywriter, products, run_job, monkeypatch
):
    real = generation.gateway_generate_text

    def flaky(*, workspace, actor, task, request):
        if request.hints["facts"]["title"] == "Wool Beanie":
            raise GatewayError("local/local-copy: the model timed out.", error_class="timeout")
        return real(workspace=workspace, actor=actor, task=task, request=request)

    monkeypatch.setattr(generation, "gateway_generate_text", flaky)
    job = run_job(workspace, copywriter, [p.pk for p in products])
    assert (job.done, job.failed) == (2, 1)
    failed = JobItem.objects.for_workspace(workspace).get(job=job, status="failed")
    assert failed.key.startswith("wool-beanie") and "timed out" in failed.error
    # the credits of the failed item were given back
    assert (
        not CreditEntry.objects.for_workspace(workspace)
        .filter(key__contains=f"item:{failed.pk}", state="settled")
        .exists()
    )


def test_starting_a_run_checks_its_input(workspace, copywriter, products):
    def start(**brief):
        brief.setdefault("copy_types", ("seo_title",))
        return services.copy_generation_start(
            actor=actor_for(workspace, copywriter),
            product_ids=brief.pop("ids", [products[0].pk]),
            brief=services.CopyBrief(**brief),
        )

    with pytest.raises(ServiceError, match="Ask for 1 to 5 variants"):
        start(variants=6)
    with pytest.raises(ServiceError, match="“haiku” is not a kind of copy"):
        start(copy_types=("haiku",))
    with pytest.raises(ServiceError, match="Choose at least one product"):
        start(ids=[])
    with pytest.raises(ServiceError, match="no longer exist"):
        start(ids=[products[0].pk, 999999])


def test_editing_keeps_versions_and_checks_the_state(workspace, copywriter, products, run_job):
    run_job(workspace, copywriter, [products[0].pk], copy_types=("seo_title",), variants=1)
    variant = CopyVariant.objects.for_workspace(workspace).get()
    for text in ("Linen Shirt for warm days", "Linen Shirt for warm days | Harbor"):
        services.copy_variant_edit(
            actor=actor_for(workspace, copywriter),
            variant_id=variant.pk,
            data={"text": text},
        )
    versions = list(variant.versions.order_by("created_at").values_list("source", "data"))
    # two autosaves in one session are one version
    assert [source for source, _ in versions] == ["generated", "edited"]
    assert versions[-1][1] == {"text": "Linen Shirt for warm days | Harbor"}
    draft = variant.draft
    services.copy_review_decide(
        actor=actor_for(workspace, copywriter),
        draft_id=draft.pk,
        decision="submit",
    )
    with pytest.raises(ServiceError, match="This copy is in review"):
        services.copy_variant_edit(
            actor=actor_for(workspace, copywriter),
            variant_id=variant.pk,
            data={"text": "sneaky change"},
        )
    variant.refresh_from_db()
    assert variant.data["text"] == "Linen Shirt for warm days | Harbor"


def test_regenerating_with_feedback_rewrites_one_variant(workspace, copywriter, products, run_job):
    run_job(
        workspace, copywriter, [products[0].pk], copy_types=("product_description",), variants=2
    )
    first, second = CopyVariant.objects.for_workspace(workspace).order_by("position")
    before = first.data["text"]
    services.copy_variant_regenerate(
        actor=actor_for(workspace, copywriter),
        variant_id=first.pk,
        feedback="shorter please",
    )
    first.refresh_from_db()
    second_before = second.data
    second.refresh_from_db()
    assert first.data["text"] != before and second.data == second_before
    version = first.versions.first()
    assert (version.source, version.feedback, version.author) == (
        "regenerated",
        "shorter please",
        copywriter,
    )


def test_the_review_round_trip(workspace, copywriter, reviewer, products, run_job):
    run_job(
        workspace, copywriter, [products[0].pk], copy_types=("product_description",), variants=2
    )
    draft = drafts(workspace).get()
    second = draft.variants.get(position=2)
    services.copy_variant_choose(actor=actor_for(workspace, copywriter), variant_id=second.pk)

    def decide(actor, role, decision, comment=""):
        return services.copy_review_decide(
            actor=actor_for(workspace, actor),
            draft_id=draft.pk,
            decision=decision,
            comment=comment,
        )

    decide(copywriter, "copywriter", "submit")
    assert (
        Product.objects.for_workspace(workspace).get(pk=products[0].pk).copy_status == "in_review"
    )
    with pytest.raises(ServiceError, match="a comment is required"):
        decide(reviewer, "reviewer", "request_changes")
    with pytest.raises(ServiceError, match="Your role may not do this"):
        decide(copywriter, "copywriter", "approve")
    decide(reviewer, "reviewer", "request_changes", "Mention the recycled buttons.")
    assert (
        Product.objects.for_workspace(workspace).get(pk=products[0].pk).copy_status
        == "changes_requested"
    )
    decide(copywriter, "copywriter", "resubmit")
    decide(reviewer, "reviewer", "approve")
    approved = ApprovedCopy.objects.for_workspace(workspace).get(product=products[0])
    assert approved.content == second.data["text"] and approved.approved_by == reviewer
    products[0].refresh_from_db()
    assert products[0].copy_status == "approved"
    events = ReviewEvent.objects.for_workspace(workspace).order_by("id")
    assert [(e.decision, e.to_state, e.comment) for e in events] == [
        ("submit", "in_review", ""),
        ("request_changes", "changes_requested", "Mention the recycled buttons."),
        ("resubmit", "in_review", ""),
        ("approve", "approved", ""),
    ]
    with pytest.raises(ServiceError, match="Work that is approved cannot be approved"):
        decide(reviewer, "reviewer", "approve")


def test_submitting_copy_that_breaks_a_hard_limit_is_refused(
    workspace, copywriter, products, run_job
):
    run_job(workspace, copywriter, [products[0].pk], copy_types=("amazon_title",), variants=1)
    variant = CopyVariant.objects.for_workspace(workspace).get()
    services.copy_variant_edit(
        actor=actor_for(workspace, copywriter),
        variant_id=variant.pk,
        data={"text": "Linen Shirt - Best Seller!"},
    )
    with pytest.raises(ServiceError, match="Fix the chosen variant first"):
        services.copy_review_decide(
            actor=actor_for(workspace, copywriter),
            draft_id=variant.draft_id,
            decision="submit",
        )
    assert drafts(workspace).get().review_state == "draft"


def test_bulk_approve_reports_what_it_could_not_approve(
    workspace, copywriter, reviewer, products, run_job
):
    run_job(workspace, copywriter, [p.pk for p in products], copy_types=("seo_title",), variants=1)
    ids = list(drafts(workspace).order_by("pk").values_list("pk", flat=True))
    for draft_id in ids[:2]:
        services.copy_review_decide(
            actor=actor_for(workspace, copywriter),
            draft_id=draft_id,
            decision="submit",
        )
    outcome = review_decide_many(
        actor=actor_for(workspace, reviewer), kind="copy", ids=ids, decision="approve"
    )
    assert (outcome.done, outcome.refused) == (2, 1)
    assert outcome.problems == [
        "SEO title for Wool Beanie: Work that is draft cannot be approved; "
        "it can be: submitted for review."
    ]
    assert ApprovedCopy.objects.for_workspace(workspace).count() == 2


class WorkerKilled(BaseException):
    """Stands for the worker dying (SIGKILL) at that line: nothing after it runs."""


def test_an_item_redelivered_after_its_draft_was_saved_settles_its_reservation(
    workspace, copywriter, products, monkeypatch
):
    """The probe: the redelivered item found its draft and returned early, leaving the credit
    reservation "reserved" for ever (so overage was never reported)."""
    from apps.billing.services import credits as billing

    job = services.copy_generation_start(  # not run: on_commit callbacks are not executed
        actor=actor_for(workspace, copywriter),
        product_ids=[products[0].pk],
        brief=services.CopyBrief(copy_types=("product_description",), variants=2),
    )
    item = JobItem.objects.for_workspace(workspace).get(job=job)
    real_settle = billing.credits_settle

    def die(**kwargs):
        raise WorkerKilled

    monkeypatch.setattr(billing, "credits_settle", die)
    with pytest.raises(WorkerKilled):
        services.copy_generate_item(workspace=workspace, job=job, item=item)
    entry = CreditEntry.objects.for_workspace(workspace).get(key__contains=f"item:{item.pk}")
    assert (entry.state, drafts(workspace).count()) == ("reserved", 1)

    monkeypatch.setattr(billing, "credits_settle", real_settle)
    again = services.copy_generate_item(workspace=workspace, job=job, item=item)  # redelivered
    assert again["draft_id"] == drafts(workspace).get().pk
    entry.refresh_from_db()
    assert (entry.state, entry.credits, entry.units) == ("settled", -2, 2)
    assert entry.settled_at is not None
    # And again: nothing changes, nothing more is charged.
    services.copy_generate_item(workspace=workspace, job=job, item=item)
    assert CreditEntry.objects.for_workspace(workspace).filter(entry_type="debit").count() == 1


def test_the_services_check_the_role_themselves(workspace, copywriter, products, run_job):
    from apps.workspaces.actors import NotAllowed

    run_job(workspace, copywriter, [products[0].pk], copy_types=("seo_title",), variants=1)
    variant = CopyVariant.objects.for_workspace(workspace).get()
    photo_editor = actor_for(workspace, role="photo_editor")
    reviewer = actor_for(workspace, role="reviewer")
    with pytest.raises(NotAllowed):
        services.copy_generation_start(
            actor=reviewer,
            product_ids=[products[0].pk],
            brief=services.CopyBrief(copy_types=("seo_title",)),
        )
    with pytest.raises(NotAllowed):
        services.copy_variant_edit(actor=photo_editor, variant_id=variant.pk, data={"text": "x"})
    with pytest.raises(NotAllowed):  # a copywriter is not a reviewer
        services.copy_variant_edit(
            actor=actor_for(workspace, copywriter),
            variant_id=variant.pk,
            data={"text": "x"},
            reviewer_edit=True,
        )
    with pytest.raises(NotAllowed):
        services.copy_variant_choose(actor=reviewer, variant_id=variant.pk)
    with pytest.raises(NotAllowed):
        services.copy_settings_update(
            actor=actor_for(workspace, copywriter),
            description_target_words=100,
            amazon_bullet_max_chars=250,
        )
    # Another workspace's variant is gone to this writer, however the id was learnt.
    with pytest.raises(ServiceError, match="That variant is gone"):
        services.copy_variant_choose(
            actor=actor_for(WorkspaceFactory(), role="copywriter"), variant_id=variant.pk
        )
    variant.refresh_from_db()
    assert variant.data["text"] != "x"
