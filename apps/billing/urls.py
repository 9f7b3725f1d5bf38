from django.urls import path

from apps.billing import views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("billing/", views.billing_overview, name="billing_overview"),
    path("billing/plans/", views.billing_pricing, name="billing_pricing"),
    path("billing/checkout/", views.billing_checkout, name="billing_checkout"),
    path("billing/portal/", views.billing_portal, name="billing_portal"),
    path("billing/plan/", views.billing_plan_select, name="billing_plan_select"),
]

# Mounted at /billing/ by config/urls.py: Stripe's webhook is site-wide, not a tenant page.
urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="billing_stripe_webhook"),
]
