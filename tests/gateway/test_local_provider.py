import re
import time

import numpy as np
import pytest

from apps.gateway.errors import ErrorClass, ProviderError
from apps.gateway.providers import ProviderConfig
from apps.gateway.providers.local import LocalProvider, hashed_embedding
from apps.gateway.rules import banned_pattern, fit_length
from apps.gateway.types import (
    BrandRules,
    EmbedRequest,
    JsonSchema,
    ProductFacts,
    TextRequest,
)

SHIRT = ProductFacts(
    title="Harbour Linen Shirt",
    product_type="Shirt",
    attributes={
        "material": "Washed linen",
        "fit": "Relaxed",
        "colour": "Sand",
        "care": "Machine wash cold",
        "origin": "Portugal",
    },
    tags=["summer", "bestseller"],
    brand="Nordhavn",
)
MUG = ProductFacts(
    title="Cheap Chic Stoneware Mug",
    product_type="Mug",
    attributes={"material": "Stoneware", "colour": "Olive", "capacity": "350 ml"},
    tags=["gift", "handmade"],
)


@pytest.fixture
def local():
    return LocalProvider(ProviderConfig())


def generate(provider, **kwargs):
    kwargs.setdefault("prompt", "Write a product description for the online shop.")
    return provider.generate_text(TextRequest(**kwargs), model="local-copy", timeout=5)


def words(text):
    return re.findall(r"[\w'-]+", text.lower())


def test_copy_uses_the_facts_and_reads_like_sentences(local):
    result = generate(local, facts=SHIRT)
    text = result.text
    assert "Harbour Linen Shirt" in text
    assert "linen" in text.lower()
    # Several complete sentences, each starting with a capital and ending with punctuation.
    sentences = re.split(r"(?<=[.!?])\s+", text)
    assert len(sentences) >= 3
    assert all(s[0].isupper() and s[-1] in ".!?" for s in sentences)
    # Facts turned into prose, never printed as "key: value" blanks or template holes.
    assert "{" not in text and "None" not in text and "material:" not in text.lower()
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0


def test_the_same_request_gives_the_same_text(local):
    first = generate(local, facts=SHIRT, n=3)
    again = generate(local, facts=SHIRT, n=3)
    assert [c.text for c in first.candidates] == [c.text for c in again.candidates]


def test_candidates_differ_from_each_other(local):
    result = generate(local, facts=SHIRT, n=5)
    texts = [c.text for c in result.candidates]
    assert len(texts) == 5
    assert len(set(texts)) == 5
    # Not one template with swapped words: the candidates open differently.
    assert len({t.split()[0:3].__str__() for t in texts}) >= 3


def test_a_different_prompt_or_seed_gives_different_copy(local):
    base = generate(local, facts=SHIRT).text
    assert (
        generate(local, facts=SHIRT, prompt="Describe this shirt for our newsletter.").text != base
    )
    assert generate(local, facts=SHIRT, seed=7).text != base


def test_sentence_structure_varies_across_products(local):
    openers = set()
    for i in range(12):
        facts = ProductFacts(
            title=f"Product {i}", product_type="Sweater", attributes={"material": "Merino wool"}
        )
        openers.add(" ".join(generate(local, facts=facts).text.split()[:2]))
    assert len(openers) >= 4


@pytest.mark.parametrize("max_length", [40, 90, 160, 300])
def test_max_length_is_never_exceeded_and_cuts_at_a_boundary(local, max_length):
    result = generate(local, facts=SHIRT, n=4, rules=BrandRules(max_length=max_length))
    for candidate in result.candidates:
        text = candidate.text
        assert 0 < len(text) <= max_length
        # Ends on a finished sentence, or (a short headline) on a whole word.
        assert text[-1] in ".!?" or text.split()[-1].isalpha()
        if max_length >= 90:
            assert text[-1] in ".!?"


def test_fit_length_prefers_sentence_then_word_boundaries():
    text = "First sentence here. Second sentence is longer than the first one."
    assert fit_length(text, 30) == "First sentence here."
    assert fit_length("Unbreakable stoneware mug for everyday coffee", 20) == "Unbreakable."
    assert fit_length("short", 20) == "short"


