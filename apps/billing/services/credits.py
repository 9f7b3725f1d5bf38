"""Billing writes: credits, seats, plans, Stripe checkout/portal and webhook events.

Public API for other apps (jobs, gateway, workspaces)
======================================================

All keyword-only; ``workspace`` is a :class:`~apps.workspaces.models.Workspace`. Kinds of work
are :class:`apps.billing.plans.WorkKind` values (``"copy_variant"``, ``"image_operation"``,
``"training_run"``); a kind without a cost estimate is refused with :class:`NoCostEstimate`.

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

``seats_check_can_invite(*, workspace, email="") -> None``
    Raises :class:`SeatLimitReached` when members plus open invitations fill the plan's
    seats (re-sending an open invitation to ``email`` takes no new seat). Call it inside the
    inviting transaction: it locks the workspace's billing row so two invitations at once
    cannot both take the last seat.

Every refusal is a :class:`~apps.core.errors.ServiceError` whose message is written for people
and says where to upgrade; billing refusals carry ``upgrade_url`` and API views answer them with
HTTP 402 (:mod:`apps.billing.http`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from apps.billing import stripe_adapter, trials
from apps.billing.audit_actions import AuditAction
from apps.billing.errors import (
    BillingInactive,
    NoCostEstimate,
    OutOfCredits,
    SeatLimitReached,
)
from apps.billing.models import (
    LIVE_STATUSES,
    BillingAccount,
    CreditEntry,
    EntryState,
    EntryType,
    Invoice,
    StripeEvent,
    SubscriptionStatus,
)
from apps.billing.plans import PLANS, Plan, PlanCode, WorkKind, plan_for_price
from apps.billing.rules import (
    add_month,
    billing_account_defaults,
    from_timestamp,
    human_date,
    overage_allowed,
    work_refusal,
)
from apps.billing.selectors import billing_account_get
from apps.core import trail
from apps.core.errors import ServiceError
from apps.core.trail import RequestOrigin
from apps.workspaces.models import Invitation, Membership, Workspace

logger = logging.getLogger(__name__)

WORK_KEY_MAX_LENGTH = 180


@dataclass(frozen=True)
class Reservation:
    """Credits held (or charged) for one unit of work, as the ledger records it."""

    key: str
    kind: str
    units: int
    cost: int  # credits this work costs (balance part + overage)
    from_balance: int  # taken from the monthly credits
    overage: int  # beyond the balance, billed through Stripe's meter
    state: str  # "reserved", "settled", "released" or "refunded"

    @classmethod
    def from_entry(cls, entry: CreditEntry, *, refunded: bool = False) -> Reservation:
        return cls(
            key=entry.key.removeprefix("work:"),
            kind=entry.work_kind,
            units=entry.units,
            cost=entry.cost,
            from_balance=-entry.credits,
            overage=entry.overage,
            state="refunded" if refunded else entry.state,
        )


def upgrade_url(workspace: Workspace) -> str:
    return reverse("billing_pricing", kwargs={"slug": workspace.slug})


# --- Accounts -----------------------------------------------------------------------------------


# Everything a service may save on the account except the balance, which moves only through
# _balance_move (a full save would write back a balance read earlier).
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


def _save_state(account: BillingAccount) -> None:
    account.save(update_fields=ACCOUNT_STATE_FIELDS)


def billing_account_ensure(*, workspace: Workspace) -> BillingAccount:
    """The workspace's account, opened on first use with the trial and its credits.

    Opened lazily so every workspace has one, however it was created; two first uses at once
    meet at the unique constraint and the loser reads the winner's row.
    """
    account = BillingAccount.objects.for_workspace(workspace).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            trial = trials.trial_claim(workspace)
            account = BillingAccount.objects.create(
                workspace=workspace, **billing_account_defaults(workspace, trial=trial)
            )
            if trial.granted:
                credits = PLANS[PlanCode.TRIAL].monthly_credits
                _ledger_post(
                    account,
                    key="trial",
                    entry_type=EntryType.GRANT,
                    credits=credits,
                    reference="Free trial",
                )
                account.period_granted = credits
                account.save(update_fields=["period_granted"])
    except IntegrityError:
        account = BillingAccount.objects.for_workspace(workspace).get()
    return account


def _account_for_update(workspace: Workspace | int) -> BillingAccount:
    """The account row, locked until the transaction ends: credits and plan changes of one
    workspace happen one at a time (a no-op on SQLite, which serialises writers anyway)."""
    accounts = BillingAccount.objects.for_workspace(workspace).select_for_update()
    account = accounts.first()
    if account is None and isinstance(workspace, Workspace):
        billing_account_ensure(workspace=workspace)
        account = accounts.get()
    if account is None:
        raise BillingAccount.DoesNotExist(f"No billing account for workspace {workspace}.")
    return account


# --- The ledger ---------------------------------------------------------------------------------


def _ledger_post(
    account: BillingAccount, *, key: str, entry_type: str, credits: int, **fields: Any
) -> CreditEntry | None:
    """Add one ledger row and move the balance by ``credits`` (F(), never read-modify-write).

    Returns None when ``key`` is already in the ledger (the movement happened before). A debit
    the balance cannot cover raises OutOfCredits, and the check constraint stops anything that
    slips past.
    """
    ledger = CreditEntry.objects.for_workspace(account.workspace_id)
    if ledger.filter(key=key).exists():
        return None
    if credits:
        _balance_move(account, credits)
    return ledger.create(
        workspace_id=account.workspace_id,
        key=key,
        entry_type=entry_type,
        credits=credits,
        **fields,
    )


def _balance_move(account: BillingAccount, credits: int) -> None:
    """Move the balance by ``credits``: one conditional UPDATE, refused when it would go
    below zero even if another worker changed the balance since we looked."""
    rows = BillingAccount.objects.for_workspace(account.workspace_id).filter(pk=account.pk)
    if credits < 0:
        rows = rows.filter(credit_balance__gte=-credits)
    if rows.update(credit_balance=F("credit_balance") + credits) != 1:
        raise OutOfCredits("Not enough credits left for this work.")
    account.refresh_from_db(fields=["credit_balance"])


def _grant_for_period(account: BillingAccount, *, key: str, plan: Plan, reference: str) -> bool:
    """Start a period's credits: what is left of the last period lapses (monthly credits do
    not roll over), then the plan's monthly credits are granted. Keyed, so once per period."""
    grant_key = f"grant:{key}"
    if CreditEntry.objects.for_workspace(account.workspace_id).filter(key=grant_key).exists():
        return False
    if plan.unlimited:
        return False
    if account.credit_balance > 0:
        _ledger_post(
            account,
            key=f"lapse:{key}",
            entry_type=EntryType.LAPSE,
            credits=-account.credit_balance,
            reference=reference,
        )
    _ledger_post(
        account,
        key=grant_key,
        entry_type=EntryType.GRANT,
        credits=plan.monthly_credits,
        reference=reference,
    )
    account.period_granted = plan.monthly_credits
    _save_state(account)
    return True


