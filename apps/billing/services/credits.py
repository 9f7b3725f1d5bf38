"""Credits for work: the API other apps (jobs, copy, photos, brand) call, and staff adjustments.

All keyword-only; ``workspace`` is a :class:`~apps.workspaces.models.Workspace`. Kinds of work
are :class:`apps.billing.plans.WorkKind` values (``"copy_variant"``, ``"image_operation"``,
``"training_run"``); a kind without a cost estimate is refused with :class:`NoCostEstimate`.
This is system work (no person acting), so it takes the workspace, not an actor.

``credits_check_can_start(*, workspace, kind, units=1) -> int``
    Before creating work (a job, a request): the estimated cost in credits, or a refusal —
    :class:`OutOfCredits` (balance below the cost of ``units`` units and no overage),
    :class:`BillingInactive` (trial over, cancelled, payment overdue past the grace period),
    :class:`NoCostEstimate`. Writes nothing. Pass the units the work must be able to pay for
    (``units=1``: "at least one item can run"; the total: "the whole batch fits").

``credits_reserve(*, workspace, key, kind, units=1) -> Reservation``
    Before calling a provider: takes the estimated cost off the balance in one transaction
    (the balance row is locked and decremented with a conditional ``F()`` update, so parallel
    workers cannot overspend and the balance never goes below zero). ``key`` names the unit of
    work (``f"jobitem:{item.pk}"``): reserving the same key again returns the existing
    reservation and charges nothing (a retried job item cannot charge twice; check
    ``reservation.state`` — ``"settled"`` means the work was already charged). A released
    key may be reserved again (the retry of a failed call); a refunded key may not (use a new
    key per attempt). Raises the same refusals as ``credits_check_can_start``; a running job
    should stop at :class:`OutOfCredits` and keep what it finished. It locks the workspace's
    billing row until the transaction ends: do not call it inside a transaction that also
    waits for the provider.

``credits_settle(*, workspace, key, units=None) -> Reservation``
    After the work succeeded: makes the charge final. ``units`` (when fewer or more units were
    done than reserved) reconciles the charge; more units are charged only as far as the
    balance (or overage) allows. Overage is reported to Stripe's meter after commit.
    Idempotent.

``credits_settle_found(*, workspace, key, units=None) -> bool``
    A job item that finds its output already there (its worker died after saving it) settles
    the reservation left open, if any. Call it on every such path.

``credits_release(*, workspace, key, reason="") -> Reservation | None``
    The work did not happen (the provider failed): the reservation's credits go back.
    ``credits_refund(*, workspace, key, reason="")`` gives back a settled charge (a failed
    item found after the fact) as a new ledger row keyed ``refund:<key>``. Both are idempotent,
    both accept either state, and both return None when nothing was reserved under ``key``.

``credits_charge(*, workspace, key, kind, units=1) -> Reservation``
    Reserve and settle at once, for work that is charged when it is done.

Work queued as a batch holds its credits when it is queued:
:func:`apps.billing.services.batches.credits_reserve_batch`.

Every refusal is a :class:`~apps.core.errors.ServiceError` whose message is written for people
and says where to upgrade; billing refusals carry ``upgrade_url`` and API views answer them with
HTTP 402 (:mod:`apps.billing.http`). None of these is durable: callers reserve inside their own
transactions (the one that creates a job, a handler's), so they stay plain ``atomic`` blocks.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.billing.audit_actions import AuditAction
from apps.billing.costs import (
    Reservation,
    balance_share,
    check_units,
    out_of_credits,
    refuse_if_inactive,
    unit_cost,
    work_key,
)
from apps.billing.models import BillingAccount, CreditEntry, EntryState, EntryType
from apps.billing.rules import overage_allowed
from apps.billing.selectors import billing_account_get, work_entry_get
from apps.billing.services import overage
from apps.billing.services.accounts import account_for_update
from apps.billing.services.ledger import balance_move, ledger_post
from apps.core import trail
from apps.core.errors import ServiceError
from apps.workspaces.actors import NotAllowed
from apps.workspaces.models import Workspace


def credits_check_can_start(*, workspace: Workspace, kind: str, units: int = 1) -> int:
    """The estimated cost of ``units`` units of ``kind``, or a refusal. Writes nothing."""
    check_units(units)
    account = billing_account_get(workspace=workspace)
    refuse_if_inactive(account, workspace)
    plan = account.plan_obj
    cost = unit_cost(plan, kind) * units
    if plan.unlimited or overage_allowed(account):
        return cost
    if account.credit_balance < cost:
        raise out_of_credits(
            workspace=workspace, account=account, cost=cost, kind=kind, units=units
        )
    return cost


def credits_reserve(*, workspace: Workspace, key: str, kind: str, units: int = 1) -> Reservation:
    """Hold the estimated cost of one unit of work before its provider is called."""
    check_units(units)
    ledger_key = work_key(key)
    try:
        with transaction.atomic():
            account = account_for_update(workspace)
            existing = work_entry_get(workspace=workspace, key=ledger_key)
            if existing is not None and existing.state != EntryState.RELEASED:
                return _existing_reservation(existing, kind=kind)
            if existing is not None:
                _check_same_work(existing, kind=kind)
            refuse_if_inactive(account, workspace)
            plan = account.plan_obj
            cost_each = unit_cost(plan, kind)
            cost = cost_each * units
            take = balance_share(account, workspace=workspace, cost=cost, kind=kind, units=units)
            # Work on an unlimited plan is recorded at its cost but is never overage.
            overage_part = 0 if plan.unlimited else cost - take
            if existing is None:
                entry = ledger_post(
                    account,
                    key=ledger_key,
                    entry_type=EntryType.DEBIT,
                    credits=-take,
                    state=EntryState.RESERVED,
                    work_kind=kind,
                    units=units,
                    unit_cost=cost_each,
                    cost=cost,
                    overage=overage_part,
                    reference=key[:255],
                )
                if entry is None:  # taken since we looked: handled as the race below
                    raise IntegrityError(f"Ledger key {ledger_key} was taken meanwhile.")
            else:
                # Released earlier (its provider call failed) and now tried again: the same
                # row holds the new reservation, so the key still charges at most once.
                if take:
                    balance_move(account, -take)
                entry = existing
                entry.credits, entry.cost, entry.overage = -take, cost, overage_part
                entry.units, entry.unit_cost = units, cost_each
                entry.state, entry.settled_at = EntryState.RESERVED, None
                entry.save()
    except IntegrityError:
        # The same key reserved at the same moment by another worker: theirs stands, ours
        # rolled back whole (balance included).
        existing = work_entry_get(workspace=workspace, key=ledger_key)
        if existing is None:
            raise
        return _existing_reservation(existing, kind=kind)
    return Reservation.from_entry(entry)


def _check_same_work(entry: CreditEntry, *, kind: str) -> None:
    if entry.entry_type != EntryType.DEBIT or entry.work_kind != kind:
        raise ServiceError(
            f"The key “{entry.key.removeprefix('work:')}” was already used for other work "
            f"(“{entry.work_kind or entry.entry_type}”); give each unit of work its own key."
        )


def _existing_reservation(entry: CreditEntry, *, kind: str) -> Reservation:
    """A key seen before: the reservation as it stands (reserved, or settled: already
    charged, nothing more is taken). A refunded key is closed: running the work again after a
    refund is a new attempt and needs a key of its own."""
    _check_same_work(entry, kind=kind)
    if work_entry_get(workspace=entry.workspace_id, key=f"refund:{entry.key}") is not None:
        raise ServiceError(
            f"The work “{entry.key.removeprefix('work:')}” was refunded; to run it again, "
            "reserve under a new key (add the attempt number).",
            code="refunded",
        )
    return Reservation.from_entry(entry)


def _work_entry_for_update(workspace: Workspace, key: str) -> CreditEntry | None:
    return (
        CreditEntry.objects.for_workspace(workspace)
        .select_for_update()
        .filter(key=work_key(key), entry_type=EntryType.DEBIT)
        .first()
    )


@transaction.atomic
def credits_settle(*, workspace: Workspace, key: str, units: int | None = None) -> Reservation:
    """Make a reservation's charge final, reconciled to the ``units`` actually done."""
    account = account_for_update(workspace)
    entry = _work_entry_for_update(workspace, key)
    if entry is None:
        raise ServiceError(f"Nothing was reserved for “{key}”; reserve credits before the work.")
    if entry.state == EntryState.SETTLED:
        return Reservation.from_entry(entry)
    if entry.state == EntryState.RELEASED:
        raise ServiceError(f"The reservation for “{key}” was released; reserve again.")
    if units is not None and (not isinstance(units, int) or units < 0):
        raise ServiceError(f"Units must be a whole number of at least 0, not {units!r}.")
    if units is not None and units != entry.units:
        _reconcile(account, entry, entry.unit_cost * units)
        entry.units = units
    entry.state = EntryState.SETTLED
    entry.settled_at = timezone.now()
    entry.save()
    if entry.overage > 0:
        overage.report_on_commit(entry)
    return Reservation.from_entry(entry)


