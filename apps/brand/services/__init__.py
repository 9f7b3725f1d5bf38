"""The brand layer's services: its public API (re-exported here) and the writes behind the
brand pages, one module per sub-domain.

Public API (stable; the copy studio and the photo studio call these)
====================================================================

All keyword-only; ``workspace`` is a :class:`~apps.workspaces.models.Workspace`.

``brand_profile_active_version(workspace, profile_id=None) -> ProfileVersion | None``
    The active, trained version of ``profile_id`` (another workspace's id: None), or of the
    workspace's default profile when ``profile_id`` is None. None when there is none yet.

``brand_score(*, workspace, version, texts) -> list[BrandScore]``
    One :class:`~apps.brand.types.BrandScore` per text, in order: ``score`` 0–100 (calibrated:
    50 is "as likely this brand as not"), ``rules_broken`` (banned terms, person, emoji,
    exclamation marks, reading level), ``brand_terms`` (lexicon terms used), ``pulled_down_by``
    (the style statistics furthest from the brand's), ``copied`` (10+ consecutive words of the
    brand's material). Rank candidates with ``sorted(scores, key=lambda s: s.sort_key)``.
    1,000 texts score in well under a second once the version is loaded (cached per process).

``brand_voice(*, workspace, version, query="", copy_type="", k=3) -> BrandVoice``
    How the brand writes (:class:`~apps.brand.types.BrandVoice`): the style guide (tone,
    person, emoji and exclamation policy, reading level, banned and preferred terms, the brand's
    own names), the style learned from its material (words per sentence, sentences per text,
    the lexicon) and the ``k`` exemplars of its own copy nearest to ``query`` (a product's
    title, type and attributes), those of ``copy_type`` first. Record ``version.pk`` as the
    output's provenance.

``brand_rules_enforce(*, voice, text) -> rules.Enforced`` and ``brand_rules_check(*, voice,
text) -> list[str]``
    The style guide's one rules engine (:mod:`apps.brand.rules`), applied and checked with the
    same table of banned terms and the same matcher.

``brand_material_add_approved(*, workspace, profile, text, source_key, title="", copy_type="")``
    Approved copy (or a reviewer's edit of it) joins the profile's material, with the kind of
    copy it is. Idempotent by ``source_key`` (e.g. ``f"copy:{copy.pk}"``): the same key again
    updates the text, never duplicates it. Enough new material makes the scheduled task train a

``score_with(runtime, texts)`` and ``brand_voice_from_trained(name=, trained=)``
    The same scores and voice from a version loaded or trained in memory (benchmarks and the
    ``evaluate_brands`` command).

Refusals are :class:`~apps.core.errors.ServiceError` with a message for people.

The writes, by sub-domain (each takes the acting member, ``actor=``, where a person acts):

* :mod:`~apps.brand.services.profiles`: profiles and their style guides;
* :mod:`~apps.brand.services.material`: pasted, uploaded and approved material;
* :mod:`~apps.brand.services.versions`: training versions, activating and rolling back;
* :mod:`~apps.brand.services.fine_tuning`: fine-tuning on approved copy, routing to the model.
"""

from apps.brand.services.material import brand_material_add_approved
from apps.brand.services.voice import (
    brand_profile_active_version,
    brand_rules_check,
    brand_rules_enforce,
    brand_score,
    brand_voice,
    brand_voice_from_trained,
    score_with,
    tone_line,
)

__all__ = [
    "brand_material_add_approved",
    "brand_profile_active_version",
    "brand_rules_check",
    "brand_rules_enforce",
    "brand_score",
    "brand_voice",
    "brand_voice_from_trained",
    "score_with",
    "tone_line",
]
