"""Long copy: the product description, Amazon bullet points, X posts and Instagram captions.

Each is planned as a list of sentences, each said from one group of facts, in an order and a
wording chosen per candidate; the plan is then cut to the length asked for (shorter drops the
least important sentences; nothing is ever cut mid-sentence) and rendered in the brand's style.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from apps.copywriting import morph
from apps.copywriting.brief import mentions
from apps.copywriting.channels import x_weighted_length
from apps.copywriting.writer.base import Ctx


@dataclass
class Line:
    text: str
    priority: int  # lower is more important
    paragraph: int = 1
    key: str = ""

    @property
    def words(self) -> int:
        return len(self.text.split())


# --- sentences -------------------------------------------------------------------------------


def opener(ctx: Ctx) -> str:
    """The sentence that says what the product is. The tone picks the wording; candidates
    differ in wording and in the order of the features."""
    subject = ctx.subject(start=True)
    features = ctx.feature_phrases(3)
    if len(features) > 1 and ctx.rng.random() < 0.5:
        features = [features[1], features[0], *features[2:]]
    np = ctx.noun_phrase()
    adds = bool(np) and ctx.adds_to_name()
    listed = morph.join(features)
    with_features = f" with {listed}" if features else ""
    bang = "!" if ctx.style.exclaims and ctx.style.exclamation == "allowed" else "."
    if ctx.style.fragments:
        head = ctx.noun_phrase(style_word=False)
        head = re.sub(r"^(a|an) ", "", head) if head else ctx.name
        return morph.sentence(f"{head}{with_features}")
    verb = "come" if ctx.plural else "comes"
    neutral: list[str] = []
    if adds:
        neutral.append(f"{subject} {ctx.is_} {np}{with_features}.")
    if features:
        neutral.append(f"{subject} {verb} with {listed}.")
        if adds:
            neutral.append(f"Meet {ctx.subject()}: {np}{with_features}.")
    elif adds:
        neutral.append(f"Meet {ctx.subject()}, {np}.")
    toned = {
        "playful": [
            f"Say hello to {ctx.subject()}{', ' + np if adds else ''}{with_features}{bang}"
        ],
        "bold": [f"Meet {ctx.subject()}{': ' + np if adds else ''}{with_features}{bang}"],
        "warm": [f"Meet {ctx.subject()}{', ' + np if adds else ''}{with_features}."],
        "formal": [f"{subject} {ctx.is_} {np} featuring {listed}."] if adds and features else [],
        "luxurious": [f"{subject} {ctx.is_} {np}, finished with {listed}."]
        if adds and features
        else [],
        "casual": [f"This is {ctx.subject()}{': ' + np if adds else ''}{with_features}."],
        "minimal": [
            f"{subject}: {re.sub(r'^(a|an) ', '', np) if adds else ctx.noun}{with_features}."
        ]
        if (adds or ctx.noun)
        else [],
    }.get(ctx.style.tone, [])
    if ctx.style.person == "you" and adds:
        toned = toned or [f"Reach for {ctx.subject()}, {np}{with_features}."]
    options = toned or neutral or [f"Meet {ctx.subject()}."]
    return morph.sentence(ctx.pick(options))


def made_of(ctx: Ctx, *, used_material: bool) -> str:
    stuff = ctx.made_of()
    if not stuff or (used_material and stuff == ctx.material()):
        return ""
    if ctx.style.fragments:
        return morph.sentence(stuff)
    if ctx.style.person == "we":
        return morph.sentence(f"We make {ctx.it if ctx.plural else 'it'} in {stuff}")
    return morph.sentence(f"{ctx.it} {ctx.is_} made of {stuff}")


def more_features(ctx: Ctx, used: list[str]) -> str:
    rest = [f for f in ctx.feature_phrases(6) if f not in used]
    if not rest:
        return ""
    if ctx.style.fragments:
        return morph.sentence(morph.join(rest[:3]))
    also = "also " if used else ""
    return morph.sentence(f"{ctx.it} {also}{ctx.has} {morph.join(rest[:3])}")


def uses(ctx: Ctx) -> str:
    found = ctx.uses()
    if not found:
        return ""
    use = morph.lower_first(found[0])
    if ctx.style.fragments:
        return morph.sentence(f"For {use}")
    options = [f"{ctx.it} {ctx.is_} made for {use}", f"Made for {use}"]
    if ctx.style.tone in {"playful", "warm", "casual"}:
        options.append(f"Just right for {use}")
    return morph.sentence(ctx.pick(options))


def claims(ctx: Ctx) -> str:
    found = ctx.claims()
    if not found:
        return ""
    if ctx.style.fragments:
        return morph.sentence(morph.join(found))
    return morph.sentence(f"{ctx.it} {ctx.is_} {morph.join(found)}")


def feature_clauses(ctx: Ctx) -> str:
    return " ".join(ctx.feature_clauses()[:2])


def mention_lines(ctx: Ctx, written: str) -> list[str]:
    """Sentences for what the brief asks to mention and the plan has not said yet (only facts
    of the product; the copy studio notes the rest)."""
    return [
        ctx.fact_sentence(fact)
        for wanted, fact in ctx.mentioned_facts()
        if fact and not mentions(written, wanted)
    ]


_CONTENT_WORD = re.compile(r"[^\W\d_][\w'’-]{3,}")
# Sentences the reader needs whether or not another one says the same words.
_ALWAYS_KEPT = frozenset({"opener", "keywords", "mention", "cta"})


def _content_words(text: str) -> set[str]:
    return {word.lower() for word in _CONTENT_WORD.findall(text)} - {"with", "that", "this"}


def without_restatements(lines: list[Line]) -> list[Line]:
    """Drop a sentence whose every word another sentence of the plan already says with more
    ("It has a regular fit." beside "Regular fit with ribbed hem."; "It is organic." beside
    "It is made of organic cotton.")."""
    words = [_content_words(line.text) for line in lines]
    kept: list[Line] = []
    for i, line in enumerate(lines):
        restated = line.key not in _ALWAYS_KEPT and any(
            j != i and words[i] and words[i] < words[j] and lines[j] in kept + lines[i + 1 :]
            for j in range(len(lines))
        )
        if not restated:
            kept.append(line)
    return kept


def plan_description(ctx: Ctx) -> list[Line]:
    first = opener(ctx)
    used = ctx.feature_phrases(3)
    lines = [Line(first, 0, 1, "opener")]
    used_material = bool(ctx.material()) and ctx.material() in first.lower()
    for text, priority, paragraph, key in (
        (made_of(ctx, used_material=used_material), 2, 1, "material"),
        (more_features(ctx, used), 3, 1, "features"),
        (ctx.fit(), 4, 1, "fit"),
        (claims(ctx), 5, 1, "claims"),
        (uses(ctx), 6, 1, "uses"),
        (feature_clauses(ctx), 9, 1, "clauses"),
        (ctx.keyword_sentence(), 1, 2, "keywords"),
        (ctx.measures(), 6, 1, "measures"),
        (ctx.options(), 7, 2, "options"),
        (ctx.care(), 8, 2, "care"),
        (ctx.origin(), 8, 2, "origin"),
    ):
        if text and ctx.allowed(text):
            lines.append(Line(text, priority, paragraph, key))
    lines = without_restatements(lines)
    written = " ".join(line.text for line in lines)
    lines += [Line(text, 1, 1, "mention") for text in mention_lines(ctx, written)]
    middle = lines[1:]
    if len(middle) > 2 and ctx.rng.random() < 0.5:  # vary the rhythm between candidates
        i = ctx.rng.randrange(len(middle) - 1)
        middle[i], middle[i + 1] = middle[i + 1], middle[i]
    lines = [lines[0], *middle]
    if ctx.style.tone != "minimal" and not ctx.style.fragments:
        lines.append(Line(ctx.cta(), 10, 2, "cta"))
    return lines


def fit_plan(lines: list[Line], target_words: int) -> list[Line]:
    """The most important lines that fit ``target_words`` (the opener always), in plan order."""
    chosen: set[int] = set()
    total = 0
    for index in sorted(range(len(lines)), key=lambda i: (lines[i].priority, i)):
        line = lines[index]
        if index == 0 or line.key in {"mention", "keywords"} or total + line.words <= target_words:
            chosen.add(index)
            total += line.words
    return [line for i, line in enumerate(lines) if i in chosen]


def _style_sentences(ctx: Ctx, sentences: list[str]) -> list[str]:
    """Brands that write long sentences join pairs that share the product as subject."""
    if not ctx.style.long_sentences:
        return sentences
    out: list[str] = []
    for sentence in sentences:
        previous = out[-1] if out else ""
        starts = sentence.split(" ", 1)[0] in {"It", "They"}
        if previous.endswith(".") and starts and ", and " not in previous:
            out[-1] = previous[:-1] + ", and " + morph.lower_first(sentence)
        else:
            out.append(sentence)
    return out


def feature_items(ctx: Ctx, limit: int) -> list[str]:
    items: list[str] = []
    for feature in ctx.features(limit=6):
        items.append(morph.upper_first(feature.strip(" .")))
    composition = ctx.composition() or ctx.made_of()
    if composition:
        items.insert(0, morph.upper_first(composition))
    for value in (ctx.fit_words(), *ctx.facts.dimensions[:2], *ctx.claims()):
        if value and ctx.allowed(value):
            items.append(morph.upper_first(value.strip(" .")))
    care = ctx.care()
    if care:
        items.append(care.rstrip("."))
    origin = ctx.origin()
    if origin:
        items.append(origin.rstrip("."))
    out: list[str] = []
    for item in items:
        if item.lower() not in {o.lower() for o in out}:
            out.append(item)
    return out[:limit]


def description(ctx: Ctx) -> dict:
    lines = plan_description(ctx)
    target = max(25, round(ctx.target_words * 0.75))  # the list carries the rest
    if ctx.directives.length and ctx.previous:
        previous_words = len(re.sub(r"<[^>]+>", " ", str(ctx.previous.get("text", ""))).split())
        target = max(12, round(previous_words * ctx.directives.length * 0.75))
    elif ctx.directives.length:
        target = max(12, round(target * ctx.directives.length))
    kept = fit_plan(lines, target)
    if all(line.key == "cta" for line in kept if line.paragraph == 2):
        for line in kept:  # a call to action alone is no paragraph
            line.paragraph = 1
    paragraphs = []
    for number in (1, 2):
        sentences = [line.text for line in kept if line.paragraph == number]
        if sentences:
            paragraphs.append(" ".join(_style_sentences(ctx, sentences)))
    limit = 3 if ctx.directives.shorter else (6 if ctx.directives.longer else 5)
    return {"description": "\n".join(paragraphs), "features": feature_items(ctx, limit)}


# --- Amazon bullets -----------------------------------------------------------------------------


def _bullet(header: str, body: str, limit: int) -> str:
    text = f"{header.upper()}: {morph.sentence(body)}"
    return text if len(text) <= limit else ""


def bullets(ctx: Ctx) -> dict:
    limit = ctx.bullet_max
    features = ctx.feature_phrases(6)
    candidates: list[str] = []
    stuff = ctx.made_of()
    if stuff:
        header = ctx.pick(["Material", "Made of " + (ctx.material() or "quality materials")])
        header = header if len(header) <= 30 and "quality" not in header else "Material"
        candidates.append(_bullet(header, f"Made of {stuff}", limit))
    fit = ctx.fit()
    if fit:
        candidates.append(_bullet("Fit", fit, limit))
    if features:
        first, rest = features[:3], features[3:]
        lead = f"{ctx.subject(start=True)} {'come' if ctx.plural else 'comes'} with"
        candidates.append(_bullet("Design", f"{lead} {morph.join(first)}", limit))
        if rest:
            candidates.append(_bullet("Details", f"With {morph.join(rest)}", limit))
    clauses = ctx.feature_clauses()
    if clauses:
        candidates.append(_bullet("Details", " ".join(clauses[:2]), limit))
    use = ctx.uses()
    if use:
        candidates.append(_bullet("Made for", f"Made for {morph.lower_first(use[0])}", limit))
    keyword = ctx.keyword_sentence()
    if keyword:
        candidates.append(_bullet("Style", keyword, limit))
    options = ctx.options()
    if options:
        candidates.append(_bullet("Sizes and colours", options, limit))
    found_claims = ctx.claims()
    if found_claims:
        candidates.append(
            _bullet("Good to know", f"{ctx.it} {ctx.is_} {morph.join(found_claims)}", limit)
        )
    care = ctx.care()
    if care:
        candidates.append(_bullet("Care", care, limit))
    if ctx.facts.dimensions:
        specs = "; ".join(d for d in ctx.facts.dimensions[:3] if ctx.allowed(d))
        if specs:
            candidates.append(_bullet("Specifications", specs, limit))
    origin = ctx.origin()
    if origin:
        candidates.append(_bullet("Origin", origin, limit))
    candidates = [c for c in candidates if c and ctx.allowed(c)]
    # Too few facts for five points: add the few true ones left, never filler.
    np = ctx.noun_phrase(style_word=False)
    colour = ctx.colour()
    fill = [
        _bullet("What it is", f"{np} by {ctx.facts.brand}" if ctx.facts.brand else np, limit)
        if np
        else "",
        _bullet("Colour", colour, limit) if colour else "",
        *(_bullet(morph.head_word(f) or "Detail", f, limit) for f in features),
    ]
    for extra in fill:
        if len(candidates) >= 5:
            break
        if extra and extra not in candidates and ctx.allowed(extra):
            candidates.append(extra)
    if not candidates:  # a name and nothing else
        candidates.append(_bullet("What it is", ctx.name, limit))
    chosen = candidates[:5]
    if ctx.directives.shorter:
        chosen = [_shorten_bullet(b) for b in chosen]
        before = sum(len(b) for b in (ctx.previous or {}).get("bullets", []) or [])
        while len(chosen) > 1 and before and sum(len(b) for b in chosen) >= before:
            chosen = chosen[:-1]  # shorter asked for: fewer points rather than the same
    return {"bullets": chosen}


def _shorten_bullet(text: str) -> str:
    """Shorter bullets: the header and the first clause of the sentence."""
    header, _, body = text.partition(": ")
    first = re.split(r"(?<=[.;])\s|,\s(?=and|with)", body)[0].rstrip(".;,")
    return f"{header}: {morph.sentence(first)}" if first else text


# --- social -------------------------------------------------------------------------------------


def _social_lines(ctx: Ctx) -> list[Line]:
    lines = [Line(opener(ctx), 0, 1, "opener")]
    for text, priority, key in (
        (ctx.keyword_sentence(), 1, "keywords"),
        (uses(ctx), 2, "uses"),
        (ctx.fit(), 4, "fit"),
        (ctx.options(), 3, "options"),
    ):
        if text and ctx.allowed(text):
            lines.append(Line(text, priority, 1, key))
    written = " ".join(line.text for line in lines)
    lines += [Line(text, 1, 1, "mention") for text in mention_lines(ctx, written)]
    if not ctx.style.fragments:
        lines.append(Line(ctx.cta(), 5, 1, "cta"))
    return lines


def x_post(ctx: Ctx) -> dict:
    lines = _social_lines(ctx)
    target = 40 if not ctx.directives.shorter else 20
    if ctx.directives.longer:
        target = 60
    kept = fit_plan(lines, target)
    tags = " ".join(ctx.hashtags(2))
    emoji = ctx.emoji()
    previous = (ctx.previous or {}).get("text", "")
    if ctx.directives.shorter and previous:
        # Shorter than the version being rewritten: a short opener, the asked-for lines only.
        short_open = Line(morph.sentence(f"Meet {ctx.subject()}"), 0, 1, "opener")
        kept = [short_open, *(line for line in kept[1:] if line.key in {"mention", "keywords"})]
        tags = " ".join(ctx.hashtags(1))
    while kept:
        body = " ".join(line.text for line in kept)
        text = f"{body} {emoji}".strip() if emoji else body
        text = f"{text} {tags}".strip()
        if x_weighted_length(text) <= 280:
            return {"text": text}
        kept = kept[:-1] if len(kept) > 1 else []
    return {"text": morph.sentence(ctx.name)[:280]}


def instagram(ctx: Ctx) -> dict:
    lines = _social_lines(ctx)
    target = 45
    if ctx.directives.shorter:
        target = 20
    elif ctx.directives.longer:
        target = 80
    kept = fit_plan(lines, target)
    emoji = ctx.emoji()
    tags = ctx.hashtags(10)
    previous = (ctx.previous or {}).get("text", "")

    def render(kept_lines: list[Line], hashtags: list[str]) -> str:
        body = " ".join(line.text for line in kept_lines)
        if emoji:
            body = f"{body} {emoji}"
        return body if not hashtags else f"{body}\n\n{' '.join(hashtags)}"

    text = render(kept, tags)
    if ctx.directives.shorter and previous:
        # Shorter than the version being rewritten: fewer lines, then a short opener and
        # fewer hashtags, until it is.
        while len(text) >= len(previous) and len(kept) > 1:
            kept = kept[:-1]
            text = render(kept, tags)
        if len(text) >= len(previous):
            kept = [Line(morph.sentence(f"Meet {ctx.subject()}"), 0, 1, "opener")]
            tags = tags[:3]
            text = render(kept, tags)
    return {"text": text}
