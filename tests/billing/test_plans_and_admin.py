"""Plans, self-hosted periods, the admin assignment, configuration checks, the chart."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import reverse
from django.utils import timezone

from apps.billing.charts import usage_chart
from apps.billing.models import BillingAccount, CreditEntry
from apps.billing.plans import PLANS, PlanCode, WorkKind, plan_for_price
from apps.billing.rules import add_month
from apps.billing.services import accounts, credits, plan_changes
from tests.billing.support import balance_of, ledger_sum
from tests.factories import UserFactory, actor_for

pytestmark = pytest.mark.django_db


def test_every_plan_prices_every_kind_of_work():
    for plan in PLANS.values():
        assert set(plan.credit_costs) == set(WorkKind.values), plan.code
    assert PLANS[PlanCode.TRIAL].seats == 3
    assert PLANS[PlanCode.GROWTH].overage and not PLANS[PlanCode.STARTER].overage
    assert PLANS[PlanCode.UNLIMITED].unlimited and PLANS[PlanCode.UNLIMITED].seats is None


def test_prices_come_from_settings(settings):
    settings.STRIPE_PRICE_GROWTH = "price_abc"
    assert PLANS[PlanCode.GROWTH].stripe_price_id == "price_abc"
    assert plan_for_price("price_abc") is PLANS[PlanCode.GROWTH]
    assert plan_for_price("") is None and plan_for_price("price_other") is None


def test_add_month_keeps_the_day_or_takes_the_last():
    assert add_month(datetime(2026, 1, 31, tzinfo=UTC)) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_month(datetime(2026, 12, 15, tzinfo=UTC)) == datetime(2027, 1, 15, tzinfo=UTC)


def test_self_hosted_periods_renew_with_fresh_credits_once(workspace, owner):
    plan_changes.billing_plan_select(actor=actor_for(workspace, owner), plan_code=PlanCode.STARTER)
    credits.credits_charge(workspace=workspace, key="a", kind="copy_variant", units=100)
    account = BillingAccount.objects.for_workspace(workspace).get()
    old_end = account.current_period_end
    later = old_end + timedelta(minutes=1)

    assert plan_changes.billing_renew_periods(now=later) == 1
    assert plan_changes.billing_renew_periods(now=later) == 0
    account.refresh_from_db()
    assert (account.current_period_start, account.current_period_end) == (
        old_end,
        add_month(old_end),
    )
    # Unused credits lapsed; the new period starts full.
    assert balance_of(workspace) == 2_000 == ledger_sum(workspace)


def test_renewal_skips_trials_unlimited_and_stripe_billed(workspace, other_workspace, owner):
    accounts.billing_account_ensure(workspace=workspace)  # trial
    plan_changes.billing_plan_assign(
        workspace=other_workspace, site_admin=None, plan_code=PlanCode.UNLIMITED
    )
    assert plan_changes.billing_renew_periods(now=timezone.now() + timedelta(days=90)) == 0


def test_site_admin_assigns_unlimited_in_the_admin(client, workspace):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    account = accounts.billing_account_ensure(workspace=workspace)
    response = client.post(
        reverse("admin:billing_billingaccount_change", args=[account.pk]),
        {"plan": PlanCode.UNLIMITED, "adjust_credits": "", "adjust_reason": ""},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    account.refresh_from_db()
    assert account.plan == PlanCode.UNLIMITED
    assert credits.credits_check_can_start(workspace=workspace, kind="training_run", units=50)


def test_site_admin_adjusts_credits_through_the_ledger(client, workspace):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    account = accounts.billing_account_ensure(workspace=workspace)
    response = client.post(
        reverse("admin:billing_billingaccount_change", args=[account.pk]),
        {"plan": PlanCode.TRIAL, "adjust_credits": "250", "adjust_reason": "Support goodwill"},
    )
    assert response.status_code == 302
    assert balance_of(workspace) == 550 == ledger_sum(workspace)
    entry = CreditEntry.objects.for_workspace(workspace).get(entry_type="adjust")
    assert entry.reference == f"Support goodwill ({admin_user.email})"


def test_admin_lists_open(client, workspace):
    admin_user = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    credits.credits_charge(workspace=workspace, key="a", kind="copy_variant")
    for model in ("billingaccount", "creditentry", "invoice", "stripeevent"):
        assert client.get(reverse(f"admin:billing_{model}_changelist")).status_code == 200


def test_half_configured_stripe_fails_the_system_check(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_WEBHOOK_SECRET = ""
    settings.STRIPE_PRICE_STARTER = settings.STRIPE_PRICE_GROWTH = settings.STRIPE_PRICE_SCALE = ""
    with pytest.raises(SystemCheckError) as error:
        call_command("check")
    assert "billing.E001" in str(error.value) and "billing.E002" in str(error.value)


def test_the_chart_stacks_kinds_per_day():
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(3)]
    chart = usage_chart(days, {days[1]: {"copy_variant": 4, "image_operation": 6}})
    assert chart.total == 10
    assert [bar.css_class for bar in chart.bars] == [
        "usage-kind-copy-variant",
        "usage-kind-image-operation",
    ]
    copy, image = chart.bars
    assert copy.y + copy.height == chart.baseline  # copy sits on the axis
    assert image.y + image.height == pytest.approx(copy.y)  # image stacks on top
    assert copy.title == "2 Mar: 4 credits, copy variant"
    assert [label.text for label in chart.y_labels] == ["0", "5", "10"]
    assert usage_chart(days, {}).empty
