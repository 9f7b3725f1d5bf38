from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "apps.billing"
    label = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from apps.billing import (
            checks,  # noqa: F401 (registers the system checks)
            dashboard,
        )
        from apps.billing.audit_actions import AuditAction
        from apps.billing.events import BillingEvent
        from apps.billing.services.accounts import billing_account_open
        from apps.billing.services.seats import seats_check_can_invite
        from apps.core import events, trail
        from apps.workspaces import hooks

        trail.register_actions(AuditAction.choices)
        events.register_events(BillingEvent.choices)
        dashboard.register()
        # Every workspace opens its account (and trial) as it is created; invitations stop at
        # the plan's seat limit.
        hooks.on_workspace_created("billing.account", billing_account_open)
        hooks.guard_invitations(
            "billing.seats",
            lambda workspace, email: seats_check_can_invite(workspace=workspace, email=email),
        )
