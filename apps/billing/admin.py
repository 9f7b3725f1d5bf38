"""Site administrators assign plans (or "unlimited") and correct credits here.

Changing an account's plan goes through ``billing_plan_assign`` (a new period with the plan's
credits), and the balance is never edited directly: it moves only through the ledger.
"""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone

from apps.billing.models import BillingAccount, CreditEntry, Invoice, StripeEvent, TrialClaim
from apps.billing.plans import PlanCode
from apps.billing.services.credits import credits_adjust
from apps.billing.services.plan_changes import billing_plan_assign
from apps.core.errors import ServiceError
from apps.workspaces.admin import TenantAdmin


class BillingAccountForm(forms.ModelForm):
    adjust_credits = forms.IntegerField(
        required=False,
        help_text="Add (or, negative, remove) credits through the ledger, e.g. support credits.",
    )
    adjust_reason = forms.CharField(required=False, max_length=200)

    class Meta:
        model = BillingAccount
        fields = ["workspace", "plan"]
        help_texts = {
            "plan": "Assigning a plan starts a new monthly period with its credits. With Stripe "
            "configured, the next event of a Stripe subscription sets the plan Stripe bills.",
        }

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("adjust_credits") and not (cleaned.get("adjust_reason") or "").strip():
            self.add_error("adjust_reason", "Say why the credits are adjusted.")
        return cleaned


@admin.register(BillingAccount)
class BillingAccountAdmin(TenantAdmin):
    form = BillingAccountForm
    list_display = ["workspace", "plan", "status", "credit_balance", "current_period_end"]
    list_filter = ["plan", "status"]
    search_fields = ["workspace__name", "workspace__slug", "stripe_customer_id"]
    raw_id_fields = ["workspace"]
    readonly_fields = [
        "status",
        "credit_balance",
        "period_granted",
        "trial_ends_at",
        "current_period_start",
        "current_period_end",
        "cancel_at_period_end",
        "past_due_since",
        "stripe_customer_id",
        "stripe_subscription_id",
    ]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "workspace"] if obj else fields

    def save_model(self, request, obj, form, change):
        # Through the services, never a plain save: the ledger and the period move with it.
        workspace = obj.workspace
        try:
            if not change or "plan" in form.changed_data:
                billing_plan_assign(
                    workspace=workspace, site_admin=request.user, plan_code=obj.plan
                )
            credits = form.cleaned_data.get("adjust_credits")
            if credits:
                credits_adjust(
                    workspace=workspace,
                    site_admin=request.user,
                    credits=credits,
                    key=f"admin:{request.user.pk}:{timezone.now().isoformat()}",
                    reason=form.cleaned_data["adjust_reason"],
                )
        except ServiceError as error:
            messages.error(request, error.message)
        refreshed = BillingAccount.objects.for_workspace(workspace).first()
        if refreshed is not None:
            obj.pk = refreshed.pk
            obj.refresh_from_db()

    def get_changeform_initial_data(self, request):
        return {"plan": PlanCode.UNLIMITED}


@admin.register(CreditEntry)
class CreditEntryAdmin(TenantAdmin):
    list_display = ["created_at", "workspace", "key", "entry_type", "state", "credits", "cost"]
    list_filter = ["entry_type", "state", "work_kind"]
    search_fields = ["key", "workspace__name", "reference"]

    def has_add_permission(self, request):
        return False  # the ledger is written by services only

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Invoice)
class InvoiceAdmin(TenantAdmin):
    list_display = ["stripe_created", "workspace", "number", "status", "amount_display"]
    search_fields = ["number", "stripe_invoice_id", "workspace__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = ["processed_at", "type", "event_id", "workspace", "outcome"]
    list_filter = ["type"]
    search_fields = ["event_id"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TrialClaim)
class TrialClaimAdmin(admin.ModelAdmin):
    """Free trials taken. Deleting a row lets that person's next workspace have a trial."""

    list_display = ["email", "email_domain", "workspace", "created_at"]
    search_fields = ["email", "email_domain"]
    raw_id_fields = ["user", "workspace"]
    readonly_fields = ["created_at"]
