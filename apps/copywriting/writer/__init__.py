"""The copy studio's offline writer, registered with the gateway as the local provider's "copy"
writer (see :mod:`apps.copywriting.apps`).

It writes true, grammatical product copy from the product's facts alone: it plans sentences per
kind of copy from what the facts state (:mod:`.long`, :mod:`.short`), builds them with a
morphology library (:mod:`.morph`), and applies the brand's voice as style — person, sentence
length, punctuation and emoji policy, preferred terms and style words from the brand's lexicon
(:mod:`.style`) — never another product's words. The brief's tone, keywords, instructions and
rewrite feedback steer it (:mod:`apps.copywriting.brief`). Deterministic: the same request
always gives the same candidates, and candidates differ from each other.

It reads ``request.hints``: ``{"writer": "copy", "copy_type", "facts", "voice", "brief"}`` as
:func:`apps.copywriting.prompting.local_hints` builds them.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Callable

from apps.copywriting import brief as brief_rules
from apps.copywriting.facts import ProductFacts
from apps.copywriting.writer import long, short
from apps.copywriting.writer.base import Ctx
from apps.copywriting.writer.style import style_for
from apps.gateway.types import TextCandidate, TextRequest

WRITER_NAME = "copy"
MAX_TRIES = 6

WRITERS: dict[str, Callable[[Ctx], dict]] = {
    "product_description": long.description,
    "amazon_bullets": long.bullets,
    "x_post": long.x_post,
    "instagram_caption": long.instagram,
    "seo_title": short.seo_title,
    "seo_description": short.seo_description,
    "amazon_title": short.amazon_title,
    "google_rsa": short.google_rsa,
    "meta_ad": short.meta_ad,
    "email_subject": short.email_subject,
}


def _seed(*parts: object) -> int:
    text = json.dumps(parts, sort_keys=True, default=str)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def write_one(hints: dict, *, seed: int) -> dict:
    """One candidate's data, in the copy type's fields."""
    copy_type = hints["copy_type"]
    brief = hints.get("brief") or {}
    directives = brief_rules.parse(brief.get("instructions", ""), brief.get("feedback", ""))
    ctx = Ctx(
        facts=ProductFacts.from_hint(hints["facts"]),
        copy_type=copy_type,
        rng=random.Random(seed),
        style=style_for(hints.get("voice"), tone=brief.get("tone", ""), directives=directives),
        directives=directives,
        keywords=list(brief.get("keywords") or []),
        target_words=int(brief.get("target_words") or 120),
        bullet_max=int(brief.get("bullet_max") or 250),
        previous=brief.get("previous") or None,
    )
    return WRITERS[copy_type](ctx)


def write_copy(request: TextRequest) -> list[TextCandidate]:
    """``request.n`` distinct candidates (as distinct as the facts allow)."""
    hints = dict(request.hints)
    base = (hints, request.seed)
    candidates: list[TextCandidate] = []
    seen: set[str] = set()
    for index in range(request.n):
        for attempt in range(MAX_TRIES):
            data = write_one(hints, seed=_seed(base, index, attempt))
            text = json.dumps(data, ensure_ascii=False, sort_keys=True)
            if text not in seen:
                break
        seen.add(text)
        candidates.append(TextCandidate(text=text, data=data))
    return candidates
