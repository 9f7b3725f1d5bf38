"""Short fields: SEO titles and meta descriptions, Amazon titles, Google Ads responsive search
ads, Meta ads and e-mail subject lines.

A short field is composed to fit, never cut: the writer builds every phrasing the facts allow,
keeps those within the field's limits (and, where the channel has a sweet spot such as 50–60
characters for an SEO title, those inside it), and picks one per candidate.
"""

from __future__ import annotations

import re

from apps.catalog import vocabulary
from apps.copywriting import morph
from apps.copywriting.brief import mentions
from apps.copywriting.channels import AMAZON_REPEATABLE, AMAZON_TITLE_FORBIDDEN, PROMO_PHRASES
from apps.copywriting.writer.base import Ctx


def choose(ctx: Ctx, options: list[str], *, low: int, high: int, previous: str = "") -> str:
    """One option within ``high`` characters. In order of preference: shorter (or longer)
    than the previous version when the feedback asks; saying what the brief asks to mention;
    carrying the brief's keywords; inside the channel's sweet spot (``low`` or more)."""
    seen: list[str] = []
    for option in options:
        option = " ".join((option or "").split())
        if option and option not in seen and ctx.allowed(option) and len(option) <= high:
            seen.append(option)
    if not seen:
        return ""
    if previous and ctx.directives.shorter:
        # Nothing shorter to say: the shortest there is, never a longer one.
        seen = [o for o in seen if len(o) < len(previous)] or [min(seen, key=len)]
    if previous and ctx.directives.longer:
        seen = [o for o in seen if len(o) > len(previous)] or [max(seen, key=len)]

    def asked(option: str) -> tuple[int, int]:
        lowered = option.lower()
        return (
            sum(mentions(option, m) for m in ctx.directives.mention),
            sum(k.lower() in lowered for k in ctx.keywords),
        )

    best = max(asked(o) for o in seen)
    seen = [o for o in seen if asked(o) == best]
    in_range = [o for o in seen if len(o) >= low]
    if in_range:
        return ctx.pick(in_range)
    if previous and ctx.directives.shorter:
        return ctx.pick(seen)
    # None reaches the sweet spot: one of the longest (the facts give no more to say).
    longest = max(len(o) for o in seen)
    return ctx.pick([o for o in seen if len(o) >= longest * 0.85])


CONNECTORS = {"&", "and", "or", "with", "through", "for", "of", "by", "in", "+", "-", "–", "|"}
STARTERS = frozenset(
    [*vocabulary.MATERIALS, *vocabulary.COLOURS, *vocabulary.FINISHES, *vocabulary.MODIFIERS]
)


def name_forms(ctx: Ctx, *, bare_noun: bool = False) -> list[str]:
    """The name, and shorter forms that still read as a name: they end in what it is and start
    at a word that describes it (a material, colour, finish, "Women's"…), never in the middle
    of a phrase ("Drawing Racerback Dress" is not offered, "Unisex Heavy Blend Crewneck
    Sweatshirt" is)."""
    name = ctx.name
    forms = [name]
    noun = ctx.noun
    words = name.split()
    if noun:
        lowered = [w.lower().strip(",") for w in words]
        noun_words = noun.split()
        for end in range(len(words), 0, -1):
            if lowered[end - len(noun_words) : end] == noun_words:
                for start in range(1, end - len(noun_words) + 1):
                    first, before = lowered[start], lowered[start - 1]
                    starter = first in STARTERS or first.split("-")[0] in STARTERS
                    if starter and before not in CONNECTORS:
                        forms.append(" ".join(words[start:end]))
                break
        if bare_noun:
            forms.append(morph.title_case(noun))
    return list(dict.fromkeys(f for f in forms if f))


def _cap(text: str) -> str:
    return morph.title_case(text)


# --- search ------------------------------------------------------------------------------------


def descriptors(ctx: Ctx) -> list[str]:
    """Short, capitalised facts for titles ("European Flax Linen", "Sand", "Relaxed Fit"),
    those the brief asks to mention first."""
    found = [*ctx.mention_titles()]
    stuff = ctx.made_of()
    if stuff and "%" not in stuff and not ctx.in_name(stuff):
        found.append(_cap(stuff))
    if ctx.colour() and not ctx.in_name(ctx.colour()):
        found.append(_cap(ctx.colour()))
    if ctx.fit_words() and not ctx.in_name(ctx.fit_words()):
        found.append(_cap(ctx.fit_words()))
    found += [_cap(re.sub(r"^(a|an) ", "", f)) for f in ctx.feature_phrases(3)]
    return [d for d in dict.fromkeys(found) if d and len(d) <= 30]


