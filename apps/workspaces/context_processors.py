from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from apps.workspaces.roles import Action, role_can
from apps.workspaces.selectors import membership_list_for_user

# The sidebar, in order. A section shows when the member's role may use it and its URL exists,
# so sections added by later apps appear by adding a line here.
NAV_SECTIONS: list[tuple[str, str, Action]] = [
    ("Dashboard", "workspace_dashboard", Action.VIEW_WORKSPACE),
    ("Catalog", "catalog_product_list", Action.VIEW_CATALOG),
    ("Copy studio", "copy_studio", Action.WRITE_COPY),
    ("Photo studio", "photo_studio", Action.EDIT_PHOTOS),
    ("Review queue", "review_queue", Action.REVIEW),
    ("Brand profiles", "brand_profile_list", Action.MANAGE_BRAND),
    ("Jobs", "job_list", Action.VIEW_WORKSPACE),
    ("Members", "workspace_members", Action.VIEW_MEMBERS),
    ("Models", "gateway_models", Action.MANAGE_MODELS),
    ("Usage", "gateway_usage", Action.MANAGE_MODELS),
    ("Billing", "billing_overview", Action.MANAGE_BILLING),
    ("API keys", "api_key_list", Action.MANAGE_API_KEYS),
    ("Audit trail", "audit_event_list", Action.VIEW_AUDIT),
    ("Webhooks", "webhooks_list", Action.MANAGE_WEBHOOKS),
    ("Settings", "workspace_settings", Action.MANAGE_WORKSPACE),
]


def workspace_nav(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    context: dict = {"nav_sections": [], "user_memberships": []}
    if user is not None and user.is_authenticated:
        context["user_memberships"] = membership_list_for_user(user=user)
    if membership is None:
        return context
    current = request.resolver_match.url_name if request.resolver_match else None
    for label, url_name, action in NAV_SECTIONS:
        if not role_can(membership.role, action):
            continue
        try:
            url = reverse(url_name, kwargs={"slug": membership.workspace.slug})
        except NoReverseMatch:
            continue
        context["nav_sections"].append({"label": label, "url": url, "active": current == url_name})
    return context
