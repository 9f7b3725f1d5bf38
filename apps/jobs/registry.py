"""The registry of job kinds: which function does one item's work for each kind.

An app registers its kinds in a ``jobs.py`` module at its top level (``apps/copywriting/jobs.py``);
:class:`apps.jobs.apps.JobsConfig` imports every installed app's ``jobs.py`` when Django starts,
in the web process and in every worker alike::

    # apps/copywriting/jobs.py
    from apps.copywriting import services
    from apps.jobs.registry import register_job_kind

    def generate_copy(workspace, job, item) -> dict:
        return services.copy_generate_item(workspace=workspace, job=job, item=item)

    register_job_kind(services.GENERATE_JOB_KIND, generate_copy, label="Write copy")

A handler is a plain function ``(workspace, job, item) -> dict``. It does one item's work by
calling a service and returns a small JSON-serialisable result that is stored on the item. It
raises :class:`~apps.core.errors.ServiceError` with a message for people when the item cannot be
done (the message is shown as is), or :class:`SkipItem` when there is nothing to do. Any other
exception is logged and shown as a short, generic message.

A handler may run more than once for one item when its worker dies before the outcome is
recorded (outcomes are recorded a round of calls at a time; the chunk task is then delivered
again and claims its items back). The result stored on the item is recorded, and counted,
exactly once, but writes the handler makes itself must be idempotent: key them by ``item.pk``
or ``(job, item.key)``. Handlers run in worker threads (``JOB_ITEM_CONCURRENCY``): no globals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from apps.jobs.models import Job, JobItem
    from apps.workspaces.models import Workspace

JobHandler = Callable[["Workspace", "Job", "JobItem"], dict[str, Any] | None]
# Called with the ids of items that were cancelled before their handler ran (the job was
# cancelled), after that is committed: a kind that holds something per item (credits reserved
# when the job was created) gives it back here. Must be idempotent.
CancelHook = Callable[["Workspace", "Job", list[int]], None]


class SkipItem(Exception):
    """Raised by a handler when the item needs no work; the message says why."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class JobKind:
    kind: str
    handler: JobHandler
    label: str
    on_cancelled: CancelHook | None = None


_REGISTRY: dict[str, JobKind] = {}


def register_job_kind(
    kind: str, handler: JobHandler, *, label: str = "", on_cancelled: CancelHook | None = None
) -> JobKind:
    """Register ``handler`` for ``kind``. Registering the same handler again is harmless."""
    if not kind or not isinstance(kind, str):
        raise ImproperlyConfigured("A job kind needs a non-empty name, e.g. 'copy.generate'.")
    if not callable(handler):
        raise ImproperlyConfigured(f"The handler for job kind {kind!r} is not callable.")
    existing = _REGISTRY.get(kind)
    if existing is not None and existing.handler is not handler:
        raise ImproperlyConfigured(
            f"Job kind {kind!r} is already registered to {existing.handler.__module__}."
            f"{existing.handler.__qualname__}."
        )
    entry = JobKind(kind=kind, handler=handler, label=label or kind, on_cancelled=on_cancelled)
    _REGISTRY[kind] = entry
    return entry


def unregister_job_kind(kind: str) -> None:
    """For tests that register a kind of their own."""
    _REGISTRY.pop(kind, None)


def job_kind_get(kind: str) -> JobKind | None:
    return _REGISTRY.get(kind)


def job_kind_label(kind: str) -> str:
    entry = _REGISTRY.get(kind)
    return entry.label if entry else kind


def job_kinds() -> list[JobKind]:
    return sorted(_REGISTRY.values(), key=lambda entry: entry.kind)
