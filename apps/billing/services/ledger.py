"""The two ways an account row is written: the balance moves through the ledger, and the rest of
its state is saved field by field.

The balance always equals the sum of the workspace's ledger rows. Every movement is one row
with a key unique per workspace (a retried movement finds its row and changes nothing), and the
balance itself moves by a conditional ``F()`` update, never read-modify-write.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import F

from apps.billing.errors import OutOfCredits
from apps.billing.events import BillingEvent
from apps.billing.models import BillingAccount, CreditEntry, EntryType
from apps.billing.plans import Plan
from apps.core import events

# Everything a service may save on the account except the balance, which moves only through
# balance_move (a full save would write back a balance read earlier).
ACCOUNT_STATE_FIELDS = [
    "plan",
    "status",
    "trial_ends_at",
    "current_period_start",
    "current_period_end",
    "cancel_at_period_end",
    "past_due_since",
    "period_granted",
    "credits_period_start",
    "stripe_customer_id",
    "stripe_subscription_id",
    "stripe_subscription_item_id",
    "stripe_state_at",
    "updated_at",
]


def save_state(account: BillingAccount) -> None:
    account.save(update_fields=ACCOUNT_STATE_FIELDS)


def ledger_post(
    account: BillingAccount, *, key: str, entry_type: str, credits: int, **fields: Any
) -> CreditEntry | None:
    """Add one ledger row and move the balance by ``credits``.

    Returns None when ``key`` is already in the ledger (the movement happened before). A debit
    the balance cannot cover raises OutOfCredits, and the check constraint stops anything that
    slips past.
    """
    ledger = CreditEntry.objects.for_workspace(account.workspace_id)
    if ledger.filter(key=key).exists():
        return None
    if credits:
        balance_move(account, credits)
    return ledger.create(
        workspace_id=account.workspace_id,
        key=key,
        entry_type=entry_type,
        credits=credits,
        **fields,
    )


def balance_move(account: BillingAccount, credits: int) -> None:
    """Move the balance by ``credits``: one conditional UPDATE, refused when it would go
    below zero even if another worker changed the balance since we looked."""
    rows = BillingAccount.objects.for_workspace(account.workspace_id).filter(pk=account.pk)
    if credits < 0:
        rows = rows.filter(credit_balance__gte=-credits)
    if rows.update(credit_balance=F("credit_balance") + credits) != 1:
        raise OutOfCredits("Not enough credits left for this work.")
    account.refresh_from_db(fields=["credit_balance"])
    if credits < 0:
        _tell_when_running_low(account, before=account.credit_balance - credits)


def _tell_when_running_low(account: BillingAccount, *, before: int) -> None:
    """``credits.low`` once per period, when a debit takes the balance below the share of the
    period's credits that ``BILLING_LOW_CREDITS_PERCENT`` names."""
    granted = account.period_granted
    if granted <= 0:
        return
    threshold = max(1, granted * settings.BILLING_LOW_CREDITS_PERCENT // 100)
    if not before >= threshold > account.credit_balance:
        return
    period = account.credits_period_start or account.current_period_start
    events.emit(
        BillingEvent.CREDITS_LOW,
        workspace_id=account.workspace_id,
        key=f"account-{account.pk}:{period.isoformat() if period else 'first'}",
        payload={
            "balance": account.credit_balance,
            "granted": granted,
            "threshold": threshold,
            "plan": account.plan,
        },
    )


def grant_for_period(account: BillingAccount, *, key: str, plan: Plan, reference: str) -> bool:
    """Start a period's credits: what is left of the last period lapses (monthly credits do
    not roll over), then the plan's monthly credits are granted. Keyed, so once per period."""
    grant_key = f"grant:{key}"
    if CreditEntry.objects.for_workspace(account.workspace_id).filter(key=grant_key).exists():
        return False
    if plan.monthly_credits is None:  # unlimited: nothing to count
        return False
    if account.credit_balance > 0:
        ledger_post(
            account,
            key=f"lapse:{key}",
            entry_type=EntryType.LAPSE,
            credits=-account.credit_balance,
            reference=reference,
        )
    ledger_post(
        account,
        key=grant_key,
        entry_type=EntryType.GRANT,
        credits=plan.monthly_credits,
        reference=reference,
    )
    account.period_granted = plan.monthly_credits
    save_state(account)
    return True
