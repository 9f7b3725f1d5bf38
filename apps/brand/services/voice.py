"""How the brand writes, as the copy studio asks for it: the active version, on-brand scores,
the voice a prompt carries, and the one rules engine. Reads and computation; nothing here
writes (the brand layer's public API re-exports these from :mod:`apps.brand.services`)."""

from __future__ import annotations

from collections.abc import Sequence

from apps.brand import lexicon, selectors, text, training
from apps.brand import rules as style_rules
from apps.brand.models import BrandProfile, Person, Policy, ProfileVersion
from apps.brand.types import BrandScore, BrandVoice, VoiceExemplar
from apps.core.errors import ServiceError
from apps.workspaces.models import Workspace

PROMPT_LEXICON_SIZE = 30


def brand_profile_active_version(
    workspace: Workspace, profile_id: int | None = None
) -> ProfileVersion | None:
    if profile_id is None:
        profile = selectors.profile_default(workspace=workspace)
    else:
        profile = (
            BrandProfile.objects.for_workspace(workspace)
            .select_related("active_version")
            .filter(pk=profile_id)
            .first()
        )
    if profile is None or profile.active_version is None:
        return None
    version = profile.active_version
    return version if version.is_ready else None


def brand_score(
    *, workspace: Workspace, version: ProfileVersion, texts: Sequence[str]
) -> list[BrandScore]:
    _check_version(workspace, version)
    texts = [str(t or "") for t in texts]
    if not texts:
        return []
    runtime = selectors.version_runtime(workspace=workspace, version=version)
    return score_with(runtime, texts, version_id=version.pk)


def score_with(
    runtime: selectors.VersionRuntime, texts: Sequence[str], *, version_id: int | None = None
) -> list[BrandScore]:
    """Scores and explanations from a loaded version (no database: the benchmark calls it)."""
    scores = runtime.scorer.scores(list(texts))
    results = []
    for value, body in zip(scores, texts, strict=True):
        stats = text.TextStats.of(body)
        deviations = text.stat_deviations(stats, runtime.stats) if body.strip() else []
        results.append(
            BrandScore(
                score=round(float(value), 1),
                rules_broken=tuple(style_rules.check(body, runtime.guide)),
                brand_terms=tuple(
                    lexicon.terms_used(body, runtime.lexicon[: PROMPT_LEXICON_SIZE * 2])
                ),
                pulled_down_by=tuple(
                    f"{d['label']}: {d['value']:g} (brand {d['brand_mean']:g} ± {d['brand_sd']:g})"
                    for d in deviations
                ),
                copied=text.copies_run(body, runtime.shingles),
                version_id=version_id,
                stats={d["stat"]: d["value"] for d in deviations},
            )
        )
    return results


def brand_voice(
    *,
    workspace: Workspace,
    version: ProfileVersion,
    query: str = "",
    copy_type: str = "",
    k: int = 3,
) -> BrandVoice:
    _check_version(workspace, version)
    runtime = selectors.version_runtime(workspace=workspace, version=version)
    profile = BrandProfile.objects.for_workspace(workspace).get(pk=version.profile_id)
    nearest = runtime.index.nearest(query, k=k, copy_type=copy_type) if query else []
    stats = runtime.stats or {}
    guide = runtime.guide
    own_names = [profile.name, *[str(n) for n in profile.own_names or []]]
    return BrandVoice(
        profile_id=profile.pk,
        version_id=version.pk,
        version_number=version.number,
        name=profile.name,
        tone=tone_line(profile),
        tone_words=tuple(w.strip() for w in profile.tone_words.split(",") if w.strip()),
        person=profile.person,
        emoji_policy=profile.emoji_policy,
        exclamation_policy=profile.exclamation_policy,
        reading_grade_target=profile.reading_grade_target,
        banned=tuple(guide.banned),
        preferred_terms=tuple(str(t) for t in profile.preferred_terms or []),
        own_names=tuple(dict.fromkeys(n for n in own_names if n.strip())),
        lexicon=tuple(runtime.lexicon[:PROMPT_LEXICON_SIZE]),
        words_per_sentence=(stats.get("sentence_length") or {}).get("mean"),
        sentences_per_text=(stats.get("paragraph_sentences") or {}).get("mean"),
        exemplars=tuple(VoiceExemplar(e.title, e.text, e.copy_type) for e in nearest),
    )


def brand_voice_from_trained(*, name: str, trained: training.TrainedProfile) -> BrandVoice:
    """A voice from a profile trained in memory (``evaluate_brands``): the learned style, the
    default style guide, no exemplars."""
    stats = trained.stats or {}
    return BrandVoice(
        profile_id=0,
        version_id=0,
        version_number=1,
        name=name,
        own_names=(name,),
        lexicon=tuple(entry["term"] for entry in trained.lexicon[:PROMPT_LEXICON_SIZE]),
        words_per_sentence=(stats.get("sentence_length") or {}).get("mean"),
        sentences_per_text=(stats.get("paragraph_sentences") or {}).get("mean"),
    )


def brand_rules_enforce(*, voice: BrandVoice, text: str) -> style_rules.Enforced:
    return style_rules.enforce(text, voice.banned, preferred=voice.preferred_terms)


def brand_rules_check(*, voice: BrandVoice, text: str) -> list[str]:
    return style_rules.check(
        text,
        style_rules.StyleGuide(
            banned=voice.banned,
            person=voice.person,
            emoji_policy=voice.emoji_policy,
            exclamation_policy=voice.exclamation_policy,
            reading_grade_target=voice.reading_grade_target,
        ),
    )


def tone_line(profile: BrandProfile) -> str:
    """The style guide as one instruction line (the tone a prompt carries)."""
    parts: list[str] = []
    if profile.tone_words.strip():
        parts.append(profile.tone_words.strip())
    persons: dict[str, str] = {
        Person.WE: "speak as “we”",
        Person.YOU: "address the reader as “you”, never “we”",
        Person.THIRD: "no “we” and no “I”",
    }
    person = persons.get(profile.person)
    if person:
        parts.append(person)
    if profile.emoji_policy == Policy.NEVER:
        parts.append("no emoji")
    elif profile.emoji_policy == Policy.SPARINGLY:
        parts.append("at most one emoji")
    if profile.exclamation_policy == Policy.NEVER:
        parts.append("no exclamation marks")
    elif profile.exclamation_policy == Policy.SPARINGLY:
        parts.append("at most one exclamation mark")
    if profile.reading_grade_target is not None:
        parts.append(f"reading grade about {profile.reading_grade_target:g}")
    return "; ".join(parts)


def _check_version(workspace: Workspace, version: ProfileVersion) -> None:
    if version is None or version.workspace_id != workspace.pk:
        raise ServiceError("This profile version belongs to another workspace.", code="not_found")
    if not version.is_ready:
        raise ServiceError(f"Version {version.number} of this profile is not trained.")