def seo_title(ctx: Ctx) -> dict:
    brand = ctx.facts.brand
    keywords = [_cap(k) for k in ctx.keywords]
    extras = descriptors(ctx)
    options = []
    for name in name_forms(ctx):
        for tail in ([f" | {brand}"] if brand else []) + [""]:
            options.append(f"{name}{tail}")
            if len(keywords) > 1:
                options.append(f"{name} – {', '.join(keywords)}{tail}")
            for keyword in keywords:
                options.append(f"{name} – {keyword}{tail}")
            for i, first in enumerate(extras):
                options.append(f"{name} – {first}{tail}")
                for second in extras[i + 1 :]:
                    options.append(f"{name} – {first}, {second}{tail}")
                    options.append(f"{name} – {second}, {first}{tail}")
                for keyword in keywords:
                    options.append(f"{name} – {keyword}, {first}{tail}")
    noun = _cap(ctx.noun) if ctx.noun else ""
    if keywords and noun:  # a long name leaves no room: the keywords and what it is
        for tail in ([f" | {brand}"] if brand else []) + [""]:
            options.append(f"{', '.join(keywords)} {noun}{tail}")
            for extra in extras[:2]:
                options.append(f"{', '.join(keywords)} {noun} – {extra}{tail}")
    previous = (ctx.previous or {}).get("text", "")
    return {"text": choose(ctx, options, low=50, high=60, previous=previous) or ctx.name[:60]}


def _meta_sentences(ctx: Ctx) -> list[list[str]]:
    np = ctx.noun_phrase()
    features = ctx.feature_phrases(3)
    firsts = []
    adds = bool(np) and ctx.adds_to_name()
    # A long name leaves no room in an ad: its shorter forms say the same product.
    for name in name_forms(ctx)[:3]:
        subject, lead = ctx.subject(name=name), ctx.subject(start=True, name=name)
        for count in range(len(features), -1, -1):
            with_features = f" with {morph.join(features[:count])}" if count else ""
            if adds:
                firsts.append(f"{lead} {ctx.is_} {np}{with_features}.")
                firsts.append(f"Shop {subject}, {np}{with_features}.")
            elif count:
                verb = "come" if ctx.plural else "comes"
                firsts.append(f"{lead} {verb}{with_features}.")
                firsts.append(f"Shop {subject}{with_features}.")
            else:
                firsts.append(f"Shop {subject}.")
    seconds = [
        s
        for s in (
            *(ctx.fact_sentence(fact) for _, fact in ctx.mentioned_facts() if fact),
            f"Made of {ctx.made_of()}." if ctx.made_of() else "",
            ctx.fit(),
            ctx.keyword_sentence(),
            ctx.options(),
            ctx.measures(),
            morph.sentence(f"Made for {morph.lower_first(ctx.uses()[0])}") if ctx.uses() else "",
            ctx.care(),
        )
        if s and ctx.allowed(s)
    ]
    return [firsts, seconds]


def seo_description(ctx: Ctx) -> dict:
    firsts, seconds = _meta_sentences(ctx)
    cta = ctx.cta()
    options = []
    for first in firsts:
        options.append(first)
        body = first
        for second in seconds:
            body = f"{body} {second}"
            options.append(body)
            options.append(f"{body} {cta}")
        for second in seconds:
            options.append(f"{first} {second}")
            options.append(f"{first} {second} {cta}")
        options.append(f"{first} {cta}")
    # "Shop the X, a vinyl sticker. … Shop the X today." says the same thing twice.
    options = [o for o in options if not (o.startswith("Shop ") and o.count("Shop ") > 1)]
    previous = (ctx.previous or {}).get("text", "")
    text = choose(ctx, options, low=150, high=160, previous=previous)
    if not text:
        text = choose(ctx, options, low=0, high=300) or morph.sentence(ctx.name)
    return {"text": text}


# --- Amazon -------------------------------------------------------------------------------------


