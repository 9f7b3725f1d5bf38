"""Who gets the free trial: one per person, and one per verified e-mail domain where the
operator turns that on (``BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN``; public mail providers such as
gmail.com, listed in ``BILLING_TRIAL_SHARED_EMAIL_DOMAINS``, never count as one company).

A new workspace's trial goes to the person who created it. Without this, each new workspace
opened its own 300-credit trial and one person could collect as many as they liked.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q

from apps.accounts.models import User
from apps.accounts.selectors import user_verified_emails
from apps.billing.models import TrialClaim
from apps.workspaces.models import Workspace


@dataclass(frozen=True)
class TrialDecision:
    granted: bool
    note: str = ""  # why not, for the billing page and the refusal message
    domain: str = ""


def trial_policy() -> str:
    """The rule in one sentence, for the billing and plans pages."""
    days = settings.BILLING_TRIAL_DAYS
    rule = f"The free trial ({days} days) is one per person"
    if settings.BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN:
        rule += " and one per company e-mail domain"
    return rule + ": it goes to the first workspace its creator opens."


def _company_domain(user: User) -> str:
    """The domain of the creator's verified address, unless it is a public mail provider."""
    if not settings.BILLING_TRIAL_ONE_PER_EMAIL_DOMAIN:
        return ""
    shared = {d.lower() for d in settings.BILLING_TRIAL_SHARED_EMAIL_DOMAINS}
    email = (user.email or "").lower()
    verified = user_verified_emails(user=user)
    if email not in verified:  # the primary address is the one that counts, once verified
        return ""
    domain = email.rpartition("@")[2]
    return "" if not domain or domain in shared else domain


def trial_decision(workspace: Workspace) -> TrialDecision:
    """Whether ``workspace`` opens with the free trial (read only)."""
    creator = workspace.created_by
    if creator is None:  # made by a site administrator: theirs to decide
        return TrialDecision(granted=True)
    used = (
        TrialClaim.objects.filter(Q(user=creator) | Q(email=(creator.email or "").lower()))
        .exclude(email="", user=None)
        .select_related("workspace")
        .first()
    )
    if used is not None and used.workspace_id != workspace.pk:
        where = f" (workspace “{used.workspace.name}”)" if used.workspace else ""
        return TrialDecision(
            granted=False,
            note=f"{creator.email} already used their free trial{where}; free trials are "
            "one per person.",
        )
    domain = _company_domain(creator)
    if domain:
        taken = (
            TrialClaim.objects.filter(email_domain=domain)
            .exclude(workspace=workspace)
            .select_related("user")
            .first()
        )
        if taken is not None:
            return TrialDecision(
                granted=False,
                note=f"A free trial was already used by someone at {domain}; free trials are "
                "one per company e-mail domain here.",
                domain=domain,
            )
    return TrialDecision(granted=True, domain=domain)


def trial_claim(workspace: Workspace) -> TrialDecision:
    """Decide and record the trial for a workspace being opened (inside its transaction).

    The user's claim is unique: two workspaces opened at the same moment by one person meet at
    the constraint, and the second opens without a trial.
    """
    decision = trial_decision(workspace)
    creator = workspace.created_by
    if not decision.granted or creator is None:
        return decision
    if TrialClaim.objects.filter(user=creator, workspace=workspace).exists():
        return decision  # opened before (an account being re-opened)
    try:
        with transaction.atomic():
            TrialClaim.objects.create(
                user=creator,
                workspace=workspace,
                email=(creator.email or "").lower(),
                email_domain=decision.domain,
            )
    except IntegrityError:
        return TrialDecision(
            granted=False,
            note=f"{creator.email} already used their free trial; free trials are one per person.",
        )
    return decision
