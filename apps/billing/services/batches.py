"""Reserving credits for a whole batch of work at once, before it is queued.

``credits_check_can_start`` only reads the balance: eight batches submitted at the same moment
all passed it with credits for one, then paused half done. ``credits_reserve_batch`` takes the
batch's credits off the balance in the transaction that creates the work, with the balance row
locked, so concurrent batches are decided one after the other and the later ones are refused
before anything is queued. Each unit keeps its own reservation (``work:<key>``), so the
handlers' ``credits_reserve``/``credits_settle``/``credits_release`` under the same keys work
exactly as for a reservation they made themselves.
"""

from __future__ import annotations

from django.db import transaction

from apps.billing.costs import (
    Reservation,
    balance_share,
    check_units,
    refuse_if_inactive,
    unit_cost,
    work_key,
)
from apps.billing.models import CreditEntry, EntryState, EntryType
from apps.billing.services.accounts import account_for_update
from apps.billing.services.ledger import balance_move
from apps.workspaces.models import Workspace


@transaction.atomic  # not durable: it runs in the transaction that creates the job
def credits_reserve_batch(
    *, workspace: Workspace, keys: list[str], kind: str, units_each: int = 1
) -> list[Reservation]:
    """Hold the cost of every unit of a batch, or refuse the whole batch (``OutOfCredits``,
    ``BillingInactive``) with nothing held. Keys already in the ledger are left as they are."""
    check_units(units_each)
    account = account_for_update(workspace)
    ledger = CreditEntry.objects.for_workspace(workspace)
    ledger_keys = [work_key(key) for key in keys]
    taken = set(ledger.filter(key__in=ledger_keys).values_list("key", flat=True))
    new = [(key, ledger_key) for key, ledger_key in zip(keys, ledger_keys, strict=True)]
    new = [(key, ledger_key) for key, ledger_key in new if ledger_key not in taken]
    if not new:
        return []
    refuse_if_inactive(account, workspace)
    plan = account.plan_obj
    cost_per_unit = unit_cost(plan, kind)
    cost_each = cost_per_unit * units_each
    total = cost_each * len(new)
    from_balance = balance_share(
        account, workspace=workspace, cost=total, kind=kind, units=units_each * len(new)
    )
    if from_balance:
        balance_move(account, -from_balance)
    left, entries = from_balance, []
    for key, ledger_key in new:
        take = min(left, cost_each)
        left -= take
        entries.append(
            CreditEntry(
                workspace_id=account.workspace_id,
                key=ledger_key,
                entry_type=EntryType.DEBIT,
                state=EntryState.RESERVED,
                credits=-take,
                work_kind=kind,
                units=units_each,
                unit_cost=cost_per_unit,
                cost=cost_each,
                # As for one reservation: work on an unlimited plan is never overage.
                overage=0 if plan.unlimited else cost_each - take,
                reference=key[:255],
            )
        )
    CreditEntry.objects.bulk_create(entries)
    return [Reservation.from_entry(entry) for entry in entries]
