"""A profile's material: past copy pasted or uploaded as a CSV by a brand manager, and
approved copy handed over by the copy studio.

The brand manager's services take ``actor=`` and check ``brand.manage`` themselves;
:func:`brand_material_add_approved` is part of the brand layer's public API, called by the copy
studio inside its review decision (which checked the reviewer's role)."""

from __future__ import annotations

import hashlib
import tempfile
import uuid

from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from apps.brand import selectors
from apps.brand.models import (
    BrandProfile,
    MaterialSource,
    MaterialText,
    MaterialUpload,
    UploadStatus,
)
from apps.brand.services.profiles import access_profile_for_update
from apps.brand.text import material_text
from apps.core import csvfiles
from apps.core.errors import ServiceError
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# As wide as a catalog import may be: every column is a choice on the mapping page.
MAX_UPLOAD_COLUMNS = 500
# The usual names of the columns that hold a product's name and its copy, most likely first
# (the title is guessed first, so "Product" never takes the copy's place).
UPLOAD_COLUMN_GUESSES = {
    "title": ("title", "name", "product name", "product title", "product"),
    "text": ("description", "body", "body (html)", "product description", "copy"),
}


def access_upload_for_update(actor: Actor, upload_id: int) -> MaterialUpload:
    return access_for_update(
        actor,
        MaterialUpload,
        upload_id,
        action=Action.MANAGE_BRAND,
        missing="This upload no longer exists.",
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
    """Approved copy (or a reviewer's edit of it) joins the profile's material, idempotently
    by ``source_key``."""
    if profile.workspace_id != workspace.pk:
        raise ServiceError("This brand profile belongs to another workspace.", code="not_found")
    key = (source_key or "").strip()[:255]
    if not key:
        raise ServiceError("Approved copy needs a source key (e.g. copy:<id>).")
    body = material_text(text)
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


@transaction.atomic(durable=True)
def material_paste(*, actor: Actor, profile_id: int, content: str, split: str = "blank") -> int:
    """Add pasted copy: one text per block separated by a blank line (``split="blank"``), per
    line (``"line"``), or all as one text (``"whole"``). Returns how many texts were new."""
    profile = access_profile_for_update(actor, profile_id)
    content = (content or "").replace("\r\n", "\n")
    if split == "line":
        pieces = content.split("\n")
    elif split == "whole":
        pieces = [content]
    else:
        pieces = content.split("\n\n")
    added = 0
    for piece in pieces:
        body = material_text(piece)
        if len(body) < 3:
            continue
        key = "paste:" + hashlib.sha256(body.encode()).hexdigest()[:40]
        _, created = MaterialText.objects.for_workspace(actor.workspace).get_or_create(
            workspace=actor.workspace,
            profile=profile,
            source_key=key,
            defaults={"source": MaterialSource.PASTE, "text": body},
        )
        added += created
    if not added and not any(material_text(p) for p in pieces):
        raise ServiceError("Paste some copy first: the box is empty.", field="content")
    return added


def material_upload(*, actor: Actor, profile_id: int, upload: UploadedFile) -> MaterialUpload:
    """Store a CSV of past copy and read its header; its columns are mapped next."""
    actor.require(Action.MANAGE_BRAND)
    name = (upload.name or "copy.csv").rsplit("/", 1)[-1][:255]
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        raise ServiceError(
            f"“{name}” is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.", field="file"
        )
    with tempfile.TemporaryFile() as transcoded:
        try:
            upload.seek(0)
            with csvfiles.transcoding(
                upload, transcoded, name=name, max_columns=MAX_UPLOAD_COLUMNS
            ) as reading:
                rows = texts = 0
                for row in reading.records:
                    rows += 1
                    texts += not row.blank
            if not texts:
                raise csvfiles.CsvFileError(f"“{name}” has a header row but no products.")
        except csvfiles.CsvFileError as error:
            raise ServiceError(str(error), field="file") from None
        transcoded.seek(0)
        with transaction.atomic(durable=True):
            profile = access_profile_for_update(actor, profile_id)
            record = MaterialUpload(
                workspace=actor.workspace,
                profile=profile,
                original_name=name,
                detected_encoding=reading.encoding,
                delimiter=reading.delimiter,
                headers=reading.headers,
                row_count=rows,
                mapping=csvfiles.guess_columns(reading.headers, UPLOAD_COLUMN_GUESSES),
                created_by=actor.user,
            )
            record.file.save(f"{uuid.uuid4().hex}.csv", File(transcoded), save=False)
            record.save()
    return record


@transaction.atomic(durable=True)
def material_upload_confirm(
    *, actor: Actor, upload_id: int, text_column: str, title_column: str = ""
) -> MaterialUpload:
    """Import the mapped rows: one text each. Rows without text are listed (row, column,
    reason) and skipped; importing the same file again adds nothing twice."""
    record = access_upload_for_update(actor, upload_id)
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
    errors: list[dict[str, object]] = []
    imported = 0
    for number, row in selectors.upload_rows(record):
        body = material_text(row[text_at]) if text_at < len(row) else ""
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
        title = row[title_at].strip()[:500] if title_at is not None and title_at < len(row) else ""
        _, created = MaterialText.objects.for_workspace(actor.workspace).update_or_create(
            workspace=actor.workspace,
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
