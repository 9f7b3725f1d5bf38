"""Reads for brand profiles, and the in-process cache of trained versions ready to score."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.shortcuts import get_object_or_404

from apps.brand import exemplars, registry, rules, scoring, text
from apps.brand.models import (
    BrandProfile,
    FineTuneRun,
    MaterialSource,
    MaterialText,
    MaterialUpload,
    ProfileVersion,
    VersionStatus,
)
from apps.workspaces.models import Workspace


def profile_list(*, workspace: Workspace) -> QuerySet[BrandProfile]:
    return (
        BrandProfile.objects.for_workspace(workspace)
        .select_related("active_version")
        .annotate(material_count=Count("material", distinct=True))
    )


def profile_get(*, workspace: Workspace, profile_id: int) -> BrandProfile:
    """The profile, or 404: another workspace's profile is not found."""
    return get_object_or_404(
        BrandProfile.objects.for_workspace(workspace).select_related("active_version"),
        pk=profile_id,
    )


def profile_default(*, workspace: Workspace) -> BrandProfile | None:
    """The profile a brand manager marked as the workspace's default, or None: a profile is
    never applied to copy just because it exists."""
    return (
        BrandProfile.objects.for_workspace(workspace)
        .select_related("active_version")
        .filter(is_default=True)
        .order_by("created_at", "pk")
        .first()
    )


def version_list(*, workspace: Workspace, profile: BrandProfile) -> list[ProfileVersion]:
    return list(
        ProfileVersion.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk)
        .select_related("job")
        .defer("scorer", "exemplar_pool")
    )


def version_get(*, workspace: Workspace, version_id: int) -> ProfileVersion:
    return get_object_or_404(
        ProfileVersion.objects.for_workspace(workspace).select_related("profile"), pk=version_id
    )


def version_training(*, workspace: Workspace, profile: BrandProfile) -> ProfileVersion | None:
    return (
        ProfileVersion.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk, status=VersionStatus.TRAINING)
        .select_related("job")
        .defer("scorer", "exemplar_pool")
        .first()
    )


@dataclass(frozen=True)
class MaterialSummary:
    total: int
    by_source: dict[str, int]
    newest: object
    since_active: int


def material_summary(*, workspace: Workspace, profile: BrandProfile) -> MaterialSummary:
    rows = MaterialText.objects.for_workspace(workspace).filter(profile_id=profile.pk)
    by_source = {
        MaterialSource(row["source"]).label: row["n"]
        for row in rows.values("source").annotate(n=Count("pk")).order_by("source")
    }
    newest = rows.aggregate(newest=Max("updated_at"))["newest"]
    return MaterialSummary(
        total=sum(by_source.values()),
        by_source=by_source,
        newest=newest,
        since_active=material_new_since(workspace=workspace, profile=profile),
    )


def material_new_since(*, workspace: Workspace, profile: BrandProfile) -> int:
    """Texts added or changed since the active version was trained (all, without one)."""
    rows = MaterialText.objects.for_workspace(workspace).filter(profile_id=profile.pk)
    version = profile.active_version
    if version is not None and version.trained_at:
        rows = rows.filter(updated_at__gt=version.trained_at)
    return rows.count()


def material_recent(
    *, workspace: Workspace, profile: BrandProfile, limit: int = 10
) -> list[MaterialText]:
    return list(MaterialText.objects.for_workspace(workspace).filter(profile_id=profile.pk)[:limit])


def material_items(*, workspace: Workspace, profile: BrandProfile) -> list[tuple[str, ...]]:
    """(title, text, copy type) of the profile's own material, and the catalog's copy when it
    uses it."""
    items: list[tuple[str, ...]] = list(
        MaterialText.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk)
        .order_by("pk")
        .values_list("title", "text", "copy_type")
    )
    if profile.use_workspace_copy:
        items += workspace_copy_items(workspace=workspace)
    return items


def workspace_copy_items(*, workspace: Workspace) -> list[tuple[str, str]]:
    """The workspace's own copy from the registered sources (the catalog's live descriptions
    and approved copy), as (product title, plain text)."""
    return [
        (title, text.html_to_text(body))
        for source in registry.workspace_copy_sources()
        for title, body in source(workspace=workspace)
    ]


def approved_texts(*, workspace: Workspace, profile: BrandProfile) -> list[str]:
    return list(
        MaterialText.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk, source=MaterialSource.APPROVED)
        .order_by("pk")
        .values_list("text", flat=True)
    )


def other_profiles_texts(
    *, workspace: Workspace, profile: BrandProfile, limit: int = 4000
) -> list[str]:
    return list(
        MaterialText.objects.for_workspace(workspace)
        .filter(~Q(profile_id=profile.pk))
        .order_by("?")
        .values_list("text", flat=True)[:limit]
    )


