import pytest
from django.urls import reverse

from apps.catalog.models import ApprovedCopy
from apps.copywriting.models import CopyDraft, CopyVariant
from apps.jobs.models import Job
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def url(name, workspace, **kwargs):
    return reverse(name, kwargs={"slug": workspace.slug, **kwargs})


def test_choosing_products_in_the_catalog_then_writing(
    client, workspace, copywriter, products, django_capture_on_commit_callbacks
):
    client.force_login(copywriter)
    ids = [products[0].pk, products[1].pk]
    brief_page = client.post(url("copy_run_new", workspace), {"product": ids})
    assert brief_page.status_code == 200
    html = brief_page.content.decode()
    assert "Write copy for 2 products" in html and "Linen Shirt" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("copy_run_new", workspace),
            {
                "product": ids,
                "copy_types": ["product_description"],
                "variants": 2,
                "skip_approved": "on",
            },
        )
    job = Job.objects.for_workspace(workspace).get()
    assert response["Location"] == url("copy_run_detail", workspace, job_id=job.pk)
    run_page = client.get(response["Location"]).content.decode()
    assert run_page.count("Product description") >= 2
    assert CopyDraft.objects.for_workspace(workspace).count() == 2


def test_all_matching_products_from_the_catalog_filters(client, workspace, copywriter, products):
    client.force_login(copywriter)
    response = client.post(
        url("copy_run_new", workspace), {"all_matching": "1", "filter_query": "product_type=Hats"}
    )
    assert "Write copy for 1 product" in response.content.decode()


def test_a_brief_without_copy_types_is_refused_with_a_message(
    client, workspace, copywriter, products
):
    client.force_login(copywriter)
    response = client.post(
        url("copy_run_new", workspace),
        {"product": [products[0].pk], "copy_types": [], "variants": 9},
    )
    assert response.status_code == 200 or response.status_code == 400
    assert not Job.objects.for_workspace(workspace).exists()


