"""What the copy studio's services share: the brief of a run, the checked kind of copy, and the
setting a generation is written in (the product, the workspace's settings, the brand voice)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from apps.accounts.models import User
from apps.brand.models import ProfileVersion
from apps.brand.services import brand_profile_active_version
from apps.catalog.models import Product
from apps.copywriting import channels, generation, prompting, selectors
from apps.core.errors import ServiceError
from apps.workspaces.models import Workspace

GENERATE_JOB_KIND = selectors.GENERATE_JOB_KIND
CREDIT_KIND = "copy_variant"
MAX_VARIANTS = 5
NO_BRAND_PROFILE = 0  # the brief's explicit "no brand profile" (None: the default one)
MAX_PRODUCTS_PER_RUN = 5000


@dataclass(frozen=True)
class CopyBrief:
    copy_types: tuple[str, ...]
    variants: int = 3
    instructions: str = ""
    keywords: tuple[str, ...] = ()
    tone: str = ""
    skip_approved: bool = True
    # None: the profile a brand manager marked as the workspace's default (if any); 0: none.
    brand_profile_id: int | None = None

    def as_params(self) -> dict[str, Any]:
        data = asdict(self)
        data["copy_types"] = list(self.copy_types)
        data["keywords"] = list(self.keywords)
        return data

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CopyBrief:
        return cls(
            copy_types=tuple(params.get("copy_types", ())),
            variants=int(params.get("variants", 3)),
            instructions=params.get("instructions", ""),
            keywords=tuple(params.get("keywords", ())),
            tone=params.get("tone", ""),
            skip_approved=bool(params.get("skip_approved", True)),
            brand_profile_id=params.get("brand_profile_id"),
        )


def spec_checked(workspace: Workspace, code: str) -> channels.CopySpec:
    """The workspace's spec of ``code``; refused when ``code`` is not a kind of copy."""
    if code not in channels.SPECS:
        raise ServiceError(f"“{code}” is not a kind of copy.", field="copy_types")
    return selectors.spec_for_workspace(workspace=workspace, code=code)


def brand_version(workspace: Workspace, brief: CopyBrief) -> ProfileVersion | None:
    """The brand profile version that steers this copy: the brief's profile, else the
    workspace's default one; None until a profile has been trained."""
    if brief.brand_profile_id == NO_BRAND_PROFILE:
        return None
    return brand_profile_active_version(workspace, brief.brand_profile_id)


def _prompt_brief(
    workspace: Workspace, brief: CopyBrief, *, feedback: str = "", previous: dict | None = None
) -> prompting.Brief:
    settings_row = selectors.copy_settings_for(workspace=workspace)
    return prompting.Brief(
        keywords=brief.keywords,
        tone=brief.tone or settings_row.default_tone,
        instructions=brief.instructions,
        feedback=feedback,
        previous=previous,
        target_words=settings_row.description_target_words,
        bullet_max=settings_row.amazon_bullet_max_chars,
    )


def setting_for(
    workspace: Workspace,
    spec: channels.CopySpec,
    product: Product,
    brief: CopyBrief,
    *,
    feedback: str = "",
    previous: dict | None = None,
) -> generation.Setting:
    return generation.setting_for(
        workspace=workspace,
        spec=spec,
        product=product,
        brief=_prompt_brief(workspace, brief, feedback=feedback, previous=previous),
        version=brand_version(workspace, brief),
        foreign_names=selectors.foreign_brand_names(workspace=workspace, product=product),
    )


def generate(
    workspace: Workspace,
    actor: User | None,
    setting: generation.Setting,
    n: int,
    *,
    seed: int | None = None,
) -> list[generation.Candidate]:
    return generation.generate(workspace=workspace, actor=actor, setting=setting, n=n, seed=seed)


def variant_fields(candidate: generation.Candidate) -> dict[str, Any]:
    """A generated candidate as the fields of a CopyVariant row."""
    return {
        "data": candidate.data,
        "repaired": candidate.repaired,
        "brand_score": candidate.brand_score,
        "score_explanation": candidate.score_explanation,
        "claims": candidate.claims,
        "removed": candidate.removed,
        "notes": candidate.notes,
        **candidate.provenance,
    }
