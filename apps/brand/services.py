"""Brand profiles: the public API other apps call, and the writes behind the brand pages.

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
    new version.

Refusals are :class:`~apps.core.errors.ServiceError` with a message for people.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import tempfile
import uuid
from collections.abc import Sequence

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from apps.accounts.models import User
from apps.brand import lexicon, registry, selectors, text, training
from apps.brand import rules as style_rules
from apps.brand.models import (
    BrandProfile,
    FineTuneRun,
    FineTuneStatus,
    MaterialSource,
    MaterialText,
    MaterialUpload,
    Person,
    Policy,
    ProfileVersion,
    UploadStatus,
    VersionStatus,
)
from apps.brand.types import BrandScore, BrandVoice, VoiceExemplar
from apps.core.errors import ServiceError
from apps.gateway.model_settings import MAX_FALLBACKS, model_entry_add_own, route_save
from apps.gateway.models import RouteEntry
from apps.gateway.types import TaskKind
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace

logger = logging.getLogger(__name__)

TRAIN_JOB_KIND = "brand.train"
TRAINING_WORK_KIND = "training_run"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 20_000
PROMPT_LEXICON_SIZE = 30


# --- Public API ---------------------------------------------------------------------------------


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


def brand_material_add_approved(
    *,
    workspace: Workspace,
    profile: BrandProfile,
    text: str,
    source_key: str,
    title: str = "",
    copy_type: str = "",
) -> MaterialText:
    if profile.workspace_id != workspace.pk:
        raise ServiceError("This brand profile belongs to another workspace.", code="not_found")
    key = (source_key or "").strip()[:255]
    if not key:
        raise ServiceError("Approved copy needs a source key (e.g. copy:<id>).")
    body = _clean_text(text)
    if not body:
        raise ServiceError("Approved copy is empty; nothing was added to the material.")
    with transaction.atomic():
        material, created = MaterialText.objects.for_workspace(workspace).get_or_create(
            workspace=workspace,
            profile=profile,
            source_key=key,
            defaults={
                "source": MaterialSource.APPROVED,
                "title": title[:500],
                "text": body,
                "copy_type": copy_type[:40],
            },
        )
        if not created and (
            material.text != body
            or (title and material.title != title)
            or material.copy_type != copy_type[:40]
        ):
            material.text = body
            material.title = title[:500] or material.title
            material.copy_type = copy_type[:40]
            material.save(update_fields=["text", "title", "copy_type", "updated_at"])
    return material


def tone_line(profile: BrandProfile) -> str:
    """The style guide as one instruction line (the tone a prompt carries)."""
    parts = []
    if profile.tone_words.strip():
        parts.append(profile.tone_words.strip())
    person = {
        Person.WE: "speak as “we”",
        Person.YOU: "address the reader as “you”, never “we”",
        Person.THIRD: "no “we” and no “I”",
    }.get(profile.person)
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


def _clean_text(value: str) -> str:
    return text.html_to_text(str(value or ""))[:MAX_TEXT_CHARS].strip()


# --- Profiles and the style guide ---------------------------------------------------------------


@transaction.atomic
def profile_create(
    *, workspace: Workspace, actor: User | None, name: str, description: str = ""
) -> BrandProfile:
    name = " ".join((name or "").split())[:120]
    if not name:
        raise ServiceError("Give the profile a name.", field="name")
    if BrandProfile.objects.for_workspace(workspace).filter(name__iexact=name).exists():
        raise ServiceError(f"There is already a profile called “{name}”.", field="name")
    return BrandProfile.objects.create(
        workspace=workspace,
        name=name,
        description=(description or "").strip()[:300],
        created_by=actor,
    )


@transaction.atomic
def profile_set_default(
    *, workspace: Workspace, actor: User | None, profile_id: int, is_default: bool
) -> BrandProfile:
    """Mark (or unmark) the profile whose voice the copy studio applies unless a run says
    otherwise; at most one profile of a workspace is the default."""
    profile = _profile_locked(workspace, profile_id)
    if is_default:
        BrandProfile.objects.for_workspace(workspace).filter(is_default=True).exclude(
            pk=profile.pk
        ).update(is_default=False)
    profile.is_default = is_default
    profile.save(update_fields=["is_default", "updated_at"])
    return profile


@transaction.atomic
def profile_update_style(
    *,
    workspace: Workspace,
    actor: User | None,
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
    profile = _profile_locked(workspace, profile_id)
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


def _profile_locked(workspace: Workspace, profile_id: int) -> BrandProfile:
    profile = (
        BrandProfile.objects.for_workspace(workspace).select_for_update().filter(pk=profile_id)
    ).first()
    if profile is None:
        raise ServiceError("This brand profile no longer exists.", code="not_found")
    return profile


# --- Material -----------------------------------------------------------------------------------


@transaction.atomic
def material_paste(
    *, workspace: Workspace, actor: User | None, profile_id: int, content: str, split: str = "blank"
) -> int:
    """Add pasted copy: one text per block separated by a blank line (``split="blank"``), per
    line (``"line"``), or all as one text (``"whole"``). Returns how many texts were new."""
    profile = _profile_locked(workspace, profile_id)
    content = (content or "").replace("\r\n", "\n")
    if split == "line":
        pieces = content.split("\n")
    elif split == "whole":
        pieces = [content]
    else:
        pieces = [p for p in content.split("\n\n")]
    added = 0
    for piece in pieces:
        body = _clean_text(piece)
        if len(body) < 3:
            continue
        key = "paste:" + hashlib.sha256(body.encode()).hexdigest()[:40]
        _, created = MaterialText.objects.for_workspace(workspace).get_or_create(
            workspace=workspace,
            profile=profile,
            source_key=key,
            defaults={"source": MaterialSource.PASTE, "text": body},
        )
        added += created
    if not added and not any(_clean_text(p) for p in pieces):
        raise ServiceError("Paste some copy first: the box is empty.", field="content")
    return added


def material_upload(
    *, workspace: Workspace, actor: User | None, profile_id: int, upload: UploadedFile
) -> MaterialUpload:
    """Store a CSV of past copy and read its header; its columns are mapped next."""
    from apps.catalog import importing

    name = (upload.name or "copy.csv").rsplit("/", 1)[-1][:255]
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(
            f"“{name}” is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", field="file"
        )
    with tempfile.TemporaryFile() as transcoded:
        try:
            upload.seek(0)
            encoding, delimiter, scan = importing.transcode_and_scan(
                upload, transcoded, name=name, fmt="generic"
            )
        except importing.ImportFileError as error:
            raise ServiceError(str(error), field="file") from None
        transcoded.seek(0)
        with transaction.atomic():
            profile = _profile_locked(workspace, profile_id)
            guessed = importing.guess_mapping(scan.headers)
            mapping = {"text": guessed.get("body_html", ""), "title": guessed.get("title", "")}
            record = MaterialUpload(
                workspace=workspace,
                profile=profile,
                original_name=name,
                detected_encoding=encoding,
                delimiter=delimiter,
                headers=scan.headers,
                row_count=scan.row_count,
                mapping={k: v for k, v in mapping.items() if v},
                created_by=actor,
            )
            record.file.save(f"{uuid.uuid4().hex}.csv", File(transcoded), save=False)
            record.save()
    return record


def upload_rows(record: MaterialUpload, *, limit: int | None = None):
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
    headers = record.headers
    text_at = headers.index(mapping["text"]) if mapping.get("text") in headers else None
    title_at = headers.index(mapping["title"]) if mapping.get("title") in headers else None
    preview = []
    for number, row in upload_rows(record, limit=limit):
        body = row[text_at] if text_at is not None and text_at < len(row) else ""
        title = row[title_at] if title_at is not None and title_at < len(row) else ""
        preview.append((number, title, _clean_text(body)))
    return preview


def material_upload_confirm(
    *, workspace: Workspace, actor: User | None, upload_id: int, text_column: str, title_column=""
) -> MaterialUpload:
    """Import the mapped rows: one text each. Rows without text are listed (row, column,
    reason) and skipped; importing the same file again adds nothing twice."""
    with transaction.atomic():
        record = (
            MaterialUpload.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk=upload_id)
            .first()
        )
        if record is None:
            raise ServiceError("This upload no longer exists.", code="not_found")
        if record.status == UploadStatus.IMPORTED:
            raise ServiceError(f"“{record.original_name}” has already been imported.")
        if text_column not in record.headers:
            raise ServiceError(
                f"“{record.original_name}” has no column “{text_column}”: choose the column that "
                "holds the copy.",
                field="text",
            )
        if title_column and title_column not in record.headers:
            raise ServiceError(
                f"“{record.original_name}” has no column “{title_column}”.", field="title"
            )
        text_at = record.headers.index(text_column)
        title_at = record.headers.index(title_column) if title_column else None
        errors, imported = [], 0
        for number, row in upload_rows(record):
            body = _clean_text(row[text_at]) if text_at < len(row) else ""
            if len(body) < 3:
                errors.append(
                    {
                        "row": number,
                        "column": text_column,
                        "message": f"“{record.original_name}”, row {number}: the "
                        f"“{text_column}” cell is empty; the row was skipped.",
                    }
                )
                continue
            title = (
                row[title_at].strip()[:500] if title_at is not None and title_at < len(row) else ""
            )
            _, created = MaterialText.objects.for_workspace(workspace).update_or_create(
                workspace=workspace,
                profile_id=record.profile_id,
                source_key="csv:" + hashlib.sha256(body.encode()).hexdigest()[:40],
                defaults={"source": MaterialSource.CSV, "title": title, "text": body},
            )
            imported += created
        record.mapping = {"text": text_column, "title": title_column or ""}
        record.status = UploadStatus.IMPORTED
        record.imported = imported
        record.errors = errors[:1000]
        record.save()
    return record


# --- Training -----------------------------------------------------------------------------------


@transaction.atomic
def profile_train(*, workspace: Workspace, actor: User | None, profile_id: int) -> ProfileVersion:
    """Start training a new version (a job). Refused with too little material (saying how
    much more is needed), while a version is training, or without credits."""
    from apps.billing.services.credits import credits_check_can_start
    from apps.jobs.services import job_create

    profile = _profile_locked(workspace, profile_id)
    if selectors.version_training(workspace=workspace, profile=profile) is not None:
        raise ServiceError("A version of this profile is already training; wait for it to finish.")
    count = len(
        training.clean_material(selectors.material_items(workspace=workspace, profile=profile))
    )
    if count < training.MIN_TEXTS:
        raise ServiceError(str(training.NotEnoughMaterial(count)), code="not_enough_material")
    credits_check_can_start(workspace=workspace, kind=TRAINING_WORK_KIND)
    number = (
        ProfileVersion.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk)
        .aggregate(n=Max("number"))["n"]
        or 0
    ) + 1
    version = ProfileVersion.objects.create(
        workspace=workspace, profile=profile, number=number, created_by=actor
    )
    job = job_create(
        workspace=workspace,
        created_by=actor,
        kind=TRAIN_JOB_KIND,
        items=[(f"{profile.name} v{number}", {"version_id": version.pk})],
        label=f"Train brand profile “{profile.name}” v{number}",
    )
    version.job = job
    version.save(update_fields=["job"])
    return version


def profile_version_train(*, workspace: Workspace, version_id: int) -> ProfileVersion:
    """The training job's work: train, store, activate, charge once. Safe to run twice."""
    from apps.billing.services.credits import credits_release, credits_reserve, credits_settle

    version = (
        ProfileVersion.objects.for_workspace(workspace)
        .select_related("profile")
        .defer("scorer", "exemplar_pool")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise ServiceError("This profile version no longer exists.", code="not_found")
    if version.status != VersionStatus.TRAINING:
        return version  # a retried item: already trained (or failed for good)
    profile = version.profile
    key = f"brand-train:{version.pk}"
    try:
        reservation = credits_reserve(workspace=workspace, key=key, kind=TRAINING_WORK_KIND)
    except ServiceError as error:
        _version_fail(workspace, version.pk, error.message)
        raise
    material = selectors.material_items(workspace=workspace, profile=profile)
    others = selectors.other_profiles_texts(workspace=workspace, profile=profile)
    try:
        trained = training.train_profile(material=material, others=others, seed=version.pk)
    except training.NotEnoughMaterial as error:
        credits_release(workspace=workspace, key=key, reason="not enough material")
        _version_fail(workspace, version.pk, str(error))
        raise ServiceError(str(error)) from None
    except Exception:
        credits_release(workspace=workspace, key=key, reason="training failed")
        _version_fail(workspace, version.pk, "Training failed unexpectedly; try again.")
        raise
    approved = selectors.approved_texts(workspace=workspace, profile=profile)
    evaluation = dict(trained.evaluation)
    if approved:
        scores = trained.scorer.scores(approved)
        evaluation["approved_mean"] = round(float(scores.mean()), 2)
        evaluation["approved_count"] = len(approved)
    with transaction.atomic():
        locked = (
            ProfileVersion.objects.for_workspace(workspace)
            .select_for_update()
            .filter(pk=version.pk, status=VersionStatus.TRAINING)
            .first()
        )
        if locked is None:
            return version
        locked.summary = trained.summary
        locked.stats = trained.stats
        locked.lexicon = trained.lexicon
        locked.exemplar_pool = trained.exemplar_pool
        locked.scorer = trained.scorer.to_bytes()
        locked.evaluation = evaluation
        locked.status = VersionStatus.READY
        locked.trained_at = timezone.now()
        locked.error = ""
        locked.save()
        profile = _profile_locked(workspace, profile.pk)
        profile.active_version = locked
        profile.save(update_fields=["active_version", "updated_at"])
        if reservation.state != "settled":
            credits_settle(workspace=workspace, key=key)
    return locked


def _version_fail(workspace: Workspace, version_id: int, message: str) -> None:
    ProfileVersion.objects.for_workspace(workspace).filter(
        pk=version_id, status=VersionStatus.TRAINING
    ).update(status=VersionStatus.FAILED, error=message[:2000])


@transaction.atomic
def version_activate(
    *, workspace: Workspace, actor: User | None, version_id: int
) -> ProfileVersion:
    """Make ``version_id`` the profile's active version (activating an older one rolls back)."""
    version = (
        ProfileVersion.objects.for_workspace(workspace)
        .defer("scorer", "exemplar_pool")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise ServiceError("This profile version no longer exists.", code="not_found")
    if not version.is_ready:
        raise ServiceError(f"Version {version.number} is not trained, so it cannot be used.")
    profile = _profile_locked(workspace, version.profile_id)
    if profile.active_version_id == version.pk:
        raise ServiceError(f"Version {version.number} is already the active version.")
    profile.active_version = version
    profile.save(update_fields=["active_version", "updated_at"])
    return version


def brand_train_due() -> int:
    """Site-wide sweep (Celery beat): start training profiles whose new material reached their
    threshold. Returns how many trainings were started."""
    started = 0
    candidates = (
        BrandProfile.objects.all_workspaces()
        .filter(auto_train_min_new__gt=0)
        .select_related("workspace", "active_version")
    )
    for profile in candidates.iterator():
        workspace = profile.workspace
        if selectors.version_training(workspace=workspace, profile=profile) is not None:
            continue
        if selectors.material_new_since(workspace=workspace, profile=profile) < max(
            profile.auto_train_min_new, 1
        ):
            continue
        try:
            profile_train(workspace=workspace, actor=None, profile_id=profile.pk)
        except ServiceError as error:
            logger.info("Brand profile %s not trained: %s", profile.pk, error.message)
            continue
        started += 1
    return started


# --- Fine-tuning (openai provider) ---------------------------------------------------------------

MIN_FINE_TUNE_EXAMPLES = 10


def fine_tune_examples(*, workspace: Workspace, profile: BrandProfile) -> list[dict]:
    """Chat-format training examples from the registered sources (the copy studio's approved
    copy, one example per kind of copy with that kind's own instruction), duplicates dropped."""
    examples, seen = [], set()
    for source in registry.fine_tune_sources():
        for example in source(workspace=workspace, profile=profile):
            key = json.dumps(example["messages"], sort_keys=True)
            if key not in seen:
                seen.add(key)
                examples.append(example)
    return examples


@transaction.atomic
def fine_tune_start(*, workspace: Workspace, actor: User | None, profile_id: int) -> FineTuneRun:
    """Export approved pairs as JSONL and queue the upload and the fine-tuning job."""
    from apps.brand import tasks

    profile = _profile_locked(workspace, profile_id)
    if (
        FineTuneRun.objects.for_workspace(workspace)
        .filter(profile_id=profile.pk, status__in=[FineTuneStatus.PENDING, FineTuneStatus.RUNNING])
        .exists()
    ):
        raise ServiceError("A fine-tuning job for this profile is already under way.")
    examples = fine_tune_examples(workspace=workspace, profile=profile)
    if len(examples) < MIN_FINE_TUNE_EXAMPLES:
        raise ServiceError(
            f"Fine-tuning needs at least {MIN_FINE_TUNE_EXAMPLES} approved product texts; this "
            f"workspace has {len(examples)}. Approve {MIN_FINE_TUNE_EXAMPLES - len(examples)} "
            "more in the copy studio."
        )
    run = FineTuneRun.objects.create(
        workspace=workspace,
        profile=profile,
        examples=len(examples),
        training_file="".join(json.dumps(e, ensure_ascii=False) + "\n" for e in examples),
        created_by=actor,
    )
    transaction.on_commit(
        lambda: tasks.brand_fine_tune_submit.delay(workspace_id=workspace.pk, run_id=run.pk)
    )
    return run


def fine_tune_submit(*, workspace: Workspace, run_id: int) -> FineTuneRun:
    """Upload the file and start the job at the provider (outside any transaction: the
    gateway records its calls as they happen). A run already submitted is left alone."""
    from apps.gateway.services import gateway_fine_tune_start, gateway_fine_tune_upload
    from apps.gateway.types import FineTuneFileRequest, FineTuneJobRequest

    run = FineTuneRun.objects.for_workspace(workspace).select_related("profile").get(pk=run_id)
    if run.status != FineTuneStatus.PENDING:
        return run
    actor = run.created_by
    try:
        if not run.file_id:
            uploaded = gateway_fine_tune_upload(
                workspace=workspace,
                actor=actor,
                request=FineTuneFileRequest(
                    filename=f"brand-{run.profile_id}-run-{run.pk}.jsonl",
                    content=run.training_file.encode(),
                ),
            )
            run.file_id = uploaded.file_id
            run.save(update_fields=["file_id", "updated_at"])
        started = gateway_fine_tune_start(
            workspace=workspace,
            actor=actor,
            request=FineTuneJobRequest(
                training_file_id=run.file_id, suffix=f"atelier-{run.profile_id}"
            ),
        )
    except ServiceError as error:
        run.status = FineTuneStatus.FAILED
        run.error = error.message[:2000]
        run.save(update_fields=["status", "error", "updated_at"])
        return run
    run.provider_job_id = started.job_id
    run.provider_status = started.status
    run.base_model = started.base_model
    run.status = FineTuneStatus.RUNNING
    run.save(
        update_fields=["provider_job_id", "provider_status", "base_model", "status", "updated_at"]
    )
    return run


FAILED_PROVIDER_STATES = {"failed", "cancelled"}


def fine_tune_poll(*, workspace: Workspace, run_id: int) -> FineTuneRun:
    """Ask the provider how a running job is doing and record it."""
    from apps.gateway.services import gateway_fine_tune_status

    run = FineTuneRun.objects.for_workspace(workspace).get(pk=run_id)
    if run.status != FineTuneStatus.RUNNING or not run.provider_job_id:
        return run
    try:
        job = gateway_fine_tune_status(
            workspace=workspace, actor=run.created_by, job_id=run.provider_job_id
        )
    except ServiceError as error:
        logger.warning("Fine-tune %s status check failed: %s", run.pk, error.message)
        return run
    run.provider_status = job.status
    if job.status == "succeeded" and job.fine_tuned_model:
        run.status = FineTuneStatus.SUCCEEDED
        run.fine_tuned_model = job.fine_tuned_model
    elif job.status in FAILED_PROVIDER_STATES:
        run.status = FineTuneStatus.FAILED
        run.error = job.error or f"The provider reports the job {job.status}."
    run.save()
    return run


def fine_tune_poll_all() -> int:
    """Site-wide sweep (Celery beat): poll every running fine-tuning job."""
    runs = list(
        FineTuneRun.objects.all_workspaces()
        .filter(status=FineTuneStatus.RUNNING)
        .select_related("workspace")
        .values_list("workspace_id", "pk")
    )
    for workspace_id, run_id in runs:
        workspace = Workspace.objects.get(pk=workspace_id)
        fine_tune_poll(workspace=workspace, run_id=run_id)
    return len(runs)


@transaction.atomic
def fine_tune_route(*, actor: Actor, run_id: int) -> FineTuneRun:
    """Route this workspace's copy generation to the fine-tuned model, keeping the current
    route's models behind it as fallbacks. Changing a route is for those who manage models."""
    workspace = actor.workspace
    run = FineTuneRun.objects.for_workspace(workspace).select_for_update().filter(pk=run_id).first()
    if run is None:
        raise ServiceError("This fine-tuning job no longer exists.", code="not_found")
    if run.status != FineTuneStatus.SUCCEEDED or not run.fine_tuned_model:
        raise ServiceError("The fine-tuned model is not ready yet.")
    # A fine-tuned model is usable only with this workspace's key: it joins the registry as
    # this workspace's own, listed and routable here only.
    model = model_entry_add_own(
        actor=actor,
        provider="openai",
        name=run.fine_tuned_model,
        label=f"{run.fine_tuned_model} (fine-tuned)",
        capabilities=["text", "json_schema"],
        notes=f"Fine-tuned by workspace {workspace.slug} from brand profile "
        f"{run.profile_id}; usable with that workspace's key only.",
    )
    current = list(
        RouteEntry.objects.for_workspace(workspace)
        .filter(route__task=TaskKind.COPY_GENERATE)
        .order_by("position")
        .values_list("model_id", flat=True)
    )
    fallbacks = [m for m in current if m != model.pk][:MAX_FALLBACKS]
    route_save(actor=actor, task=TaskKind.COPY_GENERATE, model_ids=[model.pk, *fallbacks])
    run.routed_at = timezone.now()
    run.save(update_fields=["routed_at", "updated_at"])
    return run
