"""The credit estimate shown before a run starts (apps.billing.selectors.credit_estimate):
priced from the plan's cost table, against the balance left, and never a write."""

import pytest

from apps.billing.models import BillingAccount, CreditEntry
from apps.billing.plans import PLANS, WorkKind
from apps.billing.selectors import credit_estimate
from apps.billing.services import accounts
from tests.billing.support import set_balance

pytestmark = pytest.mark.postgres


def test_the_cost_is_units_times_the_plans_cost_per_unit(workspace):
    set_balance(workspace, 300)
    copy = credit_estimate(workspace=workspace, kind=WorkKind.COPY_VARIANT, units=12)
    photos = credit_estimate(workspace=workspace, kind=WorkKind.IMAGE_OPERATION, units=4)
    trial = PLANS["trial"]
    assert copy.cost == 12 * trial.cost_of(WorkKind.COPY_VARIANT) == 12
    assert photos.cost == 4 * trial.cost_of(WorkKind.IMAGE_OPERATION) == 20
    assert copy.can_start and photos.can_start
    assert copy.sentence == "This run will use 12 credits of your 300."
    assert photos.sentence == "This run will use 20 credits of your 300."


def test_a_run_past_the_balance_says_so_and_cannot_start(workspace):
    set_balance(workspace, 10)
    estimate = credit_estimate(workspace=workspace, kind=WorkKind.IMAGE_OPERATION, units=3)
    assert (estimate.cost, estimate.beyond_balance, estimate.can_start) == (15, 5, False)
    assert estimate.sentence == "This run needs 15 credits and 10 are left on the Free trial plan."
    assert estimate.upgrade_url == f"/w/{workspace.slug}/billing/plans/"


def test_unlimited_plans_say_there_is_no_limit(workspace):
    accounts.billing_account_ensure(workspace=workspace)
    BillingAccount.objects.for_workspace(workspace).update(plan="unlimited")
    estimate = credit_estimate(workspace=workspace, kind=WorkKind.COPY_VARIANT, units=9)
    assert estimate.can_start
    assert estimate.sentence == (
        "This run will use 9 credits; the Unlimited plan has no credit limit."
    )


def test_estimating_writes_nothing(workspace):
    entries = CreditEntry.objects.for_workspace(workspace).count()
    accounts_before = BillingAccount.objects.for_workspace(workspace).count()
    credit_estimate(workspace=workspace, kind=WorkKind.COPY_VARIANT, units=5)
    assert CreditEntry.objects.for_workspace(workspace).count() == entries
    assert BillingAccount.objects.for_workspace(workspace).count() == accounts_before
