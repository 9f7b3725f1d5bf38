"""The events a webhook endpoint may subscribe to.

The webhooks app owns none of them: each is registered by the app that owns the fact
(``apps.core.events``) and reaches us through ``events.subscribe`` — never through an import of
the emitting app. ``copy.approved`` and ``photo.approved`` come from the review seam (registered
by copywriting and photos); a name nobody registers may still be chosen and simply never fires.
"""

from apps.core import events

# name -> the label shown when the emitting app has not registered it (yet).
WEBHOOK_EVENTS: dict[str, str] = {
    "copy.approved": "Copy was approved",
    "photo.approved": "A photo was approved",
    "job.finished": "A job finished",
    "job.failed": "A job failed",
    "credits.low": "Credits are running low",
    "product.imported": "Products were imported",
}


def webhook_event_choices() -> list[tuple[str, str]]:
    """``(name, label)`` for every event an endpoint may subscribe to, in a fixed order; the
    label is the emitting app's own where it registered one."""
    registered = events.event_names()
    return [(name, registered.get(name, label)) for name, label in WEBHOOK_EVENTS.items()]


def event_label(name: str) -> str:
    return dict(webhook_event_choices()).get(name, name)
