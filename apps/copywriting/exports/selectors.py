"""Reads for the channel exports: each product's approved copy, in its channel's fields.

What is approved is the catalog's ``ApprovedCopy`` (one row per product and kind of copy, the
rendered text). The fields come from the approved draft's chosen variant when it renders to
exactly that text; otherwise (copy approved before drafts kept their fields, or set another
way) the rendered text is read back into the fields.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from apps.catalog.models import Product
from apps.copywriting import channels
from apps.copywriting.models import CopyDraft
from apps.reviews.lifecycle import ReviewState
from apps.workspaces.models import Workspace


@dataclass(frozen=True)
class ApprovedChannelCopy:
    copy_type: str
    data: dict[str, Any]  # the spec's fields: text, or a list of lines
    keywords: tuple[str, ...] = ()  # the brief's keywords the copy was written to


def parse_rendered(spec: channels.CopySpec, content: str) -> dict[str, Any]:
    """The fields of ``content`` as ``channels.render`` wrote it ("Path 1: …" and so on)."""
    if spec.single_field:
        return channels.normalise(spec, {spec.fields[0].name: content})
    if len(spec.fields) == 1:
        return channels.normalise(spec, {spec.fields[0].name: content.splitlines()})
    labels = "|".join(re.escape(f.label) for f in spec.fields)
    markers = list(re.finditer(rf"^({labels}):[ \n]?", content, re.M))
    by_label = {f.label: f for f in spec.fields}
    data: dict[str, Any] = {}
    for i, marker in enumerate(markers):
        f = by_label[marker.group(1)]
        if f.name in data:
            continue
        end = markers[i + 1].start() if i + 1 < len(markers) else len(content)
        value = content[marker.end() : end].strip()
        data[f.name] = value.splitlines() if f.kind == "lines" else value
    return channels.normalise(spec, data)


def approved_channel_copy(
    *, workspace: Workspace, products: Sequence[Product], copy_types: Iterable[str]
) -> dict[int, dict[str, ApprovedChannelCopy]]:
    """{product id: {copy type: approved copy}} for these products (their ``approved_copy``
    prefetched, as the catalog's export selector does). Two queries in all."""
    wanted = set(copy_types)
    ids = [p.pk for p in products]
    drafts = (
        CopyDraft.objects.for_workspace(workspace)
        .filter(
            product_id__in=ids,
            copy_type__in=wanted,
            review_state__in=(ReviewState.APPROVED, ReviewState.PUBLISHED),
            chosen_variant__isnull=False,
        )
        .select_related("chosen_variant")
        .only("product_id", "copy_type", "brief", "decided_at", "chosen_variant__data")
        .order_by("product_id", "copy_type", "-decided_at", "-id")
    )
    latest: dict[tuple[int, str], CopyDraft] = {}
    for draft in drafts:
        latest.setdefault((draft.product_id, draft.copy_type), draft)
    found: dict[int, dict[str, ApprovedChannelCopy]] = {}
    for product in products:
        for approved in product.approved_copy.all():
            spec = channels.SPECS.get(approved.copy_type)
            if spec is None or approved.copy_type not in wanted:
                continue
            found_draft = latest.get((product.pk, approved.copy_type))
            if (
                found_draft is not None
                and found_draft.chosen_variant is not None
                and channels.render(spec, found_draft.chosen_variant.data) == approved.content
            ):
                entry = ApprovedChannelCopy(
                    approved.copy_type,
                    channels.normalise(spec, found_draft.chosen_variant.data),
                    tuple((found_draft.brief or {}).get("keywords", ())),
                )
            else:
                entry = ApprovedChannelCopy(
                    approved.copy_type, parse_rendered(spec, approved.content)
                )
            found.setdefault(product.pk, {})[approved.copy_type] = entry
    return found
