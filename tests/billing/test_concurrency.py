"""Many workers debiting one workspace at once on PostgreSQL: the balance never goes below
zero, nothing is charged twice, and the balance always equals the ledger."""

from collections import Counter

import pytest

from apps.billing.errors import OutOfCredits
from apps.billing.models import CreditEntry, EntryType
from apps.billing.services import credits
from tests.billing.concurrency import run_in_threads
from tests.billing.support import balance_of, ledger_sum, set_balance
from tests.factories import WorkspaceFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


def test_parallel_debits_stop_exactly_at_zero():
    workspace = WorkspaceFactory()
    set_balance(workspace, 50)
    attempts_per_thread = 10

    def work(n: int) -> Counter:
        outcome = Counter()
        for i in range(attempts_per_thread):
            try:
                credits.credits_charge(workspace=workspace, key=f"t{n}-i{i}", kind="copy_variant")
                outcome["charged"] += 1
            except OutOfCredits:
                outcome["refused"] += 1
        return outcome

    results = run_in_threads(work)
    assert not [r for r in results if isinstance(r, Exception)], results
    total = sum(results, Counter())
    assert total == Counter(charged=50, refused=THREADS * attempts_per_thread - 50)
    assert balance_of(workspace) == 0 == ledger_sum(workspace)
    debits = CreditEntry.objects.for_workspace(workspace).filter(entry_type=EntryType.DEBIT)
    assert debits.count() == 50


def test_mixed_costs_in_parallel_never_overspend():
    workspace = WorkspaceFactory()
    set_balance(workspace, 23)

    def work(n: int) -> int:
        kind = "image_operation" if n % 2 else "copy_variant"
        spent = 0
        for i in range(6):
            try:
                reservation = credits.credits_reserve(
                    workspace=workspace, key=f"t{n}-i{i}", kind=kind
                )
                spent += reservation.from_balance
            except OutOfCredits:
                pass
        return spent

    results = run_in_threads(work)
    assert not [r for r in results if isinstance(r, Exception)], results
    balance = balance_of(workspace)
    assert balance >= 0
    assert balance == 23 - sum(results) == ledger_sum(workspace)
    # 48 one-credit attempts cannot all fit in 23 credits, so some were refused at zero.
    assert balance == 0


def test_the_same_item_retried_by_many_workers_is_charged_once():
    workspace = WorkspaceFactory()
    set_balance(workspace, 100)

    def work(n: int):
        return credits.credits_charge(
            workspace=workspace, key="job-1:item-1", kind="image_operation"
        )

    results = run_in_threads(work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r.cost for r in results} == {5}
    assert balance_of(workspace) == 95 == ledger_sum(workspace)
    assert CreditEntry.objects.for_workspace(workspace).filter(key="work:job-1:item-1").count() == 1


def test_parallel_first_use_opens_one_account_with_one_trial_grant():
    workspace = WorkspaceFactory()

    def work(n: int):
        return credits.credits_charge(workspace=workspace, key=f"k{n}", kind="copy_variant")

    results = run_in_threads(work)
    assert not [r for r in results if isinstance(r, Exception)], results
    grants = CreditEntry.objects.for_workspace(workspace).filter(key="trial")
    assert grants.count() == 1
    assert balance_of(workspace) == 300 - THREADS == ledger_sum(workspace)