def _amazon_ok(title: str) -> bool:
    lowered = title.lower()
    if any(ch in AMAZON_TITLE_FORBIDDEN for ch in title):
        return False
    if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", lowered) for p in PROMO_PHRASES):
        return False
    words = re.findall(r"[\w'&-]+", lowered)
    return all(words.count(w) <= 2 or w in AMAZON_REPEATABLE for w in set(words))


def amazon_title(ctx: Ctx) -> dict:
    """Brand first, then the product, then its key attributes (Amazon's own advice)."""
    brand = ctx.facts.brand
    name = "".join(ch for ch in ctx.name if ch not in AMAZON_TITLE_FORBIDDEN)
    if not brand or name.lower().startswith(brand.lower()):
        lead = name
    elif brand.split()[-1].lower() == name.split()[0].lower():
        lead = f"{brand} – {name}"  # "Life Made Magic – Magic Kingdom Sticker", not "Magic Magic"
    else:
        lead = f"{brand} {name}"
    segments = []
    stuff = ctx.composition() or ctx.material()
    if stuff and not ctx.in_name(ctx.material() or stuff):
        segments.append(_cap(stuff))
    if ctx.fit_words():
        segments.append(_cap(ctx.fit_words()))
    if ctx.colour() and not ctx.in_name(ctx.colour()):
        segments.append(_cap(ctx.colour()))
    segments += [_cap(re.sub(r"^(a|an) ", "", f)) for f in ctx.feature_phrases(3)]
    segments += [_cap(k) for k in ctx.keywords]
    asked = [
        _cap(f.strip(" ."))
        for f in ctx.features(limit=8)
        if any(mentions(f, m) for m in ctx.directives.mention)
    ]
    segments = [*asked, *(s for s in segments if s not in asked)]
    if ctx.sizes():
        segments.append(f"Sizes {ctx.sizes()}")
    if ctx.colours_available():
        segments.append(_cap(ctx.colours_available()))
    limit = 200
    if ctx.directives.shorter:
        limit = min(limit, max(40, round(len((ctx.previous or {}).get("text", "") or lead) * 0.7)))
    title = lead if _amazon_ok(lead) else name
    order = list(segments)
    if ctx.rng.random() < 0.5 and len(order) > 3:
        order[1:3] = order[2:0:-1]  # vary the order of the middle attributes between candidates
    for segment in order:
        candidate = f"{title}, {segment}"
        if len(candidate) <= limit and _amazon_ok(candidate) and ctx.allowed(segment):
            title = candidate
    return {"text": title[:200] if len(title) > 200 else title}


# --- ads ----------------------------------------------------------------------------------------


def _fits(text: str, limit: int) -> bool:
    return 0 < len(text) <= limit


def headlines(ctx: Ctx, limit: int = 30) -> list[str]:
    noun = _cap(ctx.noun) if ctx.noun else ""
    material, colour, fit = ctx.material(), ctx.colour(), ctx.fit_words()
    out = [*ctx.mention_titles(), *name_forms(ctx, bare_noun=True)]
    if material and noun and material.lower() not in noun.lower():
        out.append(f"{_cap(material)} {noun}")
    if material:
        out.append(f"Made of {_cap(material)}")
    if colour and noun:
        out.append(f"{_cap(colour)} {noun}")
    if fit and noun:
        out.append(f"{_cap(fit)} {noun}")
    out += [_cap(re.sub(r"^(a|an) ", "", f)) for f in ctx.feature_phrases(5)]
    for keyword in ctx.keywords:
        out.append(_cap(keyword))
        if noun:
            out.append(f"{_cap(keyword)} {noun}")
    if ctx.sizes():
        out.append(f"Sizes {ctx.sizes()}")
    out += [_cap(c) for c in ctx.claims()]
    if ctx.facts.brand and noun:
        out.append(f"{ctx.facts.brand} {noun}")
    if ctx.facts.brand:
        out.append(f"By {ctx.facts.brand}")
    if noun:
        out.append(f"Shop the {noun}")
    out += ["Shop Now", "Order Online Today"]
    fitting: list[str] = []
    for headline in out:
        headline = " ".join(headline.split())
        if (
            _fits(headline, limit)
            and ctx.allowed(headline)
            and headline.lower() not in {f.lower() for f in fitting}
        ):
            fitting.append(headline)
    return fitting


