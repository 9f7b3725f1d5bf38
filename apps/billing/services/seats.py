"""Seats: invitations stop at the plan's seat limit (the workspaces app asks through its
invitation guard, registered in ``BillingConfig.ready``)."""

from __future__ import annotations

from django.db import transaction

from apps.billing.errors import SeatLimitReached
from apps.billing.rules import upgrade_url
from apps.billing.selectors import invitation_is_open, seat_usage
from apps.billing.services.accounts import account_for_update
from apps.workspaces.models import Workspace


def seats_check_can_invite(*, workspace: Workspace, email: str = "") -> None:
    """Refuse an invitation the plan has no seat for (members + open invitations).

    Call it inside the inviting transaction: the account row stays locked until that ends, so
    two invitations at once cannot both take the last seat.
    """
    with transaction.atomic():
        account = account_for_update(workspace)
        plan = account.plan_obj
        if plan.seats is None:
            return
        if email and invitation_is_open(workspace=workspace, email=email):
            return  # sent again: it already holds its seat
        usage = seat_usage(workspace=workspace, plan=plan)
        if not usage.full:
            return
        url = upgrade_url(workspace)
        members, invited = usage.members, usage.invitations
        taken = f"{members} member{'s' if members != 1 else ''}"
        way_out = "Upgrade for more seats"
        if invited:
            taken += f", {invited} open invitation{'s' if invited != 1 else ''}"
            way_out = "Withdraw an open invitation, or upgrade for more seats"
        # The plans page is a link beside the message (``fix_url``), not text inside it.
        raise SeatLimitReached(
            f"The {plan.name} plan includes {plan.seats} seats and all are taken "
            f"({taken}). {way_out}.",
            upgrade_url=url,
        )
