"""Reads for brand lighting profiles: each brand's active light, versions, references."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from apps.brand.models import BrandProfile, LightingProfile, LightingReference, LightingStatus
from apps.workspaces.models import Workspace


def lighting_profile_active(
    *, workspace: Workspace, brand_id: int | None = None
) -> LightingProfile | None:
    """The active, learned light of brand ``brand_id``; without one, of the workspace's default
    brand profile, or of its only brand with a light."""
    lights = (
        LightingProfile.objects.for_workspace(workspace)
        .filter(is_active=True, status=LightingStatus.READY)
        .select_related("brand")
        .order_by("-brand__is_default", "brand__name", "brand_id")
    )
    if brand_id is not None:
        return lights.filter(brand_id=brand_id).first()
    found = list(lights[:2])
    if not found:
        return None
    if found[0].brand.is_default or len(found) == 1:
        return found[0]
    return None  # several brands, none the default: the person chooses


def lighting_profile_list(*, workspace: Workspace, brand: BrandProfile) -> list[LightingProfile]:
    return list(
        LightingProfile.objects.for_workspace(workspace)
        .filter(brand=brand)
        .select_related("job")
        .prefetch_related("references")
    )


def lighting_profile_get(*, workspace: Workspace, profile_id: int) -> LightingProfile:
    return get_object_or_404(
        LightingProfile.objects.for_workspace(workspace).select_related("brand"), pk=profile_id
    )


def lighting_reference_get(*, workspace: Workspace, reference_id: int) -> LightingReference:
    return get_object_or_404(LightingReference.objects.for_workspace(workspace), pk=reference_id)


@dataclass(frozen=True)
class BrandLight:
    brand: BrandProfile
    active: LightingProfile | None
    versions: int
    learning: bool


def brand_lights(*, workspace: Workspace) -> list[BrandLight]:
    """Every brand profile with its active light (the studio's and the dashboard's overview)."""
    brands = list(BrandProfile.objects.for_workspace(workspace).order_by("name", "pk"))
    lights = list(
        LightingProfile.objects.for_workspace(workspace)
        .filter(brand__in=brands)
        .prefetch_related("references")
    )
    overview = []
    for brand in brands:
        own = [light for light in lights if light.brand_id == brand.pk]
        active = next((x for x in own if x.is_active and x.status == LightingStatus.READY), None)
        learning = any(x.status == LightingStatus.TRAINING for x in own)
        overview.append(BrandLight(brand, active, len(own), learning))
    return overview