@pytest.mark.parametrize(
    "banned",
    [
        ("linen", "relaxed", "easy", "soft"),
        ("shirt", "sand", "summer"),
        ("portugal", "made"),
    ],
)
def test_banned_words_never_appear(local, banned):
    result = generate(local, facts=SHIRT, n=4, rules=BrandRules(banned_words=banned))
    pattern = banned_pattern(banned)
    for candidate in result.candidates:
        assert candidate.text.strip()
        assert not pattern.search(candidate.text), (banned, candidate.text)
        for word in banned:
            assert not re.search(rf"\b{word}", candidate.text, re.IGNORECASE)


def test_banned_word_in_the_title_and_its_inflections_are_removed(local):
    rules = BrandRules(banned_words=["cheap"], max_length=200)
    for prompt in ("Write a description.", "Write bullets", "Write a headline"):
        result = generate(local, prompt=prompt, facts=MUG, n=3, rules=rules)
        for candidate in result.candidates:
            assert "cheap" not in candidate.text.lower()
            assert len(candidate.text) <= 200


def test_bullets_and_headline_forms_follow_the_prompt(local):
    bullets = generate(local, prompt="Five Amazon bullets", facts=SHIRT).text
    assert bullets.startswith("• ") and bullets.count("\n") >= 2
    headline = generate(local, prompt="A Google Ads headline", facts=SHIRT).text
    assert "\n" not in headline and len(headline) < 80


def test_json_schema_output_is_an_object_that_obeys_the_rules(local):
    schema = JsonSchema(
        name="product_copy",
        schema={
            "type": "object",
            "properties": {
                "title": {"type": "string", "maxLength": 40},
                "description": {"type": "string"},
                "bullets": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
                "tags": {"type": "array", "items": {"type": "string"}},
                "score": {"type": "integer", "minimum": 0, "maximum": 100},
            },
        },
    )
    result = generate(
        local,
        facts=MUG,
        json_schema=schema,
        n=2,
        rules=BrandRules(banned_words=["cheap", "gift"], max_length=180),
    )
    for candidate in result.candidates:
        data = candidate.data
        assert set(data) == {"title", "description", "bullets", "tags", "score"}
        assert len(data["title"]) <= 40
        assert len(data["description"]) <= 180
        assert 1 <= len(data["bullets"]) <= 3
        assert isinstance(data["score"], int) and 0 <= data["score"] <= 100
        assert "gift" not in data["tags"]
        assert "cheap" not in candidate.text.lower() and "gift" not in candidate.text.lower()


def test_without_facts_the_prompt_gives_the_subject(local):
    text = generate(local, prompt="Write a description for a merino wool beanie").text
    assert "merino wool beanie" in text.lower()


def test_injected_latency_is_waited_and_bounded_by_the_timeout(local):
    started = time.monotonic()
    generate(local, facts=SHIRT, latency_ms=50)
    assert time.monotonic() - started >= 0.05
    slow = LocalProvider(ProviderConfig(latency_ms=5000))
    with pytest.raises(ProviderError) as caught:
        slow.generate_text(TextRequest(prompt="x"), model="local-copy", timeout=0.05)
    assert caught.value.error_class == ErrorClass.TIMEOUT


def test_embeddings_are_deterministic_normalised_and_similarity_aware(local):
    texts = ("red linen shirt", "red linen shirts", "stoneware coffee mug")
    result = local.embed(EmbedRequest(texts=texts), model="local-embed", timeout=5)
    vectors = np.array(result.vectors)
    assert vectors.shape == (3, 256)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    similar = vectors[0] @ vectors[1]
    different = vectors[0] @ vectors[2]
    assert similar > 0.6 > different
    again = local.embed(EmbedRequest(texts=texts), model="local-embed", timeout=5)
    assert again.vectors == result.vectors
    assert len(hashed_embedding("hello", 64)) == 64
    assert hashed_embedding("", 16) == (0.0,) * 16