def test_variants_side_by_side_with_counts_and_autosave(
    client, workspace, copywriter, products, run_job
):
    run_job(workspace, copywriter, [products[0].pk], copy_types=("seo_title",), variants=2)
    draft = CopyDraft.objects.for_workspace(workspace).get()
    client.force_login(copywriter)
    page = client.get(url("copy_draft_detail", workspace, draft_id=draft.pk)).content.decode()
    assert 'data-testid="variant-1"' in page and 'data-testid="variant-2"' in page
    assert "SEO title is" in page or "/60" in page  # counters against the limit
    variant = draft.variants.get(position=2)
    response = client.post(
        url("copy_variant_save", workspace, variant_id=variant.pk),
        {"field_text": "Linen Shirt in European flax, relaxed fit and sand-washed"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Saved." in response.content.decode() and "57/60" in response.content.decode()
    variant.refresh_from_db()
    assert variant.data == {"text": "Linen Shirt in European flax, relaxed fit and sand-washed"}


def test_reviewers_cannot_edit_drafts_and_strangers_get_404(
    client, workspace, reviewer, copywriter, products, run_job, stranger
):
    run_job(workspace, copywriter, [products[0].pk], copy_types=("seo_title",), variants=1)
    variant = CopyVariant.objects.for_workspace(workspace).get()
    client.force_login(reviewer)
    response = client.post(
        url("copy_variant_save", workspace, variant_id=variant.pk), {"field_text": "x"}
    )
    assert response.status_code == 403
    client.force_login(stranger)
    assert (
        client.get(url("copy_draft_detail", workspace, draft_id=variant.draft_id)).status_code
        == 404
    )
    variant.refresh_from_db()
    assert variant.data["text"] != "x"


def test_review_queue_item_with_diff_and_the_author_sees_the_comment(
    client, workspace, copywriter, reviewer, products, run_job
):
    run_job(
        workspace,
        copywriter,
        [p.pk for p in products[:2]],
        copy_types=("product_description",),
        variants=1,
    )
    client.force_login(copywriter)
    for draft in CopyDraft.objects.for_workspace(workspace):
        client.post(url("copy_draft_decide", workspace, draft_id=draft.pk), {"decision": "submit"})
    client.force_login(reviewer)
    queue = client.get(url("review_queue", workspace)).content.decode()
    assert "2 waiting, oldest first" in queue
    filtered = client.get(url("review_queue", workspace), {"q": "beanie"}).content.decode()
    assert "Wool Beanie" in filtered and "Linen Shirt" not in filtered
    shirt = CopyDraft.objects.for_workspace(workspace).get(product=products[0])
    item = client.get(url("review_item", workspace, draft_id=shirt.pk)).content.decode()
    assert "<del>" in item and "<ins>" in item  # against the live "<p>A shirt.</p>"
    response = client.post(
        url("copy_draft_decide", workspace, draft_id=shirt.pk),
        {
            "decision": "request_changes",
            "comment": "Mention the mother-of-pearl buttons.",
            "from_review": "1",
        },
    )
    beanie = CopyDraft.objects.for_workspace(workspace).get(product=products[1])
    assert response["Location"] == url("review_item", workspace, draft_id=beanie.pk)  # next item
    client.force_login(copywriter)
    studio = client.get(url("copy_studio", workspace)).content.decode()
    assert "Mention the mother-of-pearl buttons." in studio
    dashboard = client.get(url("workspace_dashboard", workspace)).content.decode()
    assert "Mention the mother-of-pearl buttons." in dashboard


def test_bulk_approve_from_the_queue_flows_into_the_export(
    client, workspace, copywriter, reviewer, products, run_job
):
    run_job(
        workspace,
        copywriter,
        [p.pk for p in products[:2]],
        copy_types=("product_description",),
        variants=1,
    )
    client.force_login(copywriter)
    drafts = list(CopyDraft.objects.for_workspace(workspace))
    for draft in drafts:
        client.post(url("copy_draft_decide", workspace, draft_id=draft.pk), {"decision": "submit"})
    client.force_login(reviewer)
    client.post(url("review_bulk_approve", workspace), {"draft": [d.pk for d in drafts]})
    assert ApprovedCopy.objects.for_workspace(workspace).count() == 2
    owner = MembershipFactory(workspace=workspace, role="owner").user
    client.force_login(owner)
    export = client.get(url("catalog_export", workspace), {"format": "generic"})
    text = b"".join(export.streaming_content).decode()
    for draft in drafts:
        assert draft.chosen_variant.data["text"].split("</p>")[0][3:40] in text


@pytest.mark.parametrize("role", ["photo_editor", "reviewer"])
def test_roles_that_do_not_write_copy_get_403_on_the_studio(client, workspace, role):
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    assert client.get(url("copy_studio", workspace)).status_code == 403


def test_copywriters_may_not_review(client, workspace, copywriter):
    client.force_login(copywriter)
    assert client.get(url("review_queue", workspace)).status_code == 403


def test_copy_settings_change_the_amazon_bullet_limit(client, workspace, owner, copywriter):
    from apps.copywriting.selectors import spec_for_workspace

    client.force_login(copywriter)
    assert client.get(url("copy_settings", workspace)).status_code == 403
    client.force_login(owner)
    response = client.post(
        url("copy_settings", workspace),
        {"description_target_words": 90, "amazon_bullet_max_chars": 500, "default_tone": "warm"},
    )
    assert response.status_code == 302
    spec = spec_for_workspace(workspace=workspace, code="amazon_bullets")
    assert spec.fields[0].limit.max == 500
    bad = client.post(
        url("copy_settings", workspace),
        {"description_target_words": 5, "amazon_bullet_max_chars": 250},
    )
    assert bad.status_code == 400
    assert spec_for_workspace(workspace=workspace, code="amazon_bullets").fields[0].limit.max == 500


def test_bulk_approve_names_what_it_could_not_approve(
    client, workspace, copywriter, reviewer, products, run_job
):
    run_job(workspace, copywriter, [p.pk for p in products[:2]], copy_types=("seo_title",))
    shirt = CopyDraft.objects.for_workspace(workspace).get(product=products[0])
    beanie = CopyDraft.objects.for_workspace(workspace).get(product=products[1])
    client.force_login(copywriter)
    client.post(url("copy_draft_decide", workspace, draft_id=shirt.pk), {"decision": "submit"})
    client.force_login(reviewer)
    response = client.post(
        url("review_bulk_approve", workspace), {"draft": [beanie.pk, shirt.pk]}, follow=True
    )
    said = [str(m) for m in response.context["messages"]]
    assert said[-2:] == [
        "Approved 1 draft.",
        "SEO title for Wool Beanie: Work that is draft cannot be approved; "
        "it can be: submitted for review.",
    ]
    assert list(
        ApprovedCopy.objects.for_workspace(workspace).values_list("product", flat=True)
    ) == [products[0].pk]
    nothing = client.post(url("review_bulk_approve", workspace), {}, follow=True)
    assert [str(m) for m in nothing.context["messages"]] == ["Tick the drafts first."]
