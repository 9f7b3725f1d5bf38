"""The copy studio through the real ``openai`` client (HTTP answered by pytest-httpx2): the
prompt carries the brand, the facts and the description, exemplars of the kind trimmed to it and
the channel's practice; every kind asks for a strict schema; the claim guard and the checks run
on what comes back."""

import json

import pytest

from apps.brand.services import profiles as brand_profiles
from apps.copywriting import services
from apps.core.errors import ServiceError
from apps.gateway import model_settings
from apps.gateway.models import ModelEntry
from apps.reviews.models import ReviewEvent
from tests.factories import ProductFactory, actor_for
from tests.gateway.conftest import (  # noqa: F401 - fixtures: network off, quiet gateway
    OPENAI_BASE,
    SECRET_KEY,
    _gateway_settings,
    chat_json,
    reply,
    waits,
)

pytestmark = pytest.mark.django_db
CHAT = f"{OPENAI_BASE}/chat/completions"


@pytest.fixture
def product(workspace):
    return ProductFactory(
        workspace=workspace,
        title="Harbour Linen Shirt",
        vendor="Harbor",
        product_type="Shirts",
        body_html="<p>A relaxed linen shirt with a camp collar and coconut buttons.</p>",
    )


@pytest.fixture
def openai_route(workspace, owner, trained_profile):
    model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key=SECRET_KEY,
        base_url=OPENAI_BASE,
    )
    mini = ModelEntry.objects.get(provider="openai", name="gpt-4o-mini")
    model_settings.route_save(
        actor=actor_for(workspace, owner), task="copy.generate", model_ids=[mini.pk]
    )
    brand_profiles.profile_update_style(
        actor=actor_for(workspace, owner),
        profile_id=trained_profile.profile_id,
        tone_words="calm",
        banned="cheap",
        own_names="Tideweave",
    )
    return trained_profile


def brief(code, profile, **extra):
    return services.CopyBrief(
        copy_types=(code,), variants=2, brand_profile_id=profile.profile_id, **extra
    )


def test_the_prompt_carries_brand_facts_description_practice_and_a_strict_schema(
    httpx2_mock, workspace, copywriter, product, openai_route
):
    answers = [
        json.dumps(
            {
                "description": "A relaxed linen shirt with a camp collar. It has Air technology.",
                "features": ["Camp collar", "Coconut buttons"],
            }
        ),
        json.dumps({"description": "A calm, timeless linen shirt.", "features": ["Camp collar"]}),
    ]
    route = httpx2_mock.post(CHAT).mock(return_value=reply(json=chat_json(*answers)))
    draft = services.copy_draft_create(
        actor=actor_for(workspace, copywriter),
        product_id=product.pk,
        brief=brief("product_description", openai_route, keywords=("timeless",)),
    )
    body = json.loads(route.calls[0].request.content)
    system, user = body["messages"][0]["content"], body["messages"][1]["content"]
    assert body["n"] == 2
    assert "Use only the facts given about the product" in system
    assert "The brand is Harbor" in system and "Style guide: calm" in system
    assert "Never use: “cheap”" in system and "Tideweave" in system
    assert "Words and phrases typical of the brand" in system
    assert "Open with what the product is" in system  # the channel's practice
    assert "- Product name: Harbour Linen Shirt" in user and "- Brand (vendor): Harbor" in user
    assert "camp collar and coconut buttons" in user  # the existing description
    assert "Work in these keywords where they read naturally: timeless" in user
    examples = user.split("Examples of Harbor's own copy")[1].split("\n- ")[1:]
    assert examples and all(len(e) <= 720 for e in examples)  # trimmed to the kind
    schema = body["response_format"]["json_schema"]
    assert schema["strict"] is True
    assert schema["schema"]["required"] == ["description", "features"]
    assert schema["schema"]["additionalProperties"] is False
    assert "maxLength" not in json.dumps(schema)

    variants = list(draft.variants.order_by("position"))
    texts = [v.data["text"] for v in variants]
    assert all("Air technology" not in t for t in texts)  # removed before anyone saw it
    assert any("It has Air technology." in v.removed for v in variants)
    assert all(v.claims == [] for v in variants)
    assert draft.voice_label == "Harbor v1"
    assert all(v.gen_provider == "openai" for v in variants)


def test_an_unsupported_claim_that_cannot_be_cut_flags_the_draft_and_needs_an_override(
    httpx2_mock, client, workspace, copywriter, reviewer, product, openai_route
):
    title = json.dumps({"text": "Nike Air Linen Shirt with Camp Collar | Harbor"})
    route = httpx2_mock.post(CHAT).mock(return_value=reply(json=chat_json(title, title)))
    draft = services.copy_draft_create(
        actor=actor_for(workspace, copywriter),
        product_id=product.pk,
        brief=brief("seo_title", openai_route),
    )
    assert route.call_count == 2  # too few clean candidates: one more call for spares
    [variant] = draft.variants.all()  # the same answer twice is one variant
    assert variant.claims == [{"kind": "name", "text": "Nike"}]

    client.force_login(copywriter)
    page = client.get(f"/w/{workspace.slug}/copy/drafts/{draft.pk}/").content.decode()
    assert "unsupported: ‘Nike’" in page and "Voice: <strong>Harbor v1</strong>" in page
    assert "Submit anyway, with the unsupported claims" in page

    with pytest.raises(ServiceError, match=r"do not support.*Nike"):
        services.copy_review_decide(
            actor=actor_for(workspace, copywriter),
            draft_id=draft.pk,
            decision="submit",
        )
    draft.refresh_from_db()
    assert draft.review_state == "draft" and draft.claims_override_at is None
    services.copy_review_decide(
        actor=actor_for(workspace, copywriter),
        draft_id=draft.pk,
        decision="submit",
        override_claims=True,
    )
    draft.refresh_from_db()
    assert draft.review_state == "in_review" and draft.claims_override_by == copywriter
    assert draft.claims_overridden == [{"kind": "name", "text": "Nike"}]
    event = ReviewEvent.objects.for_workspace(workspace).get(decision="submit")
    assert event.comment.startswith("Submitted with unsupported claims (override): ‘Nike’")
    client.force_login(reviewer)
    review = client.get(f"/w/{workspace.slug}/review/copy/{draft.pk}/").content.decode()
    assert "submitted this with claims the product" in review and "unsupported: ‘Nike’" in review


def test_editing_out_the_claim_clears_the_flag(
    httpx2_mock, client, workspace, copywriter, product, openai_route
):
    title = json.dumps({"text": "Nike Linen Shirt with Camp Collar | Harbor"})
    httpx2_mock.post(CHAT).mock(return_value=reply(json=chat_json(title, title)))
    draft = services.copy_draft_create(
        actor=actor_for(workspace, copywriter),
        product_id=product.pk,
        brief=brief("seo_title", openai_route),
    )
    variant = draft.variants.get()
    services.copy_variant_edit(
        actor=actor_for(workspace, copywriter),
        variant_id=variant.pk,
        data={"text": "Harbour Linen Shirt with Camp Collar | Harbor"},
    )
    variant.refresh_from_db()
    assert variant.claims == []
    services.copy_review_decide(
        actor=actor_for(workspace, copywriter),
        draft_id=draft.pk,
        decision="submit",
    )
    draft.refresh_from_db()
    assert draft.review_state == "in_review" and draft.claims_override_at is None
