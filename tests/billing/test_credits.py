"""The credits ledger: reserve, settle, release, refund, and refusals before work starts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.billing.errors import BillingInactive, NoCostEstimate, OutOfCredits
from apps.billing.models import BillingAccount, CreditEntry, EntryState, SubscriptionStatus
from apps.billing.plans import PLANS, PlanCode, WorkKind
from apps.billing.services import accounts, batches, credits, plan_changes
from apps.core.errors import ServiceError
from tests.billing.support import balance_of, ledger_sum, set_balance
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db

TRIAL_CREDITS = PLANS[PlanCode.TRIAL].monthly_credits
IMAGE = PLANS[PlanCode.TRIAL].cost_of(WorkKind.IMAGE_OPERATION)


def test_a_new_workspace_starts_on_the_trial_with_its_credits(workspace):
    account = accounts.billing_account_ensure(workspace=workspace)
    assert account.plan == PlanCode.TRIAL
    assert account.status == SubscriptionStatus.TRIALING
    assert account.trial_ends_at == workspace.created_at + timedelta(days=14)
    assert account.credit_balance == TRIAL_CREDITS == ledger_sum(workspace)
    # Opening it again changes nothing.
    accounts.billing_account_ensure(workspace=workspace)
    assert CreditEntry.objects.for_workspace(workspace).count() == 1


def test_reserve_then_settle_charges_once(workspace):
    reservation = credits.credits_reserve(
        workspace=workspace, key="item-1", kind=WorkKind.IMAGE_OPERATION, units=2
    )
    assert (reservation.cost, reservation.from_balance, reservation.state) == (
        2 * IMAGE,
        2 * IMAGE,
        "reserved",
    )
    assert balance_of(workspace) == TRIAL_CREDITS - 2 * IMAGE

    settled = credits.credits_settle(workspace=workspace, key="item-1")
    assert settled.state == "settled"
    assert balance_of(workspace) == TRIAL_CREDITS - 2 * IMAGE == ledger_sum(workspace)


def test_a_retried_item_cannot_charge_twice(workspace):
    first = credits.credits_reserve(workspace=workspace, key="job-7:item-3", kind="copy_variant")
    credits.credits_settle(workspace=workspace, key="job-7:item-3")
    again = credits.credits_reserve(workspace=workspace, key="job-7:item-3", kind="copy_variant")
    credits.credits_settle(workspace=workspace, key="job-7:item-3")

    assert again.state == "settled" and again.cost == first.cost
    assert balance_of(workspace) == TRIAL_CREDITS - 1
    debits = CreditEntry.objects.for_workspace(workspace).filter(entry_type="debit")
    assert debits.count() == 1


def test_the_same_key_in_another_workspace_is_another_charge(workspace, other_workspace):
    credits.credits_charge(workspace=workspace, key="item-1", kind="copy_variant")
    credits.credits_charge(workspace=other_workspace, key="item-1", kind="copy_variant")
    assert balance_of(workspace) == balance_of(other_workspace) == TRIAL_CREDITS - 1


def test_a_key_reused_for_other_work_is_refused(workspace):
    credits.credits_reserve(workspace=workspace, key="k", kind="copy_variant")
    with pytest.raises(ServiceError, match="already used for other work"):
        credits.credits_reserve(workspace=workspace, key="k", kind="image_operation")
    assert balance_of(workspace) == TRIAL_CREDITS - 1


def test_release_gives_the_reservation_back_once(workspace):
    credits.credits_reserve(workspace=workspace, key="item-1", kind="image_operation")
    released = credits.credits_release(workspace=workspace, key="item-1", reason="timeout")
    credits.credits_release(workspace=workspace, key="item-1", reason="timeout")
    assert released.state == "released"
    assert balance_of(workspace) == TRIAL_CREDITS == ledger_sum(workspace)
    entry = CreditEntry.objects.for_workspace(workspace).get(key="work:item-1")
    assert (entry.credits, entry.cost, entry.state) == (0, 0, EntryState.RELEASED)
    with pytest.raises(ServiceError, match="released"):
        credits.credits_settle(workspace=workspace, key="item-1")


def test_refund_of_a_failed_item_is_one_keyed_row(workspace):
    credits.credits_charge(workspace=workspace, key="item-1", kind="image_operation")
    refunded = credits.credits_refund(workspace=workspace, key="item-1", reason="bad output")
    credits.credits_refund(workspace=workspace, key="item-1", reason="bad output")
    assert refunded.state == "refunded"
    assert balance_of(workspace) == TRIAL_CREDITS == ledger_sum(workspace)
    refunds = CreditEntry.objects.for_workspace(workspace).filter(entry_type="refund")
    assert [(r.key, r.credits, r.cost) for r in refunds] == [("refund:work:item-1", IMAGE, -IMAGE)]
    # A refunded key is closed: a new attempt needs a key of its own.
    with pytest.raises(ServiceError, match="was refunded") as refusal:
        credits.credits_reserve(workspace=workspace, key="item-1", kind="image_operation")
    assert refusal.value.code == "refunded"
    assert balance_of(workspace) == TRIAL_CREDITS


def test_a_released_item_tried_again_is_reserved_again_once(workspace):
    credits.credits_reserve(workspace=workspace, key="item-1", kind="image_operation")
    credits.credits_release(workspace=workspace, key="item-1", reason="provider timeout")
    again = credits.credits_reserve(workspace=workspace, key="item-1", kind="image_operation")
    same = credits.credits_reserve(workspace=workspace, key="item-1", kind="image_operation")
    assert again.state == same.state == "reserved"
    credits.credits_settle(workspace=workspace, key="item-1")
    assert balance_of(workspace) == TRIAL_CREDITS - IMAGE == ledger_sum(workspace)
    assert CreditEntry.objects.for_workspace(workspace).filter(entry_type="debit").count() == 1


def test_release_or_refund_of_nothing_is_none(workspace):
    assert credits.credits_release(workspace=workspace, key="never") is None
    assert credits.credits_refund(workspace=workspace, key="never") is None


def test_settle_with_fewer_units_gives_the_difference_back(workspace):
    credits.credits_reserve(workspace=workspace, key="batch", kind="copy_variant", units=5)
    settled = credits.credits_settle(workspace=workspace, key="batch", units=3)
    assert (settled.units, settled.cost, settled.from_balance) == (3, 3, 3)
    assert balance_of(workspace) == TRIAL_CREDITS - 3 == ledger_sum(workspace)


def test_settle_with_more_units_charges_only_what_the_balance_covers(workspace):
    set_balance(workspace, 4)
    credits.credits_reserve(workspace=workspace, key="batch", kind="copy_variant", units=2)
    settled = credits.credits_settle(workspace=workspace, key="batch", units=10)
    assert (settled.cost, settled.from_balance, settled.overage) == (4, 4, 0)
    assert balance_of(workspace) == 0 == ledger_sum(workspace)


def test_work_without_a_cost_estimate_is_refused_not_run_free(workspace):
    with pytest.raises(NoCostEstimate, match="no credit cost"):
        credits.credits_check_can_start(workspace=workspace, kind="video_render")
    with pytest.raises(NoCostEstimate):
        credits.credits_reserve(workspace=workspace, key="v1", kind="video_render")
    assert not BillingAccount.objects.for_workspace(workspace).exists()
    assert not CreditEntry.objects.for_workspace(workspace).exists()


@pytest.mark.parametrize("units", [0, -1, 1.5, True])
def test_units_must_be_a_positive_whole_number(workspace, units):
    with pytest.raises(ServiceError, match="whole number"):
        credits.credits_reserve(workspace=workspace, key="x", kind="copy_variant", units=units)


def test_out_of_credits_refuses_before_start_with_an_upgrade_link_and_no_side_effects(
    workspace, django_capture_on_commit_callbacks
):
    set_balance(workspace, 3)
    entries_before = CreditEntry.objects.for_workspace(workspace).count()
    with pytest.raises(OutOfCredits) as refusal:
        credits.credits_check_can_start(workspace=workspace, kind="image_operation")
    url = f"/w/{workspace.slug}/billing/plans/"
    assert refusal.value.upgrade_url == url
    assert refusal.value.code == "out_of_credits"
    assert "needs 5" in refusal.value.message and "3 are left" in refusal.value.message
    assert url in refusal.value.message

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(OutOfCredits):
        credits.credits_reserve(workspace=workspace, key="item-1", kind="image_operation")
    assert callbacks == []
    assert balance_of(workspace) == 3
    assert CreditEntry.objects.for_workspace(workspace).count() == entries_before


def test_check_can_start_counts_the_units_asked_for(workspace):
    set_balance(workspace, 10)
    assert credits.credits_check_can_start(workspace=workspace, kind="copy_variant", units=10)
    with pytest.raises(OutOfCredits):
        credits.credits_check_can_start(workspace=workspace, kind="copy_variant", units=11)


def test_check_can_start_writes_nothing_for_a_workspace_never_billed(workspace):
    cost = credits.credits_check_can_start(workspace=workspace, kind="training_run")
    assert cost == PLANS[PlanCode.TRIAL].cost_of("training_run")
    assert not BillingAccount.objects.for_workspace(workspace).exists()


def test_the_balance_never_goes_below_zero_even_when_asked_directly(workspace):
    set_balance(workspace, 2)
    with pytest.raises(ServiceError, match="cannot go below zero"):
        credits.credits_adjust(
            workspace=workspace, site_admin=None, credits=-3, key="x", reason="t"
        )
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        BillingAccount.objects.for_workspace(workspace).update(credit_balance=-1)
    assert balance_of(workspace) == 2


def test_an_expired_trial_refuses_new_work(workspace):
    accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).update(
        trial_ends_at=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(BillingInactive, match="free trial ended"):
        credits.credits_check_can_start(workspace=workspace, kind="copy_variant")
    with pytest.raises(BillingInactive):
        credits.credits_reserve(workspace=workspace, key="a", kind="copy_variant")
    assert balance_of(workspace) == TRIAL_CREDITS


def test_a_cancelled_subscription_refuses_new_work(workspace):
    accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).update(
        plan=PlanCode.STARTER, status=SubscriptionStatus.CANCELED
    )
    with pytest.raises(BillingInactive, match="cancelled"):
        credits.credits_reserve(workspace=workspace, key="a", kind="copy_variant")


def test_past_due_works_during_the_grace_period_and_stops_after(workspace, settings):
    settings.BILLING_GRACE_DAYS = 7
    accounts.billing_account_ensure(workspace=workspace)
    rows = BillingAccount.objects.for_workspace(workspace)
    rows.update(
        plan=PlanCode.STARTER,
        status=SubscriptionStatus.PAST_DUE,
        past_due_since=timezone.now() - timedelta(days=6),
    )
    credits.credits_charge(workspace=workspace, key="a", kind="copy_variant")
    rows.update(past_due_since=timezone.now() - timedelta(days=8))
    with pytest.raises(BillingInactive, match="grace period is over"):
        credits.credits_reserve(workspace=workspace, key="b", kind="copy_variant")


def test_unlimited_records_use_without_touching_the_balance(workspace):
    plan_changes.billing_plan_assign(
        workspace=workspace, site_admin=None, plan_code=PlanCode.UNLIMITED
    )
    balance = balance_of(workspace)
    for n in range(3):
        credits.credits_charge(workspace=workspace, key=f"t{n}", kind="training_run")
    assert balance_of(workspace) == balance == ledger_sum(workspace)
    costs = CreditEntry.objects.for_workspace(workspace).filter(entry_type="debit")
    assert sorted(costs.values_list("cost", flat=True)) == [100, 100, 100]
    # Never overage: nothing to report to a Stripe meter (self-hosted has none).
    assert list(costs.values_list("overage", flat=True)) == [0, 0, 0]


def test_unlimited_work_queues_no_overage_report(workspace, django_capture_on_commit_callbacks):
    plan_changes.billing_plan_assign(
        workspace=workspace, site_admin=None, plan_code=PlanCode.UNLIMITED
    )
    with django_capture_on_commit_callbacks() as callbacks:
        credits.credits_reserve(workspace=workspace, key="u1", kind="copy_variant", units=3)
        credits.credits_settle(workspace=workspace, key="u1", units=2)
    assert callbacks == []


def test_work_keys_are_checked(workspace):
    with pytest.raises(ServiceError, match="needs a key"):
        credits.credits_reserve(workspace=workspace, key="", kind="copy_variant")
    with pytest.raises(ServiceError, match="needs a key"):
        credits.credits_reserve(workspace=workspace, key="x" * 181, kind="copy_variant")


def test_settling_an_unknown_key_is_refused(workspace):
    with pytest.raises(ServiceError, match="Nothing was reserved"):
        credits.credits_settle(workspace=workspace, key="ghost")


def test_balance_always_equals_the_ledger(workspace):
    other = WorkspaceFactory()
    for n in range(5):
        credits.credits_reserve(workspace=workspace, key=f"i{n}", kind="image_operation")
    credits.credits_settle(workspace=workspace, key="i0")
    credits.credits_settle(workspace=workspace, key="i1", units=0)
    credits.credits_release(workspace=workspace, key="i2")
    credits.credits_refund(workspace=workspace, key="i0")
    credits.credits_charge(workspace=other, key="i0", kind="copy_variant")
    assert balance_of(workspace) == ledger_sum(workspace) == TRIAL_CREDITS - 2 * IMAGE
    assert balance_of(other) == ledger_sum(other) == TRIAL_CREDITS - 1


def test_a_batch_on_an_unlimited_plan_is_never_overage(workspace):
    """Like a single reservation: recorded at its cost, nothing off the balance, and no
    overage to report to a Stripe meter that a self-hosted installation does not have."""
    plan_changes.billing_plan_assign(
        workspace=workspace, site_admin=None, plan_code=PlanCode.UNLIMITED
    )
    held = batches.credits_reserve_batch(
        workspace=workspace, keys=["a", "b"], kind="image_operation"
    )
    assert [(r.cost, r.from_balance, r.overage) for r in held] == [(5, 0, 0), (5, 0, 0)]
    single = credits.credits_reserve(workspace=workspace, key="c", kind="image_operation")
    assert (single.cost, single.from_balance, single.overage) == (5, 0, 0)
