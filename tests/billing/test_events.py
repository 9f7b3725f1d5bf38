import pytest

from apps.billing.models import BillingAccount
from apps.billing.services import accounts
from tests.billing.support import set_balance

pytestmark = pytest.mark.django_db


def test_running_low_is_told_once_when_the_balance_crosses_the_line(
    workspace, heard_events, django_capture_on_commit_callbacks, settings
):
    settings.BILLING_LOW_CREDITS_PERCENT = 10
    account = accounts.billing_account_ensure(workspace=workspace)
    assert account.period_granted == 300  # the trial's credits: the line is at 30
    with django_capture_on_commit_callbacks(execute=True):
        set_balance(workspace, 35)
        assert heard_events == []
        set_balance(workspace, 20)
        set_balance(workspace, 10)  # already below: not told again
    assert [(e.name, e.payload["balance"], e.payload["threshold"]) for e in heard_events] == [
        ("credits.low", 20, 30)
    ]
    assert BillingAccount.objects.for_workspace(workspace).get().credit_balance == 10
