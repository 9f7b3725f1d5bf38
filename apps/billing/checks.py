"""A Stripe configuration that is half there fails `manage.py check`, not a customer's payment."""

from django.conf import settings
from django.core.checks import Error, register

from apps.billing.plans import PAID_PLAN_CODES, PLANS


@register()
def stripe_settings_check(app_configs, **kwargs) -> list[Error]:
    if not settings.STRIPE_SECRET_KEY:
        return []  # self-hosted mode
    errors = []
    if not settings.STRIPE_WEBHOOK_SECRET:
        errors.append(
            Error(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not: subscriptions "
                "would never be recorded.",
                hint="Copy the signing secret (whsec_…) of the webhook endpoint "
                "/billing/stripe/webhook/ from the Stripe dashboard.",
                id="billing.E001",
            )
        )
    missing = [PLANS[c].price_setting for c in PAID_PLAN_CODES if not PLANS[c].stripe_price_id]
    if missing:
        errors.append(
            Error(
                f"Stripe is configured but these are not set: {', '.join(missing)}.",
                hint="Set each to the id (price_…) of the plan's monthly price in Stripe.",
                id="billing.E002",
            )
        )
    return errors
