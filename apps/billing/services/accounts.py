"""The billing account: opened on first use, and locked while its credits or plan change.

Every writer reaches the account row through one of the lock helpers here: a person through
``access_billing_account_for_update(actor)``, system work (jobs, renewals, webhooks) through
``account_for_update(workspace)`` or the Stripe lookups. The lock lasts until the transaction
ends, so credits and plan changes of one workspace happen one at a time.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from apps.billing import trials
from apps.billing.models import BillingAccount, EntryType
from apps.billing.plans import PLANS, PlanCode
from apps.billing.rules import billing_account_defaults
from apps.billing.services.ledger import ledger_post
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action


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
                credits = PLANS[PlanCode.TRIAL].monthly_credits or 0
                ledger_post(
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


def billing_account_open(workspace: Workspace) -> None:
    """The workspace-created hook: every workspace opens its account (and trial) as it is
    created, so the trial is decided for its creator then."""
    billing_account_ensure(workspace=workspace)


def account_for_update(workspace: Workspace | int) -> BillingAccount:
    """System work: the workspace's account row, locked (opened first if need be, when the
    workspace itself is given). A no-op lock on SQLite, which serialises writers anyway."""
    accounts = BillingAccount.objects.for_workspace(workspace).select_for_update()
    account = accounts.first()
    if account is None and isinstance(workspace, Workspace):
        billing_account_ensure(workspace=workspace)
        account = accounts.get()
    if account is None:
        raise BillingAccount.DoesNotExist(f"No billing account for workspace {workspace}.")
    return account


def access_billing_account_for_update(actor: Actor) -> BillingAccount:
    """A person changing billing: the actor's workspace account, locked. Refuses (before
    anything is written, the account's opening included) unless the actor may manage billing."""
    actor.require(Action.MANAGE_BILLING)
    account = billing_account_ensure(workspace=actor.workspace)
    return access_for_update(
        actor,
        BillingAccount,
        account.pk,
        missing="This workspace's billing account no longer exists.",
    )


def account_for_update_by_customer(customer: str | None) -> BillingAccount | None:
    """A Stripe event's account, by the customer it names, locked; None for a stranger."""
    if not customer:
        return None
    # Site-wide by design: a signed Stripe event names a customer, not a workspace.
    return (
        BillingAccount.objects.all_workspaces()
        .select_for_update()
        .filter(stripe_customer_id=customer)
        .first()
    )


def account_for_update_by_workspace_id(value: Any) -> BillingAccount | None:
    """A Stripe event's account, by the workspace id we gave Stripe, locked; None if no such
    workspace (or a value that is not an id)."""
    try:
        workspace = Workspace.objects.filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None
    return account_for_update(workspace) if workspace else None