def credits_settle_found(*, workspace: Workspace, key: str, units: int | None = None) -> bool:
    """For work found already done (a redelivered job item): settle its reservation if one is
    still open, so the charge (and any overage) is final. True when it settled one now."""
    entry = work_entry_get(workspace=workspace, key=work_key(key))
    if entry is None or entry.state != EntryState.RESERVED:
        return False
    return credits_settle(workspace=workspace, key=key, units=units).state == EntryState.SETTLED


def _reconcile(account: BillingAccount, entry: CreditEntry, actual_cost: int) -> None:
    delta = actual_cost - entry.cost
    if delta < 0:
        # Cheaper than reserved: drop overage first (it has not been billed), then give the
        # rest back to the balance.
        back = -delta
        less_overage = min(entry.overage, back)
        to_balance = min(back - less_overage, -entry.credits)
        if to_balance:
            balance_move(account, to_balance)
        entry.overage -= less_overage
        entry.credits += to_balance
        entry.cost = actual_cost
    elif delta > 0:
        if account.plan_obj.unlimited:
            entry.cost = actual_cost
            return
        # Dearer than reserved: the work is done, so charge what the balance (or overage)
        # covers; the reservation was the caller's ceiling and the rest is not billed.
        take = min(account.credit_balance, delta)
        if take:
            balance_move(account, -take)
        extra_overage = delta - take if overage_allowed(account) else 0
        entry.credits -= take
        entry.overage += extra_overage
        entry.cost += take + extra_overage