@transaction.atomic
def credits_adjust(
    *, workspace: Workspace, actor, credits: int, key: str, reason: str
) -> CreditEntry | None:
    """A manual correction by a site administrator (support credits, a goodwill refund)."""
    if not reason.strip():
        raise ServiceError("Say why the credits are adjusted.", field="reason")
    account = _account_for_update(workspace)
    if credits < 0 and account.credit_balance + credits < 0:
        raise ServiceError(
            f"The balance is {account.credit_balance} credits; it cannot go below zero."
        )
    actor_email = getattr(actor, "email", "") or "system"
    entry = _ledger_post(
        account,
        key=f"adjust:{key}",
        entry_type=EntryType.ADJUST,
        credits=credits,
        reference=f"{reason.strip()} ({actor_email})"[:255],
    )
    if entry is not None:
        trail.record(
            workspace=workspace,
            user=actor,
            action=AuditAction.BILLING_CREDITS_ADJUSTED,
            target=f"{credits:+d} credits",
            details={"reason": reason.strip()},
        )
    return entry


# --- Credits: the public API (see the module docstring) -----------------------------------------


def _refuse_if_inactive(account: BillingAccount, workspace: Workspace) -> None:
    reason = work_refusal(account)
    if reason:
        url = upgrade_url(workspace)
        raise BillingInactive(f"{reason} Billing: {url}", upgrade_url=url)


def _unit_cost(plan: Plan, kind: str) -> int:
    cost = plan.cost_of(kind)
    if cost is None:
        raise NoCostEstimate(
            f"“{kind}” has no credit cost on the {plan.name} plan, so it cannot be charged and "
            "is not run. (Known kinds: " + ", ".join(sorted(plan.credit_costs)) + ".)"
        )
    return cost