def google_rsa(ctx: Ctx) -> dict:
    found = headlines(ctx)
    keep = 15 if not ctx.directives.shorter else 6
    first, rest = found[:3], found[3:]
    ctx.rng.shuffle(rest)
    chosen = first + rest[: keep - len(first)]
    descriptions = []
    firsts, seconds = _meta_sentences(ctx)
    for sentence in [*firsts, *seconds, ctx.cta()]:
        if _fits(sentence, 90) and sentence not in descriptions and ctx.allowed(sentence):
            descriptions.append(sentence)
    picked = (
        descriptions[:1]
        + [d for d in descriptions[1:] if not d.startswith(("Shop ", ctx.subject(start=True)))][:3]
    )
    if len(picked) < 2:
        picked = descriptions[:4] or [morph.sentence(f"Shop {ctx.subject()} online")]
    if len(picked) < 2:
        picked.append("Order online today.")
    slug = lambda text: re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")  # noqa: E731
    path_options = [slug(ctx.noun), slug(ctx.material()), slug(ctx.colour()), slug(ctx.facts.brand)]
    path_options += [slug(k) for k in ctx.keywords]
    paths = [p for p in dict.fromkeys(path_options) if p and len(p) <= 15]
    return {
        "headlines": chosen,
        "descriptions": picked[:4],
        "path1": paths[0] if paths else "shop",
        "path2": paths[1] if len(paths) > 1 else "",
    }


def meta_ad(ctx: Ctx) -> dict:
    firsts, seconds = _meta_sentences(ctx)
    cta = ctx.cta()
    primary_options = []
    for first in firsts:
        primary_options += [f"{first} {cta}", first]
        primary_options += [f"{first} {s}" for s in seconds]
    previous = ctx.previous or {}
    primary = choose(
        ctx, primary_options, low=80, high=125, previous=previous.get("primary_text", "")
    ) or choose(ctx, [cta, morph.sentence(ctx.name)], low=0, high=125)
    headline = choose(
        ctx, name_forms(ctx), low=15, high=40, previous=previous.get("headline", "")
    ) or choose(ctx, headlines(ctx, 40), low=15, high=40, previous=previous.get("headline", ""))
    noun = _cap(ctx.noun) if ctx.noun else ""
    description_options = [
        f"{_cap(ctx.material())} {noun}" if ctx.material() and noun else "",
        f"Sizes {ctx.sizes()}" if ctx.sizes() else "",
        f"By {ctx.facts.brand}" if ctx.facts.brand else "",
        "Shop now",
    ]
    description = choose(
        ctx, description_options, low=10, high=30, previous=previous.get("description", "")
    )
    return {"primary_text": primary, "headline": headline, "description": description}


def email_subject(ctx: Ctx) -> dict:
    material, colour = ctx.material(), ctx.colour()
    options = []
    for name in name_forms(ctx):
        options += [f"Meet the {name}" if not name.lower().startswith("the ") else f"Meet {name}"]
        if material and not ctx.in_name(material):
            options.append(f"The {name}, in {material}")
        if colour and not ctx.in_name(colour):
            options.append(f"The {name}, now in {colour}")
        for feature in ctx.feature_phrases(2):
            options.append(f"The {name}, with {feature}")
        for keyword in ctx.keywords:
            options.append(f"{morph.upper_first(keyword)}: the {name}")
        if len(ctx.keywords) > 1:
            options.append(f"{morph.upper_first(morph.join(list(ctx.keywords)))}: the {name}")
        if ctx.style.tone in {"playful", "bold"}:
            options.append(f"Say hello to the {name}" + ("!" if ctx.style.exclaims else ""))
    if ctx.noun:
        by = f" by {ctx.facts.brand}" if ctx.facts.brand else ""
        for feature in ctx.feature_phrases(2):
            options.append(f"The {ctx.noun}{by}, with {feature}")
        if ctx.keywords:
            options.append(f"{morph.upper_first(morph.join(list(ctx.keywords)))}: the {ctx.noun}")
            options += [f"{morph.upper_first(k)}: the {ctx.noun}" for k in ctx.keywords]
    for name in [*name_forms(ctx), ctx.noun]:
        for title in ctx.mention_titles():
            if name:
                options.append(f"The {name}: {title.lower()}")
    previous = (ctx.previous or {}).get("text", "")
    text = choose(ctx, options, low=30, high=60, previous=previous)
    return {"text": text or choose(ctx, options, low=0, high=80) or ctx.name[:50]}
