"""Billing: one account per workspace, the credits ledger, invoices, and the Stripe event inbox.

The credit balance lives on :class:`BillingAccount` (one row per workspace, the row that is
locked with ``select_for_update`` while credits move) and always equals the sum of
``CreditEntry.credits`` of that workspace. Every change to it is one ledger row with a key that
is unique per workspace, so a retried charge or a redelivered webhook finds its row and changes
nothing twice. A check constraint keeps the balance at zero or above whatever the code does.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.billing.plans import Plan, PlanCode, WorkKind, plan_get
from apps.core.tenancy import TenantModel, TimestampedTenantModel


class SubscriptionStatus(models.TextChoices):
    # Stripe's subscription statuses; our own free trial is "trialing" without a subscription.
    TRIALING = "trialing", "Trial"
    ACTIVE = "active", "Active"
    PAST_DUE = "past_due", "Payment overdue"
    UNPAID = "unpaid", "Unpaid"
    INCOMPLETE = "incomplete", "Awaiting first payment"
    INCOMPLETE_EXPIRED = "incomplete_expired", "First payment failed"
    PAUSED = "paused", "Paused"
    CANCELED = "canceled", "Cancelled"


# A subscription in one of these is the workspace's current one; a different subscription of
# the same customer that is not (an old, cancelled one) does not replace it.
LIVE_STATUSES = frozenset(
    {
        SubscriptionStatus.TRIALING,
        SubscriptionStatus.ACTIVE,
        SubscriptionStatus.PAST_DUE,
        SubscriptionStatus.UNPAID,
        SubscriptionStatus.PAUSED,
        SubscriptionStatus.INCOMPLETE,
    }
)


class BillingAccount(TimestampedTenantModel):
    """A workspace's plan, subscription state and credit balance."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="billing_accounts"
    )
    plan = models.CharField(max_length=20, choices=PlanCode.choices, default=PlanCode.TRIAL)
    status = models.CharField(
        max_length=20, choices=SubscriptionStatus.choices, default=SubscriptionStatus.TRIALING
    )
    trial_ends_at = models.DateTimeField(null=True, blank=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True)
    cancel_at_period_end = models.BooleanField(default=False)
    # When a payment first failed; work goes on for BILLING_GRACE_DAYS after it.
    past_due_since = models.DateTimeField(null=True, blank=True)
    credit_balance = models.IntegerField(default=0)
    # Credits granted for the current period (an upgrade mid-period tops up the difference).
    period_granted = models.IntegerField(default=0)
    # The start of the Stripe billing period whose credits are on the balance: an invoice for
    # this period or an earlier one (a late or redelivered invoice.paid) grants nothing.
    credits_period_start = models.DateTimeField(null=True, blank=True)
    # Why this workspace opened without the free trial (its creator had used theirs), shown on
    # the billing page and in the refusal of new work.
    trial_note = models.CharField(max_length=300, blank=True, default="")
    stripe_customer_id = models.CharField(max_length=255, blank=True, default="")
    stripe_subscription_id = models.CharField(max_length=255, blank=True, default="")
    stripe_subscription_item_id = models.CharField(max_length=255, blank=True, default="")
    # `created` (Unix seconds) of the newest Stripe event applied to the subscription state:
    # an older event arriving late must not roll the state back.
    stripe_state_at = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="billing_account_one_per_workspace"),
            models.CheckConstraint(
                condition=models.Q(credit_balance__gte=0), name="billing_balance_not_negative"
            ),
            # Stripe's ids are global: one customer pays for one workspace.
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~models.Q(stripe_customer_id=""),
                name="billing_account_unique_customer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workspace} on {self.plan_obj.name} ({self.get_status_display()})"

    @property
    def plan_obj(self) -> Plan:
        return plan_get(self.plan)


class EntryType(models.TextChoices):
    GRANT = "grant", "Monthly grant"
    LAPSE = "lapse", "Unused credits lapsed"
    DEBIT = "debit", "Work"
    REFUND = "refund", "Refund"
    ADJUST = "adjust", "Adjustment"


class EntryState(models.TextChoices):
    RESERVED = "reserved", "Reserved"
    SETTLED = "settled", "Settled"
    RELEASED = "released", "Released"


class CreditEntry(TenantModel):
    """One movement of credits. ``credits`` is the signed change to the balance; for work,
    ``cost`` is what the work cost (including overage and work on an unlimited plan, which
    do not touch the balance) and is what usage charts add up."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="credit_entries"
    )
    key = models.CharField(max_length=200)
    entry_type = models.CharField(max_length=10, choices=EntryType.choices)
    state = models.CharField(max_length=10, choices=EntryState.choices, default=EntryState.SETTLED)
    work_kind = models.CharField(max_length=40, blank=True, default="")
    units = models.PositiveIntegerField(default=0)
    unit_cost = models.PositiveIntegerField(default=0)
    credits = models.IntegerField()
    cost = models.IntegerField(default=0)
    # Credits beyond the balance, billed through the Stripe meter (plans with overage).
    overage = models.IntegerField(default=0)
    overage_reported_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "key"], name="credit_entry_unique_key")
        ]
        indexes = [
            models.Index(fields=["workspace", "created_at"], name="credit_entry_ws_created"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.credits:+d}"

    @property
    def work_label(self) -> str:
        return (
            WorkKind(self.work_kind).label if self.work_kind in WorkKind.values else self.work_kind
        )


class Invoice(TenantModel):
    """A Stripe invoice as last reported by a webhook, for the links on the billing page."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="billing_invoices"
    )
    stripe_invoice_id = models.CharField(max_length=255)
    number = models.CharField(max_length=100, blank=True, default="")
    status = models.CharField(max_length=20, blank=True, default="")
    amount_due = models.IntegerField(default=0)  # smallest currency unit (cents)
    amount_paid = models.IntegerField(default=0)
    currency = models.CharField(max_length=3, blank=True, default="")
    hosted_invoice_url = models.URLField(max_length=1000, blank=True, default="")
    invoice_pdf = models.URLField(max_length=1000, blank=True, default="")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    stripe_created = models.DateTimeField()

    class Meta:
        ordering = ["-stripe_created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "stripe_invoice_id"], name="billing_invoice_unique"
            )
        ]

    def __str__(self) -> str:
        return self.number or self.stripe_invoice_id

    @property
    def amount_display(self) -> str:
        amount = self.amount_paid or self.amount_due
        return f"{amount / 100:,.2f} {self.currency.upper()}".strip()


class StripeEvent(models.Model):
    """Every Stripe event processed, by id: a redelivered event finds its row and is skipped.

    Site-wide, not tenant-owned: an event is identified before its workspace is known.
    """

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    created = models.BigIntegerField(help_text="When Stripe created the event (Unix seconds).")
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=255, blank=True, default="")
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-processed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class TrialClaim(models.Model):
    """A free trial taken: one per person (and per company e-mail domain where configured).

    Site-wide, not tenant-owned: a person's trial is looked up across all workspaces.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    email = models.CharField(max_length=254, blank=True, db_index=True)
    email_domain = models.CharField(max_length=255, blank=True, db_index=True)
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Trial of {self.email or self.user_id}"
