"""The copy studio applies a brand profile when the brief names one or a brand manager marked
it the workspace's default: drafts carry the voice's label, candidates are checked, scored and
ranked (hard checks first, then the score), approved copy teaches the next version."""

import pytest

from apps.brand.models import MaterialText
from apps.brand.services import profiles as brand_profiles
from apps.copywriting import services
from apps.copywriting.models import CopyDraft
from tests.factories import actor_for

pytestmark = pytest.mark.django_db


def test_variants_are_scored_ranked_and_carry_the_profile_version(
    workspace, copywriter, reviewer, products, run_job, trained_profile
):
    run_job(
        workspace, copywriter, [products[0].pk], copy_types=("product_description",), variants=3
    )
    draft = CopyDraft.objects.for_workspace(workspace).get()
    assert draft.voice_label == f"Harbor v{trained_profile.number}"
    variants = list(draft.variants.order_by("position"))
    scores = [v.brand_score for v in variants]
    assert all(s is not None and 0 <= s <= 100 for s in scores)
    keys = [
        (
            len(v.claims),
            len(v.score_explanation["rules_broken"]) + int(v.score_explanation["copied"]),
            -v.brand_score,
        )
        for v in variants
    ]
    assert keys == sorted(keys)  # hard checks first, then the score
    assert all(v.gen_brand_profile_version == trained_profile.pk for v in variants)
    assert variants[0].score_explanation["summary"].startswith("On-brand score")

    services.copy_review_decide(
        actor=actor_for(workspace, copywriter),
        draft_id=draft.pk,
        decision="submit",
    )
    services.copy_review_decide(
        actor=actor_for(workspace, reviewer),
        draft_id=draft.pk,
        decision="approve",
    )
    learned = MaterialText.objects.for_workspace(workspace).get(source_key=f"copy:{draft.pk}")
    assert learned.profile_id == trained_profile.profile_id
    assert "<" not in learned.text and learned.text.strip()


def test_without_a_profile_copy_is_written_and_not_scored(workspace, copywriter, products, run_job):
    run_job(workspace, copywriter, [products[0].pk], copy_types=("seo_title",), variants=2)
    draft = CopyDraft.objects.for_workspace(workspace).get()
    variant = draft.variants.first()
    assert variant.brand_score is None and variant.gen_brand_profile_version is None
    assert draft.voice_label == ""


def test_a_profile_nobody_marked_default_is_applied_only_when_chosen(
    workspace, owner, copywriter, products, run_job, trained_profile
):
    brand_profiles.profile_set_default(
        actor=actor_for(workspace, owner), profile_id=trained_profile.profile_id, is_default=False
    )
    run_job(workspace, copywriter, [products[0].pk], copy_types=("seo_title",), variants=1)
    assert CopyDraft.objects.for_workspace(workspace).get().voice_label == ""
    run_job(
        workspace,
        copywriter,
        [products[1].pk],
        copy_types=("seo_title",),
        variants=1,
        brand_profile_id=trained_profile.profile_id,
    )
    chosen = CopyDraft.objects.for_workspace(workspace).get(product=products[1])
    assert chosen.voice_label == "Harbor v1"
