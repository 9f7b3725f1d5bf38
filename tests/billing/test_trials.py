"""One free trial per person, and per company e-mail domain where configured (issue 13,
point 13). The probe: every new workspace opened its own 300-credit trial, so one person could
collect as many as they liked."""

import pytest
from django.urls import reverse

from apps.billing.errors import BillingInactive
from apps.billing.models import BillingAccount, CreditEntry, TrialClaim
from apps.billing.services import credits
from apps.workspaces.services import workspace_create
from tests.billing.concurrency import run_in_threads
from tests.factories import UserFactory


def balance(workspace) -> int:
    return BillingAccount.objects.for_workspace(workspace).get().credit_balance


def test_a_second_workspace_of_the_same_person_has_no_trial(client, db):
    person = UserFactory(email="ada@acme.example")
    first = workspace_create(user=person, name="Acme")
    second = workspace_create(user=person, name="Acme again")
    third = workspace_create(user=person, name="Acme three")
    assert balance(first) == 300
    assert balance(second) == 0 and balance(third) == 0
    assert not CreditEntry.objects.for_workspace(second).filter(key="trial").exists()
    with pytest.raises(BillingInactive) as refused:
        credits.credits_check_can_start(workspace=second, kind="copy_variant")
    assert "no free trial" in refused.value.message
    assert "ada@acme.example already used their free trial (workspace “Acme”)" in (
        refused.value.message
    )
    credits.credits_check_can_start(workspace=first, kind="copy_variant")  # still works

    client.force_login(person)
    page = client.get(reverse("billing_overview", kwargs={"slug": second.slug})).content.decode()
    assert "No free trial for this workspace." in page
    assert "one per person" in page
    first_page = client.get(reverse("billing_overview", kwargs={"slug": first.slug}))
    assert "No free trial" not in first_page.content.decode()
    plans = client.get(reverse("billing_pricing", kwargs={"slug": first.slug}))
    assert "The free trial (14 days) is one per person" in plans.content.decode()


def test_one_trial_per_company_domain_when_configured(db, settings):
    settings.BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN = True
    first = workspace_create(user=UserFactory(email="ada@acme.example"), name="Acme")
    colleague = workspace_create(user=UserFactory(email="bob@ACME.example"), name="Acme 2")
    assert balance(first) == 300
    assert balance(colleague) == 0
    note = BillingAccount.objects.for_workspace(colleague).get().trial_note
    assert "someone at acme.example" in note
    # Public mail providers are not one company.
    for n in range(2):
        workspace = workspace_create(user=UserFactory(email=f"p{n}@gmail.com"), name=f"G{n}")
        assert balance(workspace) == 300
    # An address not yet verified does not claim (or block) its domain.
    unverified = UserFactory(email="eve@other.example", verified=False)
    assert balance(workspace_create(user=unverified, name="Other")) == 300
    assert TrialClaim.objects.get(user=unverified).email_domain == ""
    plans_rule = "one per person and one per company e-mail domain"
    from apps.billing.trials import trial_policy

    assert plans_rule in trial_policy()


def test_without_the_domain_rule_colleagues_each_get_one(db, settings):
    settings.BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN = False
    workspace_create(user=UserFactory(email="ada@acme.example"), name="Acme")
    other = workspace_create(user=UserFactory(email="bob@acme.example"), name="Acme 2")
    assert balance(other) == 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_workspaces_opened_at_once_by_one_person_get_one_trial():
    person = UserFactory(email="fast@acme.example")
    results = run_in_threads(
        lambda n: workspace_create(user=person, name=f"Parallel {n}", slug=f"parallel-{n}"),
        count=6,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    balances = sorted(balance(w) for w in results)
    assert balances == [0, 0, 0, 0, 0, 300]
