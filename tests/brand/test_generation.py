"""Generation with the brand: prompt context, the local provider writing in the brand's voice
from its exemplars and lexicon (never copying 10+ words), scoring and ranking the drafts."""

import pytest

from apps.brand import services, text
from apps.gateway import services as gateway
from apps.gateway.types import BrandRules, ProductFacts, TextRequest
from tests.brand.corpus import brand_rows

FACTS = ProductFacts(
    title="Fjord Linen Shirt", product_type="Shirt", attributes={"material": "linen"}
)


def generate(workspace, actor, request):
    return gateway.gateway_generate_text(workspace=workspace, actor=actor, request=request)


def test_prompt_context_carries_rules_exemplars_and_lexicon(
    workspace, brand_manager, profile, trained
):
    services.profile_update_style(
        workspace=workspace,
        actor=brand_manager,
        profile_id=profile.pk,
        tone_words="calm",
        banned="cheap => affordable\n[sale]",
        preferred_terms="harbour",
        person="we",
    )
    rules, exemplars, lexicon = services.brand_prompt_context(
        workspace=workspace, version=trained, facts=FACTS, k=3
    )
    assert isinstance(rules, BrandRules)
    assert rules.banned_words == ("cheap", "[sale]")
    assert rules.preferred_terms == ("cheap => affordable", "harbour")
    assert rules.tone.startswith("calm; speak as “we”")
    assert len(exemplars) == 3 and exemplars == list(rules.exemplars[:3])
    assert len(rules.exemplars) == len(rules.exemplar_titles) == services.LOCAL_EXEMPLARS
    assert "shirt" in rules.exemplar_titles[0].lower()  # the closest product comes first
    assert lexicon == list(rules.lexicon) and "harbour" in lexicon


def test_local_drafts_read_like_the_brand_without_copying(
    workspace, brand_manager, profile, trained
):
    rules, _, _ = services.brand_prompt_context(workspace=workspace, version=trained, facts=FACTS)
    request = TextRequest(
        prompt="Write a product description.",
        facts=FACTS,
        rules=rules,
        n=3,
        brand_profile_version=trained.pk,
    )
    result = generate(workspace, brand_manager, request)
    drafts = [c.text for c in result.candidates]
    assert len(set(drafts)) == 3
    assert result.provenance.brand_profile_version == trained.pk
    assert generate(workspace, brand_manager, request).text == drafts[0]  # deterministic
    assert any("Fjord Linen Shirt" in d for d in drafts)
    material = [body for _, body in trained.exemplar_pool]
    for draft in drafts:
        assert max(text.longest_shared_run(draft, source) for source in material) < 10
    voiced = services.brand_score(workspace=workspace, version=trained, texts=drafts)
    generic = generate(
        workspace,
        brand_manager,
        TextRequest(prompt="Write a product description.", facts=FACTS, n=3),
    )
    template = services.brand_score(
        workspace=workspace, version=trained, texts=[c.text for c in generic.candidates]
    )
    assert min(s.score for s in voiced) > 50
    assert sum(s.score for s in voiced) > sum(s.score for s in template) + 60
    assert not any(s.copied for s in voiced)


def test_local_drafts_obey_banned_words_from_the_style_guide(
    workspace, brand_manager, profile, trained
):
    services.profile_update_style(
        workspace=workspace, actor=brand_manager, profile_id=profile.pk, banned="harbour\n(.*"
    )
    rules, _, _ = services.brand_prompt_context(workspace=workspace, version=trained, facts=FACTS)
    result = generate(
        workspace,
        brand_manager,
        TextRequest(prompt="Write a product description.", facts=FACTS, rules=rules, n=4),
    )
    for candidate in result.candidates:
        assert "harbour" not in candidate.text.lower()
        assert candidate.text.strip()


@pytest.mark.parametrize("brief", [False, True])
def test_voice_writer_guards_runs_and_length(brief):
    from random import Random

    from apps.gateway.providers.local_voice import MAX_SHARED_RUN, write_in_voice

    exemplars = brand_rows("Harbor", 8, seed=3)
    draft = write_in_voice(
        title="Glen Wool Scarf",
        exemplars=exemplars,
        lexicon=("harbour", "we"),
        rng=Random(1),
        brief=brief,
    )
    assert draft
    assert max(text.longest_shared_run(draft, body) for _, body in exemplars) <= MAX_SHARED_RUN
    if brief:
        assert len(text.sentences(draft)) <= 2
    assert write_in_voice(title="x", exemplars=[], lexicon=(), rng=Random(1)) == ""