def _out_of_credits(
    *, workspace: Workspace, account: BillingAccount, cost: int, kind: str, units: int
) -> OutOfCredits:
    url = upgrade_url(workspace)
    plan = account.plan_obj
    when = (
        f" New credits arrive on {human_date(account.current_period_end)}."
        if account.current_period_end and plan.is_paid
        else ""
    )
    label = WorkKind(kind).label.lower() if kind in WorkKind.values else kind
    return OutOfCredits(
        f"Not enough credits: this needs {cost} ({units} × {label}) and {account.credit_balance} "
        f"{'is' if account.credit_balance == 1 else 'are'} left on the {plan.name} plan.{when} "
        f"Upgrade for more credits: {url}",
        upgrade_url=url,
    )


def _check_units(units: int) -> None:
    if not isinstance(units, int) or isinstance(units, bool) or units < 1:
        raise ServiceError(f"Units must be a whole number of at least 1, not {units!r}.")


def _work_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > WORK_KEY_MAX_LENGTH:
        raise ServiceError(
            f"A unit of work needs a key of 1 to {WORK_KEY_MAX_LENGTH} characters (its id)."
        )
    return f"work:{key}"


def credits_check_can_start(*, workspace: Workspace, kind: str, units: int = 1) -> int:
    """The estimated cost of ``units`` units of ``kind``, or a refusal. Writes nothing."""
    _check_units(units)
    account = billing_account_get(workspace=workspace)
    _refuse_if_inactive(account, workspace)
    plan = account.plan_obj
    cost = _unit_cost(plan, kind) * units
    if plan.unlimited or overage_allowed(account):
        return cost
    if account.credit_balance < cost:
        raise _out_of_credits(
            workspace=workspace, account=account, cost=cost, kind=kind, units=units
        )
    return cost


def credits_reserve(*, workspace: Workspace, key: str, kind: str, units: int = 1) -> Reservation:
    """Hold the estimated cost of one unit of work before its provider is called."""
    _check_units(units)
    ledger_key = _work_key(key)
    try:
        with transaction.atomic():
            account = _account_for_update(workspace)
            existing = CreditEntry.objects.for_workspace(workspace).filter(key=ledger_key).first()
            if existing is not None and existing.state != EntryState.RELEASED:
                return _existing_reservation(existing, kind=kind)
            if existing is not None:
                _check_same_work(existing, kind=kind)
            _refuse_if_inactive(account, workspace)
            plan = account.plan_obj
            unit_cost = _unit_cost(plan, kind)
            cost = unit_cost * units
            if plan.unlimited:
                take = 0
            else:
                take = min(account.credit_balance, cost)
                if take < cost and not overage_allowed(account):
                    raise _out_of_credits(
                        workspace=workspace, account=account, cost=cost, kind=kind, units=units
                    )
            if existing is None:
                entry = _ledger_post(
                    account,
                    key=ledger_key,
                    entry_type=EntryType.DEBIT,
                    credits=-take,
                    state=EntryState.RESERVED,
                    work_kind=kind,
                    units=units,
                    unit_cost=unit_cost,
                    cost=cost,
                    # Work on an unlimited plan is recorded at its cost but is never overage.
                    overage=0 if plan.unlimited else cost - take,
                    reference=key[:255],
                )
            else:
                # Released earlier (its provider call failed) and now tried again: the same
                # row holds the new reservation, so the key still charges at most once.
                if take:
                    _balance_move(account, -take)
                entry = existing
                entry.credits, entry.cost = -take, cost
                entry.overage = 0 if plan.unlimited else cost - take
                entry.units, entry.unit_cost = units, unit_cost
                entry.state, entry.settled_at = EntryState.RESERVED, None
                entry.save()
    except IntegrityError:
        # The same key reserved at the same moment by another worker: theirs stands, ours
        # rolled back whole (balance included).
        existing = CreditEntry.objects.for_workspace(workspace).filter(key=ledger_key).first()
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
    refunded = (
        CreditEntry.objects.for_workspace(entry.workspace_id)
        .filter(key=f"refund:{entry.key}")
        .exists()
    )
    if refunded:
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
        .filter(key=_work_key(key), entry_type=EntryType.DEBIT)
        .first()
    )


@transaction.atomic
def credits_settle(*, workspace: Workspace, key: str, units: int | None = None) -> Reservation:
    """Make a reservation's charge final, reconciled to the ``units`` actually done."""
    account = _account_for_update(workspace)
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
        _report_overage_on_commit(entry)
    return Reservation.from_entry(entry)


def credits_settle_found(*, workspace: Workspace, key: str, units: int | None = None) -> bool:
    """For work found already done (a redelivered job item): settle its reservation if one is
    still open, so the charge (and any overage) is final. True when it settled one now."""
    entry = CreditEntry.objects.for_workspace(workspace).filter(key=_work_key(key)).first()
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
            _balance_move(account, to_balance)
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
            _balance_move(account, -take)
        extra_overage = delta - take if overage_allowed(account) else 0
        entry.credits -= take
        entry.overage += extra_overage
        entry.cost += take + extra_overage


