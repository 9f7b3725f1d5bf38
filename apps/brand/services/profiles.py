"""Brand profiles and their style guides: create, mark the default, save the style guide.

Every service here acts for a person (``actor=``) and checks ``brand.manage`` itself; the row
it changes is reached through :func:`access_profile_for_update`."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction

from apps.brand import rules as style_rules
from apps.brand.models import BrandProfile, Person, Policy
from apps.core.errors import ServiceError
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.roles import Action


def access_profile_for_update(actor: Actor, profile_id: int) -> BrandProfile:
    return access_for_update(
        actor,
        BrandProfile,
        profile_id,
        action=Action.MANAGE_BRAND,
        missing="This brand profile no longer exists.",
    )


@transaction.atomic(durable=True)
def profile_create(*, actor: Actor, name: str, description: str = "") -> BrandProfile:
    actor.require(Action.MANAGE_BRAND)
    workspace = actor.workspace
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ServiceError("Give the profile a name.", field="name")
    if BrandProfile.objects.for_workspace(workspace).filter(name__iexact=name).exists():
        raise ServiceError(f"There is already a profile called “{name}”.", field="name")
    return BrandProfile.objects.create(
        workspace=workspace,
        name=name,
        description=(description or "").strip()[:300],
        created_by=actor.user,
    )


@transaction.atomic(durable=True)
def profile_set_default(*, actor: Actor, profile_id: int, is_default: bool) -> BrandProfile:
    """Mark (or unmark) the profile whose voice the copy studio applies unless a run says
    otherwise; at most one profile of a workspace is the default."""
    profile = access_profile_for_update(actor, profile_id)
    if is_default:
        BrandProfile.objects.for_workspace(actor.workspace).filter(is_default=True).exclude(
            pk=profile.pk
        ).update(is_default=False)
    profile.is_default = is_default
    profile.save(update_fields=["is_default", "updated_at"])
    return profile


@transaction.atomic(durable=True)
def profile_update_style(
    *,
    actor: Actor,
    profile_id: int,
    tone_words: str = "",
    banned: str | Sequence = "",
    preferred_terms: str | Sequence[str] = "",
    own_names: str | Sequence[str] = "",
    person: str = Person.ANY,
    reading_grade_target: float | None = None,
    emoji_policy: str = Policy.NEVER,
    exclamation_policy: str = Policy.SPARINGLY,
    use_workspace_copy: bool = False,
    auto_train_min_new: int = 20,
) -> BrandProfile:
    """Save the style guide. Banned terms are literal text (``term`` or ``term => replacement``
    a line); empty entries are dropped."""
    profile = access_profile_for_update(actor, profile_id)
    if person not in Person.values:
        raise ServiceError("Choose who the copy speaks as.", field="person")
    if emoji_policy not in Policy.values or exclamation_policy not in Policy.values:
        raise ServiceError("Choose a policy for emoji and exclamation marks.")
    if reading_grade_target is not None and not 1 <= reading_grade_target <= 20:
        raise ServiceError(
            "The reading level is a school grade from 1 to 20.", field="reading_grade_target"
        )
    if not isinstance(auto_train_min_new, int) or auto_train_min_new < 0:
        raise ServiceError("Give a whole number (0 switches automatic training off).")
    banned_entries = (
        style_rules.parse_banned_lines(banned)
        if isinstance(banned, str)
        else style_rules.clean_banned(banned)
    )
    if isinstance(preferred_terms, str):
        preferred_terms = preferred_terms.replace(",", "\n").splitlines()
    preferred = list(dict.fromkeys(" ".join(t.split()) for t in preferred_terms if t.strip()))
    if isinstance(own_names, str):
        own_names = own_names.splitlines()
    names = list(dict.fromkeys(" ".join(n.split())[:100] for n in own_names if n.strip()))
    profile.tone_words = " ".join((tone_words or "").split())[:300]
    profile.banned_terms = [{"term": e.term, "replacement": e.replacement} for e in banned_entries]
    profile.preferred_terms = preferred[:200]
    profile.own_names = names[:200]
    profile.person = person
    profile.reading_grade_target = reading_grade_target
    profile.emoji_policy = emoji_policy
    profile.exclamation_policy = exclamation_policy
    profile.use_workspace_copy = bool(use_workspace_copy)
    profile.auto_train_min_new = auto_train_min_new
    profile.save()
    return profile
