"""Celery tasks for billing: thin wrappers around ``apps.billing.services``."""

from celery import shared_task

from apps.billing.errors import StripeUnavailable
from apps.billing.services import overage, plan_changes

# Stripe being unreachable or rate limiting can succeed later; the meter-event identifier makes
# a repeated report harmless.
STRIPE_RETRY = {
    "acks_late": True,
    "autoretry_for": (StripeUnavailable,),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "max_retries": 8,
}


@shared_task(**STRIPE_RETRY)
def billing_report_overage(*, workspace_id: int, entry_id: int) -> bool:
    return overage.credits_report_overage(workspace_id=workspace_id, entry_id=entry_id)


@shared_task(**STRIPE_RETRY)
def billing_cancel_overage(*, workspace_id: int, entry_id: int) -> bool:
    return overage.credits_cancel_overage(workspace_id=workspace_id, entry_id=entry_id)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=570)
def billing_report_pending_overage() -> int:
    return overage.credits_report_pending_overage()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=570)
def billing_renew_periods() -> int:
    return plan_changes.billing_renew_periods()
