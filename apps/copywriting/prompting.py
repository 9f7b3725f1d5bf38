"""Layer 2 at work: how a kind of copy is asked of a model, and how the answer is read back.

Beside the channel table (:mod:`apps.copywriting.channels`) because both describe the same
kinds of copy. For a remote model (OpenAI or compatible) it builds the messages: a system prompt
with the brand (name, style guide, lexicon, its own names), the channel's practice and the rule
"use only these facts"; a user prompt with the product's facts and its existing description,
the brief, and exemplars of the brand's own copy of the same kind and category, trimmed to that
kind. Every kind of copy asks for a strict JSON schema. For the offline writer it builds the
hints instead (the facts, the voice as style, the brief). Either way the answer is shaped into
the kind's fields by :func:`shape`.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from apps.brand.types import BrandVoice
from apps.catalog.facts import FACT_LABELS
from apps.copywriting import channels
from apps.copywriting.facts import ProductFacts
from apps.gateway.types import JsonSchema, Message, TextCandidate, TextRequest

DESCRIPTION_CHARS = 1500
EXEMPLAR_CHARS = {"product_description": 700, "amazon_bullets": 500, "instagram_caption": 400}
SHORT_EXEMPLAR_CHARS = 160


@dataclass(frozen=True)
class Brief:
    """The brief as one draft sees it: what the copywriter asked, and what to rewrite."""

    keywords: tuple[str, ...] = ()
    tone: str = ""
    instructions: str = ""
    feedback: str = ""
    previous: dict | None = None  # the version being rewritten
    target_words: int = 120
    bullet_max: int = 250

    def as_hint(self) -> dict:
        return {
            "keywords": list(self.keywords),
            "tone": self.tone,
            "instructions": self.instructions,
            "feedback": self.feedback,
            "previous": self.previous,
            "target_words": self.target_words,
            "bullet_max": self.bullet_max,
        }


# --- what the model is told ----------------------------------------------------------------


def facts_block(facts: ProductFacts) -> str:
    lines = [f"Product name: {facts.title}"]
    if facts.brand:
        lines.append(f"Brand (vendor): {facts.brand}")
    if facts.product_type:
        lines.append(f"Type: {facts.product_type}")
    if facts.category:
        lines.append(f"Category: {facts.category}")
    lines += [f"{key}: {value}" for key, value in facts.attributes]
    lines += [f"{name} options: {', '.join(values)}" for name, values in facts.options]
    if facts.tags:
        lines.append("Tags: " + ", ".join(facts.tags))
    for key in ("materials", "colours", "fit", "features", "dimensions", "care", "uses"):
        values = getattr(facts, key)
        if values:
            lines.append(f"{FACT_LABELS[key]}: " + "; ".join(values))
    if facts.origin:
        lines.append("Made in: " + "; ".join(facts.origin))
    if facts.claims:
        lines.append("Claims the product's data makes: " + "; ".join(facts.claims))
    return "\n".join(f"- {line}" for line in lines)


def system_prompt(spec: channels.CopySpec, voice: BrandVoice | None) -> str:
    parts = [
        "You are a senior e-commerce copywriter. You write product copy that a shop can "
        "publish as it is.",
        "Use only the facts given about the product. Never invent materials, colours, sizes, "
        "measurements, numbers, certifications, ingredients, awards, origins, prices, "
        "shipping or other brands' names and trademarks. If a fact is not given, leave it "
        "out. Opinions about style are fine; claims are not.",
        f"You are writing: {spec.label} ({spec.channel}). {spec.practice}",
    ]
    if voice is not None:
        brand = [f"The brand is {voice.name}. Write in its voice."]
        if voice.tone:
            brand.append(f"Style guide: {voice.tone}.")
        if voice.banned:
            brand.append("Never use: " + ", ".join(f"“{t}”" for t in voice.banned_terms) + ".")
        preferred = [t for t in voice.preferred_terms if t.strip()]
        if preferred:
            brand.append("Preferred terms: " + "; ".join(preferred) + ".")
        if voice.own_names:
            brand.append(
                "The brand's own names, which you may use: " + ", ".join(voice.own_names) + "."
            )
        if voice.lexicon:
            brand.append(
                "Words and phrases typical of the brand (use those that fit this product; "
                "never use one to claim a fact): " + ", ".join(voice.lexicon[:25]) + "."
            )
        if voice.words_per_sentence:
            brand.append(f"Its sentences average {voice.words_per_sentence:.0f} words.")
        parts.append(" ".join(brand))
    parts.append("Answer with the JSON object the schema describes, nothing else.")
    return "\n\n".join(parts)


def trim_exemplar(text: str, copy_type: str, *, same_kind: bool) -> str:
    """An exemplar cut to the kind of copy it illustrates: long copy to a few sentences, a
    description to its first sentence for short kinds (titles, subjects, headlines)."""
    text = " ".join(text.split())
    limit = EXEMPLAR_CHARS.get(copy_type, SHORT_EXEMPLAR_CHARS)
    if same_kind and len(text) <= limit * 2:
        return text
    sentences = re.split(r"(?<=[.!?])\s+", text)
    out = ""
    for sentence in sentences:
        if out and len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    if len(out) > limit:
        out = out[:limit].rsplit(" ", 1)[0] + " …"
    return out


def user_prompt(
    spec: channels.CopySpec,
    facts: ProductFacts,
    brief: Brief,
    voice: BrandVoice | None = None,
) -> str:
    parts = [
        spec.instructions,
        "Product facts (the only facts you may state):\n" + facts_block(facts),
    ]
    if facts.description:
        parts.append(
            "The product's current description (facts in it may be used; its wording may be "
            "improved):\n" + facts.description[:DESCRIPTION_CHARS]
        )
    if spec.code == "product_description":
        parts.append(f"Length: about {brief.target_words} words in all, if the facts allow.")
    limits = channels.describe_limits(spec)
    if limits:
        parts.append("Limits:\n" + limits)
    if brief.keywords:
        parts.append(
            "Work in these keywords where they read naturally: " + ", ".join(brief.keywords)
        )
    if brief.tone:
        parts.append(f"Tone: {brief.tone}")
    if brief.instructions:
        parts.append(f"Instructions from the copywriter: {brief.instructions}")
    if voice is not None and voice.exemplars:
        examples = []
        for exemplar in voice.exemplars:
            same = exemplar.copy_type == spec.code
            trimmed = trim_exemplar(exemplar.text, spec.code, same_kind=same)
            if trimmed:
                examples.append(f"- {trimmed}")
        if examples:
            parts.append(
                f"Examples of {voice.name}'s own copy, for its voice only (never take facts "
                "or phrases from them; they are about other products):\n" + "\n".join(examples)
            )
    if brief.feedback:
        previous = channels.render(spec, brief.previous or {}) if brief.previous else ""
        if previous:
            parts.append("The previous version:\n" + previous)
        parts.append(f"Rewrite it with this feedback from the copywriter: {brief.feedback}")
    return "\n\n".join(parts)


def copy_request(
    spec: channels.CopySpec,
    facts: ProductFacts,
    brief: Brief,
    voice: BrandVoice | None,
    *,
    n: int,
    seed: int | None,
) -> TextRequest:
    """The request for ``n`` candidates: messages for any model, and the hints the offline
    writer writes from (the route decides which answers; hints never reach a remote model)."""
    hints = local_hints(spec, facts, brief, voice)
    return TextRequest(
        messages=(
            Message("system", system_prompt(spec, voice)),
            Message("user", user_prompt(spec, facts, brief, voice)),
        ),
        n=n,
        json_schema=JsonSchema(name=spec.code, schema=channels.json_schema(spec), strict=True),
        seed=seed,
        hints=hints,
    )


def local_hints(
    spec: channels.CopySpec, facts: ProductFacts, brief: Brief, voice: BrandVoice | None
) -> dict[str, Any]:
    return {
        "writer": "copy",
        "copy_type": spec.code,
        "facts": facts.as_hint(),
        "voice": voice.as_hint() if voice is not None else None,
        "brief": brief.as_hint(),
    }


# --- what comes back ----------------------------------------------------------------------


def description_html(data: Mapping[str, Any]) -> str:
    paragraphs = [p.strip() for p in str(data.get("description", "")).split("\n") if p.strip()]
    features = [
        str(f).strip().lstrip("•-* ").strip() for f in data.get("features") or [] if str(f).strip()
    ]
    parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if features:
        parts.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in features) + "</ul>")
    return "".join(parts)


def shape(spec: channels.CopySpec, candidate: TextCandidate) -> dict[str, Any]:
    """A model's answer in the spec's fields. A model that ignored the schema and answered in
    prose still gets its text read (into the first field)."""
    data = candidate.data
    if data is None:
        try:
            parsed = json.loads(candidate.text)
            data = parsed if isinstance(parsed, dict) else None
        except ValueError:
            data = None
    if spec.code == "product_description":
        if data is None:
            data = {"description": candidate.text, "features": []}
        return {"text": description_html(data)}
    if data is None:
        data = {spec.fields[0].name: candidate.text.strip().strip('"')}
    return channels.normalise(spec, dict(data))


def to_schema_answer(spec: channels.CopySpec, data: dict[str, Any]) -> dict[str, Any]:
    """Stored copy back in the shape a model answers with (for fine-tuning examples)."""
    if spec.code == "product_description":
        text = str(data.get("text", ""))
        paragraphs = [
            html.unescape(re.sub(r"<[^>]+>", "", p))
            for p in re.findall(r"<p[^>]*>(.*?)</p>", text, re.S)
        ]
        items = [
            html.unescape(re.sub(r"<[^>]+>", "", i))
            for i in re.findall(r"<li[^>]*>(.*?)</li>", text, re.S)
        ]
        if not paragraphs and not items:
            paragraphs = [html.unescape(re.sub(r"<[^>]+>", " ", text)).strip()]
        return {"description": "\n".join(paragraphs), "features": items}
    return channels.normalise(spec, data)