def upload_get(*, workspace: Workspace, upload_id: int) -> MaterialUpload:
    return get_object_or_404(
        MaterialUpload.objects.for_workspace(workspace).select_related("profile"), pk=upload_id
    )


def upload_list(
    *, workspace: Workspace, profile: BrandProfile, limit: int = 5
) -> list[MaterialUpload]:
    return list(
        MaterialUpload.objects.for_workspace(workspace).filter(profile_id=profile.pk)[:limit]
    )


def upload_rows(
    record: MaterialUpload, *, limit: int | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) of the stored UTF-8 file; the header is row 1."""
    with record.file.open("rb") as handle:
        stream = io.TextIOWrapper(handle, encoding="utf-8", newline="")
        reader = csv.reader(stream, delimiter=record.delimiter)
        next(reader, None)
        for number, row in enumerate(reader, start=2):
            if limit is not None and number > limit + 1:
                break
            if any(cell.strip() for cell in row):
                yield number, row


def upload_preview(
    record: MaterialUpload, mapping: dict[str, str], *, limit: int = 5
) -> list[tuple[int, str, str]]:
    """The first rows of an upload as (row, title, text) under ``mapping``."""
    headers = record.headers
    text_at = headers.index(mapping["text"]) if mapping.get("text") in headers else None
    title_at = headers.index(mapping["title"]) if mapping.get("title") in headers else None
    preview = []
    for number, row in upload_rows(record, limit=limit):
        body = row[text_at] if text_at is not None and text_at < len(row) else ""
        title = row[title_at] if title_at is not None and title_at < len(row) else ""
        preview.append((number, title, text.material_text(body)))
    return preview


def fine_tune_list(
    *, workspace: Workspace, profile: BrandProfile, limit: int = 5
) -> list[FineTuneRun]:
    return list(
        FineTuneRun.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk)
        .defer("training_file")[:limit]
    )


def fine_tune_get(*, workspace: Workspace, run_id: int) -> FineTuneRun:
    return get_object_or_404(
        FineTuneRun.objects.for_workspace(workspace).select_related("profile"), pk=run_id
    )


def score_trend(versions: list[ProfileVersion]) -> list[dict]:
    """Per ready version, oldest first: the mean score of the approved copy it was trained
    with, and of the held-out material."""
    trend = []
    for version in sorted(versions, key=lambda v: v.number):
        if not version.is_ready:
            continue
        evaluation = version.evaluation or {}
        trend.append(
            {
                "number": version.number,
                "approved_mean": evaluation.get("approved_mean"),
                "approved_count": evaluation.get("approved_count", 0),
                "heldout_mean": evaluation.get("mean_heldout_score"),
            }
        )
    return trend


# --- Trained versions, ready to score -----------------------------------------------------------


@dataclass
class VersionRuntime:
    version_id: int
    scorer: scoring.ScorerModel
    index: exemplars.ExemplarIndex
    shingles: set
    lexicon: list[str]
    stats: dict
    guide: rules.StyleGuide


_CACHE: OrderedDict[tuple, VersionRuntime] = OrderedDict()
_CACHE_LOCK = threading.Lock()
CACHE_SIZE = 16


def style_guide(profile: BrandProfile) -> rules.StyleGuide:
    return rules.StyleGuide(
        banned=tuple(rules.clean_banned(profile.banned_terms)),
        person=profile.person,
        emoji_policy=profile.emoji_policy,
        exclamation_policy=profile.exclamation_policy,
        reading_grade_target=profile.reading_grade_target,
    )


def version_runtime(*, workspace: Workspace, version: ProfileVersion) -> VersionRuntime:
    """The version's scorer, exemplar index and copy check, loaded once per process."""
    profile = BrandProfile.objects.for_workspace(workspace).get(pk=version.profile_id)
    key = (version.pk, version.trained_at, profile.updated_at)
    with _CACHE_LOCK:
        runtime = _CACHE.get(key)
        if runtime is not None:
            _CACHE.move_to_end(key)
            return runtime
    stored = (
        ProfileVersion.objects.for_workspace(workspace)
        .filter(pk=version.pk)
        .values("scorer", "exemplar_pool", "lexicon", "stats")
        .get()
    )
    pool = stored["exemplar_pool"] or []
    if isinstance(pool, str):
        pool = json.loads(pool)
    runtime = VersionRuntime(
        version_id=version.pk,
        scorer=scoring.ScorerModel.from_bytes(bytes(stored["scorer"] or b"")),
        index=exemplars.ExemplarIndex(pool),
        shingles=text.shingle_index(entry[1] for entry in pool),
        lexicon=[entry["term"] for entry in stored["lexicon"] or []],
        stats=stored["stats"] or {},
        guide=style_guide(profile),
    )
    with _CACHE_LOCK:
        _CACHE[key] = runtime
        while len(_CACHE) > CACHE_SIZE:
            _CACHE.popitem(last=False)
    return runtime
