"""One generation: the candidates of one kind of copy for one product, from any provider,
through the same checks before anyone sees them.

For every candidate, in order: the answer is shaped into the kind's fields; the brand's rules
engine applies the style guide (preferred terms, replacements; a sentence with a banned term
goes); hard channel limits are repaired; the claim guard removes what the product's facts do
not support, where the copy stands without it, and flags what is left; the checks run (channel
limits and rules, the brand's rules, claims); the brief is checked (keywords, "shorter",
"mention X", "don't mention Y"), and what was not followed is noted with the reason.
Candidates are ranked by the hard checks first (limits, rules, claims), then by the brand's
score: the score never lifts a draft with an unsupported claim above one without. When too few
candidates pass, one more call gives spares, and the flagged ones are dropped first.

No database writes here; the services store what this returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from apps.accounts.models import User
from apps.brand.models import ProfileVersion
from apps.brand.services import (
    brand_rules_check,
    brand_rules_enforce,
    brand_score,
    brand_voice,
)
from apps.brand.types import BrandVoice
from apps.catalog.models import Product
from apps.copywriting import brief as brief_rules
from apps.copywriting import channels, claims, prompting
from apps.copywriting.facts import ProductFacts, product_facts
from apps.gateway.services import gateway_generate_text, provenance_fields
from apps.gateway.types import TaskKind
from apps.workspaces.models import Workspace

SPARE_CANDIDATES = 2
SPARE_SEED_OFFSET = 7919


@dataclass
class Candidate:
    data: dict[str, Any]
    provenance: dict[str, Any]
    index: int
    repaired: bool = False
    removed: list[str] = field(default_factory=list)
    claims: list[dict] = field(default_factory=list)
    rules_broken: list[str] = field(default_factory=list)
    hard: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    brand_score: float | None = None
    score_explanation: dict[str, Any] = field(default_factory=dict)
    copied: bool = False

    @property
    def rank_key(self) -> tuple:
        """Hard checks first (limits, claims, brand rules), then the brand score."""
        return (
            len(self.hard),
            len(self.claims),
            len(self.rules_broken) + int(self.copied),
            -(self.brand_score or 0.0),
            self.index,
        )

    @property
    def clean(self) -> bool:
        return not self.hard and not self.claims


@dataclass(frozen=True)
class Setting:
    """What one generation is for: a kind of copy, a product, the brief and the voice."""

    spec: channels.CopySpec
    product: Product
    facts: ProductFacts
    brief: prompting.Brief
    voice: BrandVoice | None
    version: ProfileVersion | None
    support: claims.Support
    keywords_left_out: tuple[str, ...] = ()


def setting_for(
    *,
    workspace: Workspace,
    spec: channels.CopySpec,
    product: Product,
    brief: prompting.Brief,
    version: ProfileVersion | None,
    foreign_names: tuple[str, ...] = (),
) -> Setting:
    facts = product_facts(product)
    voice = None
    if version is not None:
        query = " ".join([facts.name, facts.product_type, facts.category, *facts.tags[:5]])
        voice = brand_voice(workspace=workspace, version=version, query=query, copy_type=spec.code)
    own = voice.own_names if voice is not None else ()
    support = claims.Support(facts, own_names=own, foreign_names=foreign_names)
    usable: list[str] = []
    left_out: list[str] = []
    for keyword in brief.keywords:
        (left_out if support.unsupported(keyword) else usable).append(keyword)
    brief = prompting.Brief(**{**brief.__dict__, "keywords": tuple(usable)})
    return Setting(spec, product, facts, brief, voice, version, support, tuple(left_out))


def _each_text(spec: channels.CopySpec, data: dict, fn: Callable[[str], str | None]) -> dict:
    """``fn`` on every unit of text (a paragraph or list item of HTML, an item of a list, a
    field); a unit it returns None for is dropped where the field allows it."""
    out = dict(data)
    for f in spec.fields:
        value = out.get(f.name)
        if f.kind == "html":
            text = str(value or "")

            def unit(match: re.Match) -> str:
                fixed = fn(match.group(2))
                return "" if fixed is None else f"{match.group(1)}{fixed}{match.group(3)}"

            text = re.sub(r"(<(?:p|li)[^>]*>)(.*?)(</(?:p|li)>)", unit, text, flags=re.S | re.I)
            out[f.name] = re.sub(r"<ul>\s*</ul>", "", text)
        elif f.kind == "lines":
            items = [fn(str(i)) for i in value or []]
            kept = [i for i in items if i]
            floor = f.items.min if f.items and f.items.min else 0
            out[f.name] = (
                kept
                if len(kept) >= floor
                else [i if i else o for i, o in zip(items, value or [], strict=True)]
            )
        else:
            fixed = fn(str(value or ""))
            out[f.name] = fixed if fixed is not None else str(value or "")
    return out


def _apply_rules(setting: Setting, candidate: Candidate) -> None:
    voice = setting.voice
    if voice is None:
        return

    def enforce(text: str) -> str | None:
        result = brand_rules_enforce(voice=voice, text=text)
        candidate.removed.extend(result.removed)
        return result.text

    candidate.data = _each_text(setting.spec, candidate.data, enforce)


def _check(setting: Setting, candidate: Candidate) -> None:
    spec = setting.spec
    guarded = claims.guard(candidate.data, spec.fields, setting.support)
    candidate.data = guarded.data
    candidate.removed.extend(guarded.removed)
    candidate.claims = [c.as_dict() for c in guarded.remaining]
    check = channels.check(spec, candidate.data)
    candidate.hard = [v.message for v in check.hard_violations]
    rendered = channels.html_text(channels.render(spec, candidate.data))
    if setting.voice is not None:
        candidate.rules_broken = brand_rules_check(voice=setting.voice, text=rendered)
    candidate.notes = brief_notes(setting, rendered)


def brief_notes(setting: Setting, rendered: str) -> list[str]:
    """What the brief asked that this text does not do, and why where we know."""
    notes = []
    brief = setting.brief
    directives = brief_rules.parse(brief.instructions, brief.feedback)
    for keyword in setting.keywords_left_out:
        notes.append(
            f"Keyword “{keyword}” left out: the product's facts do not support it "
            "(add it on the product's page if it is true)."
        )
    for keyword in brief.keywords:
        if not brief_rules.mentions(rendered, keyword):
            notes.append(f"Keyword “{keyword}” is not in this variant (no room or no fit).")
    for wanted in directives.mention:
        if brief_rules.mentions(rendered, wanted):
            continue
        if brief_rules.mentions(setting.facts.support_text(), wanted):
            notes.append(f"Did not mention “{wanted}”.")
        else:
            notes.append(
                f"Did not mention “{wanted}”: it is not among the product's facts "
                "(add it on the product's page if it is true)."
            )
    for avoid in directives.avoid:
        if brief_rules.mentions(rendered, avoid):
            notes.append(f"Still mentions “{avoid}”.")
    if brief.previous and directives.length:
        before = len(channels.html_text(channels.render(setting.spec, brief.previous)))
        after = len(rendered)
        if directives.shorter and after >= before:
            notes.append(f"Not shorter than the previous version ({after} vs {before} characters).")
        if directives.longer and after <= before:
            notes.append(
                f"Not longer than the previous version ({after} vs {before} characters): the "
                "facts give no more to say."
            )
    return notes


def _score(setting: Setting, workspace: Workspace, candidates: list[Candidate]) -> None:
    if setting.version is None or not candidates:
        return
    texts = [channels.html_text(channels.render(setting.spec, c.data)) for c in candidates]
    scores = brand_score(workspace=workspace, version=setting.version, texts=texts)
    for candidate, score in zip(candidates, scores, strict=True):
        candidate.brand_score = round(score.score, 1)
        candidate.copied = score.copied
        candidate.score_explanation = {
            "rules_broken": list(score.rules_broken),
            "brand_terms": list(score.brand_terms),
            "pulled_down_by": list(score.pulled_down_by),
            "copied": score.copied,
            "summary": score.explanation,
            "version": setting.version.pk,
        }


def _top_up(spec: channels.CopySpec, data: dict, others: list[dict]) -> dict:
    """A list short of its minimum (four Amazon bullets where five are needed) borrows items
    from the other candidates of the same call."""
    data = channels.normalise(spec, data)
    for f in spec.fields:
        if f.kind != "lines" or not f.items or f.items.min is None:
            continue
        items = data[f.name]
        for other in others:
            for item in channels.normalise(spec, other)[f.name]:
                if len(items) >= f.items.min:
                    break
                if item.lower() not in {i.lower() for i in items}:
                    items.append(item)
        data[f.name] = items
    return data


def _call(
    workspace: Workspace,
    actor: User | None,
    setting: Setting,
    *,
    n: int,
    seed: int | None,
    first_index: int,
) -> list[Candidate]:
    request = prompting.copy_request(
        setting.spec, setting.facts, setting.brief, setting.voice, n=n, seed=seed
    )
    result = gateway_generate_text(
        workspace=workspace, actor=actor, task=TaskKind.COPY_GENERATE, request=request
    )
    provenance = provenance_fields(
        result, brand_profile_version=setting.version.pk if setting.version else None
    )
    shaped = [prompting.shape(setting.spec, c) for c in result.candidates]
    out = []
    for offset, data in enumerate(shaped):
        candidate = Candidate(data=data, provenance=provenance, index=first_index + offset)
        _apply_rules(setting, candidate)
        if not channels.check(setting.spec, candidate.data).ok:
            others = shaped[:offset] + shaped[offset + 1 :]
            candidate.data = channels.repair(
                setting.spec, _top_up(setting.spec, candidate.data, others)
            )
            candidate.repaired = True
        _check(setting, candidate)
        out.append(candidate)
    return out


def generate(
    *,
    workspace: Workspace,
    actor: User | None,
    setting: Setting,
    n: int,
    seed: int | None = None,
) -> list[Candidate]:
    """``n`` checked and ranked candidates (the best first)."""
    candidates = _call(workspace, actor, setting, n=n, seed=seed, first_index=0)
    if sum(1 for c in candidates if c.clean) < n:
        spare_seed = (seed or 0) + SPARE_SEED_OFFSET
        candidates += _call(
            workspace,
            actor,
            setting,
            n=max(SPARE_CANDIDATES, n - sum(1 for c in candidates if c.clean)),
            seed=spare_seed,
            first_index=len(candidates),
        )
    unique: list[Candidate] = []
    seen: set[str] = set()
    for candidate in candidates:
        key = repr(sorted(candidate.data.items()))
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    _score(setting, workspace, unique)
    unique.sort(key=lambda c: c.rank_key)
    return unique[:n]


def recheck(setting: Setting, data: dict[str, Any]) -> Candidate:
    """The checks on a person's edit: claims flagged (never removed from what they typed),
    limits, rules and the brief."""
    candidate = Candidate(data=channels.normalise(setting.spec, data), provenance={}, index=0)
    found: list[dict] = []
    for f in setting.spec.fields:
        value = candidate.data.get(f.name)
        for text in value if isinstance(value, list) else [value or ""]:
            for claim in setting.support.unsupported(str(text)):
                if claim.text.lower() not in {c["text"].lower() for c in found}:
                    found.append(claim.as_dict())
    candidate.claims = found
    check = channels.check(setting.spec, candidate.data)
    candidate.hard = [v.message for v in check.hard_violations]
    rendered = channels.html_text(channels.render(setting.spec, candidate.data))
    if setting.voice is not None:
        candidate.rules_broken = brand_rules_check(voice=setting.voice, text=rendered)
    return candidate
