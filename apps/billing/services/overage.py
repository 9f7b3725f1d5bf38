"""Overage through the Stripe meter: work past the balance on plans that allow it.

A settled charge with overage is reported after its transaction commits (a task, so no row stays
locked while Stripe answers); a refund withdraws it. A repeat is harmless: Stripe drops a
repeated meter-event identifier. A beat sweep reports what an outage of the broker lost.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.billing import stripe_adapter, tasks  # tasks imports this module back, lazily used
from apps.billing.models import BillingAccount, CreditEntry, EntryState, EntryType
from apps.billing.selectors import overage_unreported


def _meter_identifier(entry: CreditEntry) -> str:
    return f"atelier-{entry.workspace_id}-{entry.pk}"


def report_on_commit(entry: CreditEntry) -> None:
    workspace_id, entry_id = entry.workspace_id, entry.pk
    transaction.on_commit(
        lambda: tasks.billing_report_overage.delay(workspace_id=workspace_id, entry_id=entry_id)
    )


def cancel_on_commit(entry: CreditEntry) -> None:
    workspace_id, entry_id = entry.workspace_id, entry.pk
    transaction.on_commit(
        lambda: tasks.billing_cancel_overage.delay(workspace_id=workspace_id, entry_id=entry_id)
    )


def credits_report_overage(*, workspace_id: int, entry_id: int) -> bool:
    """Send a settled charge's overage to the Stripe meter once. Returns False if nothing to do.

    The Stripe call is made outside any transaction (no row stays locked while it waits); a
    repeat after a crash is harmless because Stripe drops a repeated meter-event identifier.
    """
    entry = (
        CreditEntry.objects.for_workspace(workspace_id)
        .filter(pk=entry_id, entry_type=EntryType.DEBIT, state=EntryState.SETTLED)
        .first()
    )
    if entry is None or entry.overage <= 0 or entry.overage_reported_at is not None:
        return False
    ledger = CreditEntry.objects.for_workspace(workspace_id)
    if ledger.filter(key=f"refund:{entry.key}").exists():
        return False  # refunded before it was reported: nothing to bill
    account = BillingAccount.objects.for_workspace(workspace_id).get()
    stripe_adapter.meter_event_create(
        event_name=settings.STRIPE_METER_EVENT_NAME,
        customer=account.stripe_customer_id,
        value=entry.overage,
        identifier=_meter_identifier(entry),
        timestamp=int((entry.settled_at or entry.created_at).timestamp()),
    )
    ledger.filter(pk=entry.pk, overage_reported_at__isnull=True).update(
        overage_reported_at=timezone.now()
    )
    return True


def credits_cancel_overage(*, workspace_id: int, entry_id: int) -> bool:
    """Withdraw a refunded charge's overage from the Stripe meter, if it was reported."""
    entry = CreditEntry.objects.for_workspace(workspace_id).filter(pk=entry_id).first()
    if entry is None or entry.overage <= 0 or entry.overage_reported_at is None:
        return False
    stripe_adapter.meter_event_cancel(
        event_name=settings.STRIPE_METER_EVENT_NAME, identifier=_meter_identifier(entry)
    )
    return True


def credits_report_pending_overage(*, older_than_minutes: int = 10) -> int:
    """Site-wide sweep (beat): overage whose on-commit report was lost (a broker outage)."""
    cutoff = timezone.now() - timedelta(minutes=older_than_minutes)
    return sum(
        credits_report_overage(workspace_id=workspace_id, entry_id=entry_id)
        for workspace_id, entry_id in overage_unreported(settled_before=cutoff)
    )
