"""The brief is honoured, or the draft says why not: instructions and rewrite feedback read as
directives, keywords that would be claims left out with a note, mentions the facts cannot
support refused with a note; one example per kind of copy for fine-tuning."""

import json

import pytest

from apps.brand.models import MaterialText
from apps.copywriting import brief, channels, fine_tuning, services
from apps.copywriting.models import CopyDraft
from tests.factories import actor_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shorter", {"length": 0.6}),
        ("make it longer please", {"length": 1.5}),
        ("mention the removable straps", {"mention": ("removable straps",)}),
        ("don't mention the price", {"avoid": ("price",)}),
        ("more formal", {"tone": "formal"}),
        ("no emoji", {"switches": ("no_emoji",)}),
        (
            "shorter, mention the straps and don't mention the lining",
            {"length": 0.6, "mention": ("straps",), "avoid": ("lining",)},
        ),
        ("write it like Hemingway", {"unknown": ("write it like Hemingway",)}),
    ],
)
def test_instructions_and_feedback_read_as_directives(text, expected):
    parsed = brief.parse(text)
    for key, value in expected.items():
        assert getattr(parsed, key) == value, (key, parsed)


def test_a_rewrite_follows_its_feedback_or_says_why_not(workspace, copywriter, products, run_job):
    run_job(workspace, copywriter, [products[0].pk], variants=1)
    draft = CopyDraft.objects.for_workspace(workspace).get()
    variant = draft.variants.get()
    before = channels.html_text(variant.data["text"])
    services.copy_variant_regenerate(
        actor=actor_for(workspace, copywriter),
        variant_id=variant.pk,
        feedback="shorter, mention the removable straps",
    )
    variant.refresh_from_db()
    after = channels.html_text(variant.data["text"])
    assert len(after) < len(before)
    assert variant.notes == [
        "Did not mention “removable straps”: it is not among the product's facts "
        "(add it on the product's page if it is true)."
    ]
    assert variant.versions.first().feedback == "shorter, mention the removable straps"


def test_keywords_that_would_be_claims_are_left_out_with_a_note(
    workspace, copywriter, products, run_job
):
    run_job(
        workspace,
        copywriter,
        [products[0].pk],
        copy_types=("product_description",),
        variants=1,
        keywords=("timeless", "waterproof"),
    )
    variant = CopyDraft.objects.for_workspace(workspace).get().variants.get()
    assert "timeless" in variant.data["text"].lower()
    assert "waterproof" not in variant.data["text"].lower()
    assert variant.notes == [
        "Keyword “waterproof” left out: the product's facts do not support it (add it on the "
        "product's page if it is true)."
    ]


def test_fine_tuning_examples_are_one_per_draft_with_their_own_kinds_instruction(
    workspace, copywriter, reviewer, products, run_job, trained_profile
):
    run_job(
        workspace,
        copywriter,
        [products[0].pk],
        copy_types=("product_description", "email_subject"),
        variants=1,
    )
    for draft in CopyDraft.objects.for_workspace(workspace):
        for actor, decision in (
            (copywriter, "submit"),
            (reviewer, "approve"),
        ):
            services.copy_review_decide(
                actor=actor_for(workspace, actor),
                draft_id=draft.pk,
                decision=decision,
            )
    learned = MaterialText.objects.for_workspace(workspace).filter(source="approved")
    assert sorted(learned.values_list("copy_type", flat=True)) == [
        "email_subject",
        "product_description",
    ]
    profile = trained_profile.profile
    examples = fine_tuning.fine_tune_examples(workspace=workspace, profile=profile)
    users = sorted(e["messages"][1]["content"].split("\n")[0] for e in examples)
    assert users == [
        "Write an e-mail subject line of about 50 characters.",
        "Write the product description as HTML: one or two short paragraphs (<p>) and a "
        "bullet list (<ul><li>) of the features that matter.",
    ]
    for example in examples:
        answer = json.loads(example["messages"][2]["content"])
        assert set(answer) in ({"text"}, {"description", "features"})
        assert "The brand is Harbor" in example["messages"][0]["content"]