def _give_back(workspace: Workspace, key: str, reason: str) -> Reservation | None:
    account = _account_for_update(workspace)
    entry = _work_entry_for_update(workspace, key)
    if entry is None:
        return None
    if entry.state == EntryState.RESERVED:
        if entry.credits:
            _balance_move(account, -entry.credits)
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
    refund = _ledger_post(
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
        _cancel_overage_on_commit(entry)
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


# --- Overage through the Stripe meter ----------------------------------------------------------


def _meter_identifier(entry: CreditEntry) -> str:
    return f"atelier-{entry.workspace_id}-{entry.pk}"


def _report_overage_on_commit(entry: CreditEntry) -> None:
    from apps.billing.tasks import billing_report_overage

    workspace_id, entry_id = entry.workspace_id, entry.pk
    transaction.on_commit(
        lambda: billing_report_overage.delay(workspace_id=workspace_id, entry_id=entry_id)
    )


def _cancel_overage_on_commit(entry: CreditEntry) -> None:
    from apps.billing.tasks import billing_cancel_overage

    workspace_id, entry_id = entry.workspace_id, entry.pk
    transaction.on_commit(
        lambda: billing_cancel_overage.delay(workspace_id=workspace_id, entry_id=entry_id)
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
    pending = list(
        CreditEntry.objects.all_workspaces()
        .filter(
            entry_type=EntryType.DEBIT,
            state=EntryState.SETTLED,
            overage__gt=0,
            overage_reported_at__isnull=True,
            settled_at__lt=cutoff,
        )
        .values_list("workspace_id", "pk")[:500]
    )
    return sum(
        credits_report_overage(workspace_id=workspace_id, entry_id=entry_id)
        for workspace_id, entry_id in pending
    )


# --- Seats --------------------------------------------------------------------------------------


def seats_check_can_invite(*, workspace: Workspace, email: str = "") -> None:
    """Refuse an invitation the plan has no seat for (members + open invitations)."""
    with transaction.atomic():
        # The lock lasts until the caller's transaction ends: invitations queue up per workspace.
        account = _account_for_update(workspace)
        seats = account.plan_obj.seats
        if seats is None:
            return
        now = timezone.now()
        open_invitations = Invitation.objects.for_workspace(workspace).filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        if email and open_invitations.filter(email__iexact=email).exists():
            return  # sent again: it already holds its seat
        members = Membership.objects.for_workspace(workspace).count()
        invited = open_invitations.count()
        if members + invited >= seats:
            url = upgrade_url(workspace)
            taken = f"{members} member{'s' if members != 1 else ''}"
            if invited:
                taken += f", {invited} open invitation{'s' if invited != 1 else ''}"
            raise SeatLimitReached(
                f"The {account.plan_obj.name} plan includes {seats} seats and all are taken "
                f"({taken}). Withdraw an invitation, or upgrade for more seats: {url}",
                upgrade_url=url,
            )


# --- Plans --------------------------------------------------------------------------------------


@transaction.atomic
def billing_plan_assign(
    *,
    workspace: Workspace,
    actor,
    plan_code: str,
    by_site_admin: bool = False,
    origin: RequestOrigin | None = None,
) -> BillingAccount:
    """Put the workspace on a plan without Stripe: a site administrator (any mode, e.g. a
    complimentary plan) or a billing manager in self-hosted mode. Starts a new monthly period
    with the plan's credits."""
    plan = PLANS.get(plan_code)
    if plan is None:
        raise ServiceError(f"“{plan_code}” is not a plan.", field="plan")
    if not by_site_admin:
        if stripe_adapter.stripe_configured():
            raise ServiceError(
                "Plans are bought through Stripe on this installation: use “Choose plan”."
            )
        if plan.code == PlanCode.TRIAL:
            raise ServiceError("The free trial cannot be chosen again; pick a plan.", field="plan")
    account = _account_for_update(workspace)
    previous_plan = account.plan
    now = timezone.now()
    account.plan = plan.code
    account.status = SubscriptionStatus.ACTIVE
    account.past_due_since = None
    account.cancel_at_period_end = False
    if plan.code == PlanCode.TRIAL:
        account.status = SubscriptionStatus.TRIALING
        account.trial_ends_at = now + timedelta(days=settings.BILLING_TRIAL_DAYS)
        account.current_period_end = account.trial_ends_at
    else:
        account.current_period_end = None if plan.unlimited else add_month(now)
    account.current_period_start = now
    _save_state(account)
    actor_email = getattr(actor, "email", "") or "system"
    _grant_for_period(
        account,
        key=f"assign:{now:%Y%m%dT%H%M%S.%f}",
        plan=plan,
        reference=f"{plan.name} assigned by {actor_email}"[:255],
    )
    trail.record(
        workspace=workspace,
        user=actor,
        action=AuditAction.BILLING_PLAN_CHANGED,
        target=plan.name,
        details={"from": previous_plan, "to": plan.code, "by_site_admin": by_site_admin},
        origin=origin,
    )
    return account


def billing_renew_periods(*, now: datetime | None = None) -> int:
    """Start the next monthly period of plans assigned without Stripe (beat, hourly).

    Stripe-billed plans renew on ``invoice.paid`` instead.
    """
    now = now or timezone.now()
    due = list(
        BillingAccount.objects.all_workspaces()
        .filter(stripe_subscription_id="", current_period_end__lte=now)
        .exclude(plan__in=[PlanCode.TRIAL, PlanCode.UNLIMITED])
        .values_list("workspace_id", flat=True)
    )
    return sum(_renew_one(workspace_id, now) for workspace_id in due)


@transaction.atomic
def _renew_one(workspace_id: int, now: datetime) -> bool:
    account = _account_for_update(workspace_id)
    if account.stripe_subscription_id or not account.current_period_end:
        return False
    if account.current_period_end > now or account.status != SubscriptionStatus.ACTIVE:
        return False
    start = account.current_period_end
    while add_month(start) <= now:  # a server that was off for months catches up in one step
        start = add_month(start)
    account.current_period_start = start
    account.current_period_end = add_month(start)
    account.save(update_fields=["current_period_start", "current_period_end", "updated_at"])
    return _grant_for_period(
        account,
        key=f"period:{start:%Y%m%dT%H%M%S}",
        plan=account.plan_obj,
        reference=f"{account.plan_obj.name}: period from {start:%Y-%m-%d}",
    )


# --- Stripe Checkout and the customer portal ---------------------------------------------------
# These call Stripe synchronously because the person is redirected to the URL Stripe returns;
# no transaction is open while they wait, and the one local write (the customer id) is made
# after Stripe answered, guarded so two clicks keep one customer.


def _customer_ensure(*, workspace: Workspace, account: BillingAccount, actor) -> str:
    if account.stripe_customer_id:
        return account.stripe_customer_id
    customer_id = stripe_adapter.customer_create(
        workspace_id=workspace.pk, name=workspace.name, email=getattr(actor, "email", "")
    )
    with transaction.atomic():
        BillingAccount.objects.for_workspace(workspace).filter(
            pk=account.pk, stripe_customer_id=""
        ).update(stripe_customer_id=customer_id)
    account.refresh_from_db(fields=["stripe_customer_id"])
    return account.stripe_customer_id


def billing_checkout_start(*, workspace: Workspace, actor, plan_code: str, return_url: str) -> str:
    """Where to send a billing manager to subscribe to ``plan_code`` or change to it.

    Without a live subscription: a Stripe Checkout session (customer, price, success and
    cancel URLs, ``client_reference_id`` = the workspace id). With one: the customer portal's
    confirm-the-change page, so the existing subscription is changed rather than a second
    one started.
    """
    if not stripe_adapter.stripe_configured():
        raise ServiceError(
            "This installation runs without Stripe (self-hosted mode): plans are assigned here "
            "or by a site administrator, and nothing is charged."
        )
    plan = PLANS.get(plan_code)
    if plan is None or not plan.is_paid:
        raise ServiceError(f"“{plan_code}” is not a plan you can subscribe to.", field="plan")
    price = plan.stripe_price_id
    if not price:
        raise ServiceError(
            f"The {plan.name} plan has no Stripe price on this installation "
            f"({plan.price_setting} is not set). Ask the site administrator."
        )
    account = billing_account_ensure(workspace=workspace)
    live = account.stripe_subscription_id and account.status in LIVE_STATUSES
    if live:
        if account.plan == plan.code:
            raise ServiceError(f"{workspace.name} is already on the {plan.name} plan.")
        return stripe_adapter.portal_session_create(
            customer=account.stripe_customer_id,
            return_url=return_url,
            subscription=account.stripe_subscription_id,
            subscription_item=account.stripe_subscription_item_id,
            price=price,
        )
    customer = _customer_ensure(workspace=workspace, account=account, actor=actor)
    separator = "&" if "?" in return_url else "?"
    metadata = {"workspace_id": str(workspace.pk), "plan": plan.code}
    return stripe_adapter.checkout_session_create(
        customer=customer,
        price=price,
        metered_price=settings.STRIPE_PRICE_OVERAGE if plan.overage else "",
        success_url=f"{return_url}{separator}checkout=success",
        cancel_url=f"{return_url}{separator}checkout=cancelled",
        client_reference_id=str(workspace.pk),
        metadata=metadata,
    )


def billing_portal_start(*, workspace: Workspace, actor, return_url: str) -> str:
    """The Stripe customer portal: payment methods, invoices, cancellation."""
    if not stripe_adapter.stripe_configured():
        raise ServiceError("This installation runs without Stripe (self-hosted mode).")
    account = billing_account_ensure(workspace=workspace)
    if not account.stripe_customer_id:
        raise ServiceError("There is nothing to manage in Stripe yet: choose a plan first.")
    return stripe_adapter.portal_session_create(
        customer=account.stripe_customer_id, return_url=return_url
    )


# --- Stripe webhooks ----------------------------------------------------------------------------


class UnknownStripePrice(Exception):
    """A subscription of ours at a price no plan names: a configuration error. Raised so the
    event fails (500) and Stripe retries it once STRIPE_PRICE_* is fixed."""


def stripe_event_process(*, event: dict[str, Any]) -> str:
    """Apply one verified Stripe event, once. Returns what happened, for the log.

    One transaction: the event id is stored with the changes it caused, so a duplicate
    delivery finds the id and changes nothing, and a handler that fails leaves nothing behind
    (not even the id): the webhook answers 500 and Stripe delivers it again.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=str(event["id"]),
                    type=str(event["type"]),
                    created=int(event["created"]),
                )
        except IntegrityError:
            return "duplicate"
        handler = _EVENT_HANDLERS.get(record.type)
        account, outcome = (None, "ignored: not an event we handle")
        if handler is not None:
            account, outcome = handler(event)
        record.workspace_id = account.workspace_id if account else None
        record.outcome = outcome[:255]
        record.save(update_fields=["workspace", "outcome"])
    return outcome


def _account_by_customer(customer: str | None) -> BillingAccount | None:
    if not customer:
        return None
    # Site-wide by design: a signed Stripe event names a customer, not a workspace.
    return (
        BillingAccount.objects.all_workspaces()
        .select_for_update()
        .filter(stripe_customer_id=customer)
        .first()
    )


def _account_by_workspace_id(value: Any) -> BillingAccount | None:
    try:
        workspace = Workspace.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None
    return _account_for_update(workspace) if workspace else None


def _on_checkout_completed(event: dict) -> tuple[BillingAccount | None, str]:
    session = event["data"]["object"]
    if session.get("mode") != "subscription":
        return None, "ignored: not a subscription checkout"
    account = _account_by_workspace_id(session.get("client_reference_id"))
    if account is None:
        return None, "ignored: no such workspace"
    customer, subscription = session.get("customer") or "", session.get("subscription") or ""
    if account.stripe_customer_id and customer and customer != account.stripe_customer_id:
        logger.warning("Checkout %s: customer %s is not the account's", session.get("id"), customer)
        return account, "ignored: another customer"
    if customer and not account.stripe_customer_id:
        holder = _customer_holder(customer, besides=account)
        if holder is not None:
            # Applying it would give one customer two workspaces (and fail on every retry).
            logger.error(
                "Stripe checkout %s for workspace %s names customer %s, which belongs to "
                "workspace %s: not applied. Check this checkout in the Stripe dashboard.",
                session.get("id"),
                account.workspace_id,
                customer,
                holder,
            )
            return account, f"refused: customer {customer} belongs to another workspace"
        account.stripe_customer_id = customer
    if subscription and subscription != account.stripe_subscription_id:
        # Subscription events may arrive after this one: until then the plan bought counts.
        plan = PLANS.get((session.get("metadata") or {}).get("plan", ""))
        account.stripe_subscription_id = subscription
        account.stripe_subscription_item_id = ""
        if plan is not None and plan.is_paid:
            account.plan = plan.code
        account.status = SubscriptionStatus.ACTIVE
        account.past_due_since = None
        account.cancel_at_period_end = False
    _save_state(account)
    return account, "applied"


def _customer_holder(customer: str, *, besides: BillingAccount) -> int | None:
    """The workspace whose account already has this Stripe customer, other than ``besides``."""
    return (
        BillingAccount.objects.all_workspaces()
        .filter(stripe_customer_id=customer)
        .exclude(pk=besides.pk)
        .values_list("workspace_id", flat=True)
        .first()
    )


def _subscription_plan_item(subscription: dict) -> tuple[dict, Plan | None]:
    """The subscription item that carries the plan's price (not the metered overage price)."""
    items = (subscription.get("items") or {}).get("data") or []
    for item in items:
        plan = plan_for_price(((item.get("price") or {}).get("id")) or "")
        if plan is not None:
            return item, plan
    return (items[0] if items else {}), None


def _is_stale(account: BillingAccount, event: dict, subscription_id: str, status: str) -> bool:
    created = int(event["created"])
    if created < account.stripe_state_at:
        return True
    if created == account.stripe_state_at and subscription_id == account.stripe_subscription_id:
        # Stripe timestamps are whole seconds: within one second, "created" is never newer
        # than an update, and nothing but a deletion follows a cancellation.
        if event["type"] == "customer.subscription.created":
            return True
        if account.status == SubscriptionStatus.CANCELED and status != SubscriptionStatus.CANCELED:
            return True
    return False


def _on_subscription(event: dict) -> tuple[BillingAccount | None, str]:
    subscription = event["data"]["object"]
    account = _account_by_customer(subscription.get("customer"))
    if account is None:
        workspace_id = (subscription.get("metadata") or {}).get("workspace_id")
        account = _account_by_workspace_id(workspace_id)
        if account is not None and account.stripe_customer_id not in (
            "",
            subscription.get("customer"),
        ):
            account = None
    if account is None:
        return None, "ignored: unknown customer"
    deleted = event["type"] == "customer.subscription.deleted"
    status = SubscriptionStatus.CANCELED if deleted else subscription.get("status", "")
    if status not in SubscriptionStatus.values:
        return account, f"ignored: status {status!r}"
    subscription_id = subscription.get("id") or ""
    if (
        subscription_id != account.stripe_subscription_id
        and account.stripe_subscription_id
        and account.status in LIVE_STATUSES
        and status not in LIVE_STATUSES
    ):
        return account, "ignored: an earlier subscription"
    if _is_stale(account, event, subscription_id, status):
        return account, "ignored: older than the state applied"
    item, plan = _subscription_plan_item(subscription)
    if plan is None and not deleted:
        plan = PLANS.get((subscription.get("metadata") or {}).get("plan", ""))
        if plan is None or not plan.is_paid:
            raise UnknownStripePrice(
                f"Subscription {subscription_id} has no price named by STRIPE_PRICE_*."
            )
    if plan is not None:
        account.plan = plan.code
    account.status = status
    account.stripe_customer_id = account.stripe_customer_id or subscription.get("customer", "")
    account.stripe_subscription_id = subscription_id
    account.stripe_subscription_item_id = item.get("id", "") or ""
    # Since API 2025-03-31 the period lives on the subscription item.
    period_start = item.get("current_period_start") or subscription.get("current_period_start")
    period_end = item.get("current_period_end") or subscription.get("current_period_end")
    if period_start and period_end:
        account.current_period_start = from_timestamp(period_start)
        account.current_period_end = from_timestamp(period_end)
    account.cancel_at_period_end = bool(subscription.get("cancel_at_period_end"))
    account.trial_ends_at = from_timestamp(subscription.get("trial_end"))
    if status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID):
        account.past_due_since = account.past_due_since or from_timestamp(event["created"])
    else:
        account.past_due_since = None
    account.stripe_state_at = int(event["created"])
    _save_state(account)
    return account, "applied"


def _invoice_subscription(invoice: dict) -> str:
    parent = invoice.get("parent") or {}
    details = parent.get("subscription_details") or {}
    return details.get("subscription") or invoice.get("subscription") or ""


def _invoice_plan(invoice: dict) -> Plan | None:
    for line in (invoice.get("lines") or {}).get("data") or []:
        pricing = (line.get("pricing") or {}).get("price_details") or {}
        price = pricing.get("price") or (line.get("price") or {}).get("id") or ""
        if isinstance(price, dict):
            price = price.get("id", "")
        plan = plan_for_price(price)
        if plan is not None:
            return plan
    return None


def _invoice_period_start(invoice: dict) -> datetime | None:
    """The start of the billing period an invoice pays for: its plan line's period (Stripe
    puts the invoice's own period_start/end on the usage period before it)."""
    for line in (invoice.get("lines") or {}).get("data") or []:
        start = (line.get("period") or {}).get("start")
        if start:
            return from_timestamp(start)
    return from_timestamp(invoice.get("period_start"))


def _period_already_granted(account: BillingAccount, period_start: datetime | None) -> bool:
    return bool(
        period_start
        and account.credits_period_start
        and period_start <= account.credits_period_start
    )


def _invoice_record(account: BillingAccount, invoice: dict) -> None:
    invoices = Invoice.objects.for_workspace(account.workspace_id)
    existing = invoices.filter(stripe_invoice_id=invoice["id"]).first()
    status = invoice.get("status") or ""
    if existing is not None and existing.status == "paid":
        status = "paid"  # a late "payment failed" does not unpay a paid invoice
    values = {
        "number": invoice.get("number") or "",
        "status": status,
        "amount_due": invoice.get("amount_due") or 0,
        "amount_paid": invoice.get("amount_paid") or 0,
        "currency": invoice.get("currency") or "",
        "hosted_invoice_url": invoice.get("hosted_invoice_url") or "",
        "invoice_pdf": invoice.get("invoice_pdf") or "",
        "period_start": from_timestamp(invoice.get("period_start")),
        "period_end": from_timestamp(invoice.get("period_end")),
        "stripe_created": from_timestamp(invoice.get("created")) or timezone.now(),
    }
    if existing is None:
        invoices.create(
            workspace_id=account.workspace_id, stripe_invoice_id=invoice["id"], **values
        )
    else:
        invoices.filter(pk=existing.pk).update(**values)


def _on_invoice_paid(event: dict) -> tuple[BillingAccount | None, str]:
    invoice = event["data"]["object"]
    account = _account_by_customer(invoice.get("customer"))
    if account is None:
        return None, "ignored: unknown customer"
    _invoice_record(account, invoice)
    subscription_id = _invoice_subscription(invoice)
    if not subscription_id:
        return account, "recorded: not a subscription invoice"
    plan = _invoice_plan(invoice)
    if plan is None:
        if not account.plan_obj.is_paid:
            raise UnknownStripePrice(
                f"Invoice {invoice['id']} has no price named by STRIPE_PRICE_*."
            )
        plan = account.plan_obj
    reason = invoice.get("billing_reason") or ""
    outcome = "recorded"
    period_start = _invoice_period_start(invoice)
    if reason in ("subscription_create", "subscription_cycle"):
        if _period_already_granted(account, period_start):
            # A late (or re-sent) invoice for a period whose credits were given already, or
            # for an earlier one: a new period has started since; granting would add it again.
            outcome = "recorded: this period's credits were already granted"
        elif _grant_for_period(
            account,
            key=f"invoice:{invoice['id']}",
            plan=plan,
            reference=f"{plan.name}: invoice {invoice.get('number') or invoice['id']}",
        ):
            outcome = f"granted {plan.monthly_credits} credits"
            account.credits_period_start = period_start
    elif (
        reason == "subscription_update"
        and not plan.unlimited
        and not (
            period_start
            and account.credits_period_start
            and period_start < account.credits_period_start
        )
    ):
        # An upgrade mid-period: top up to the new plan's monthly credits.
        top_up = plan.monthly_credits - account.period_granted
        if top_up > 0 and _ledger_post(
            account,
            key=f"grant:invoice:{invoice['id']}",
            entry_type=EntryType.GRANT,
            credits=top_up,
            reference=f"Upgrade to {plan.name}: invoice {invoice.get('number') or invoice['id']}",
        ):
            account.period_granted += top_up
            outcome = f"granted {top_up} credits (upgrade)"
    created = int(event["created"])
    if (
        subscription_id == account.stripe_subscription_id
        and account.status in (SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID)
        and created >= account.stripe_state_at
    ):
        account.status = SubscriptionStatus.ACTIVE
        account.past_due_since = None
        account.stripe_state_at = created
    _save_state(account)
    return account, outcome


def _on_invoice_payment_failed(event: dict) -> tuple[BillingAccount | None, str]:
    invoice = event["data"]["object"]
    account = _account_by_customer(invoice.get("customer"))
    if account is None:
        return None, "ignored: unknown customer"
    _invoice_record(account, invoice)
    subscription_id = _invoice_subscription(invoice)
    created = int(event["created"])
    if (
        subscription_id
        and subscription_id == account.stripe_subscription_id
        and account.status
        in (SubscriptionStatus.ACTIVE, SubscriptionStatus.TRIALING, SubscriptionStatus.PAST_DUE)
        and created >= account.stripe_state_at
    ):
        account.status = SubscriptionStatus.PAST_DUE
        account.past_due_since = account.past_due_since or from_timestamp(created)
        account.stripe_state_at = created
        _save_state(account)
        return account, "past due"
    return account, "recorded"


_EVENT_HANDLERS = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "invoice.paid": _on_invoice_paid,
    "invoice.payment_failed": _on_invoice_payment_failed,
}
