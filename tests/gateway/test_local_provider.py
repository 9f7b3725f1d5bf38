"""The local provider: offline writers registered by the apps that own them, the plumbing
writer for requests no app claimed, latency injection and hashing embeddings. (The copy
studio's product-copy writer has its own tests in tests/copywriting/test_writer.py.)"""

import json
import time

import numpy as np
import pytest

from apps.gateway.errors import ErrorClass, ProviderError
from apps.gateway.providers import ProviderConfig
from apps.gateway.providers import local as local_module
from apps.gateway.providers.local import LocalProvider, hashed_embedding
from apps.gateway.types import EmbedRequest, JsonSchema, TextCandidate, TextRequest


@pytest.fixture
def local():
    return LocalProvider(ProviderConfig())


def ask(provider, prompt="Write a line about a mug.", **kwargs):
    return provider.generate_text(
        TextRequest.from_prompt(prompt, **kwargs), model="local-copy", timeout=5
    )


def test_a_request_naming_a_registered_writer_is_written_by_it(local, monkeypatch):
    seen = []

    def writer(request):
        seen.append(request.hints["topic"])
        return [TextCandidate(text=f"{request.hints['topic']} {i}") for i in range(request.n)]

    monkeypatch.setitem(local_module._TEXT_WRITERS, "test", writer)
    result = ask(local, n=2, hints={"writer": "test", "topic": "mugs"})
    assert [c.text for c in result.candidates] == ["mugs 0", "mugs 1"]
    assert seen == ["mugs"]
    assert result.usage.input_tokens > 0 and result.usage.output_tokens > 0


def test_an_unknown_writer_or_a_short_answer_is_a_provider_error(local, monkeypatch):
    with pytest.raises(ProviderError) as caught:
        ask(local, hints={"writer": "nobody"})
    assert caught.value.error_class == ErrorClass.BAD_REQUEST
    assert "nobody" in caught.value.message
    monkeypatch.setitem(local_module._TEXT_WRITERS, "lazy", lambda request: [])
    with pytest.raises(ProviderError) as caught:
        ask(local, n=2, hints={"writer": "lazy"})
    assert caught.value.error_class == ErrorClass.BAD_RESPONSE


def test_the_copy_studio_registers_its_writer():
    from apps.copywriting.writer import write_copy

    assert local_module._TEXT_WRITERS["copy"] is write_copy


def test_without_a_writer_the_request_is_restated_and_schemas_are_filled(local):
    result = ask(local, "Describe the blue mug.", n=2)
    assert result.candidates[0].text == "Describe the blue mug"
    assert result.candidates[1].text != result.candidates[0].text  # candidates differ
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "lines": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "score": {"type": "integer", "minimum": 1},
        },
    }
    filled = ask(local, "A mug", json_schema=JsonSchema(name="x", schema=schema))
    data = filled.candidates[0].data
    assert data == {"title": "A mug", "lines": ["A mug", "A mug"], "score": 1}
    assert json.loads(filled.candidates[0].text) == data


def test_hints_are_part_of_the_request_identity():
    plain = TextRequest.from_prompt("x")
    hinted = TextRequest.from_prompt("x", hints={"writer": "copy", "facts": {"title": "Mug"}})
    assert plain.cache_identity() != hinted.cache_identity()
    with pytest.raises(TypeError):  # hints must be JSON
        TextRequest.from_prompt("x", hints={"when": object()})


def test_injected_latency_is_waited_and_bounded_by_the_timeout(local):
    started = time.monotonic()
    ask(local, latency_ms=50)
    assert time.monotonic() - started >= 0.05
    slow = LocalProvider(ProviderConfig(latency_ms=5000))
    with pytest.raises(ProviderError) as caught:
        slow.generate_text(TextRequest.from_prompt("x"), model="local-copy", timeout=0.05)
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