def _give_back(workspace: Workspace, key: str, reason: str) -> Reservation | None:
    account = account_for_update(workspace)
    entry = _work_entry_for_update(workspace, key)
    if entry is None:
        return None
    if entry.state == EntryState.RESERVED:
        if entry.credits:
            balance_move(account, -entry.credits)
        entry.credits = 0
        entry.cost = 0
        entry.overage = 0
        entry.state = EntryState.RELEASED
        entry.settled_at = timezone.now()
        if reason:
            entry.reference = f"{entry.reference} — released: {reason}"[:255]
        entry.save()
        return Reservation.from_entry(entry)
    if entry.state == EntryState.RELEASED:
        return Reservation.from_entry(entry)
    refund = ledger_post(
        account,
        key=f"refund:{entry.key}",
        entry_type=EntryType.REFUND,
        credits=-entry.credits,
        work_kind=entry.work_kind,
        units=entry.units,
        unit_cost=entry.unit_cost,
        cost=-entry.cost,
        overage=-entry.overage,
        reference=(reason or f"Refund of {key}")[:255],
        settled_at=timezone.now(),
    )
    if refund is not None and entry.overage > 0:
        overage.cancel_on_commit(entry)
    return Reservation.from_entry(entry, refunded=True)


@transaction.atomic
def credits_release(*, workspace: Workspace, key: str, reason: str = "") -> Reservation | None:
    """The work did not happen: give its reservation back (a settled charge is refunded)."""
    return _give_back(workspace, key, reason)


@transaction.atomic
def credits_refund(*, workspace: Workspace, key: str, reason: str = "") -> Reservation | None:
    """Give back a settled charge as a refund row (a reservation is simply released)."""
    return _give_back(workspace, key, reason)


def credits_charge(*, workspace: Workspace, key: str, kind: str, units: int = 1) -> Reservation:
    """Reserve and settle in one transaction, for work charged once it is done."""
    with transaction.atomic():
        reservation = credits_reserve(workspace=workspace, key=key, kind=kind, units=units)
        if reservation.state == EntryState.RESERVED:
            reservation = credits_settle(workspace=workspace, key=key)
    return reservation


# --- Corrections by a site administrator ---------------------------------------------------------


@transaction.atomic  # not durable: the Django admin saves inside its own transaction
def credits_adjust(
    *, workspace: Workspace, site_admin: User | None, credits: int, key: str, reason: str
) -> CreditEntry | None:
    """A manual correction by a site administrator (support credits, a goodwill refund).

    Not a workspace member's action: members buy credits, they never grant them, so no role
    may do this. ``site_admin`` is the staff user acting in the Django admin, or None for the
    system itself (setup scripts, tests); anyone else is refused with nothing changed.
    """
    if site_admin is not None and not site_admin.is_staff:
        raise NotAllowed("Only a site administrator can adjust a workspace's credits.")
    if not reason.strip():
        raise ServiceError("Say why the credits are adjusted.", field="reason")
    account = account_for_update(workspace)
    if credits < 0 and account.credit_balance + credits < 0:
        raise ServiceError(
            f"The balance is {account.credit_balance} credits; it cannot go below zero."
        )
    by = site_admin.email if site_admin is not None and site_admin.email else "system"
    entry = ledger_post(
        account,
        key=f"adjust:{key}",
        entry_type=EntryType.ADJUST,
        credits=credits,
        reference=f"{reason.strip()} ({by})"[:255],
    )
    if entry is not None:
        trail.record(
            workspace=workspace,
            user=site_admin,
            action=AuditAction.BILLING_CREDITS_ADJUSTED,
            target=f"{credits:+d} credits",
            details={"reason": reason.strip()},
        )
    return entry
