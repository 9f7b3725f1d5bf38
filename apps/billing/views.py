"""Billing pages (thin: the role check is ``workspace_view``, the work is in services) and the
Stripe webhook."""

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from apps.billing import selectors, stripe_adapter
from apps.billing.errors import WebhookRejected
from apps.billing.forms import PlanChoiceForm
from apps.billing.services import checkout, plan_changes, webhooks
from apps.core.errors import ServiceError
from apps.core.views import act
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action

logger = logging.getLogger(__name__)

CHECKOUT_MESSAGES = {
    "success": "Thank you. The new plan applies as soon as Stripe confirms the payment, "
    "usually within seconds; reload this page if it has not changed yet.",
    "cancelled": "The checkout was cancelled; nothing was charged.",
}


def _billing_url(request: WorkspaceRequest) -> str:
    return request.build_absolute_uri(
        reverse("billing_overview", kwargs={"slug": request.workspace.slug})
    )


def _plan_chosen(request: WorkspaceRequest) -> str:
    """The plan a plan button posted, or a refusal act()/_to_stripe shows like a service's."""
    form = PlanChoiceForm(request.POST)
    if not form.is_valid():
        raise ServiceError("Choose one of the listed plans.", field="plan")
    return form.cleaned_data["plan"]


def _to_stripe(request: WorkspaceRequest, start: Callable[[], str]) -> HttpResponse:
    """Send the person to the Stripe page ``start`` opens; its refusal goes back to billing."""
    try:
        url = start()
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("billing_overview", slug=request.workspace.slug)
    # 303: the browser follows a POST's redirect with a GET.
    return HttpResponse(status=303, headers={"Location": url})


@workspace_view(Action.MANAGE_BILLING)
@require_GET
def billing_overview(request: WorkspaceRequest) -> HttpResponse:
    message = CHECKOUT_MESSAGES.get(request.GET.get("checkout", ""))
    if message:
        messages.info(request, message)
        return redirect("billing_overview", slug=request.workspace.slug)
    context = selectors.billing_overview(workspace=request.workspace)
    return render(request, "billing/overview.html", context)


@workspace_view(Action.VIEW_WORKSPACE)
@require_GET
def billing_pricing(request: WorkspaceRequest) -> HttpResponse:
    context = selectors.pricing_table()
    context["account"] = selectors.billing_account_get(workspace=request.workspace)
    context["may_manage_billing"] = request.actor.can(Action.MANAGE_BILLING)
    return render(request, "billing/pricing.html", context)


@workspace_view(Action.MANAGE_BILLING)
@require_POST
def billing_checkout(request: WorkspaceRequest) -> HttpResponse:
    return _to_stripe(
        request,
        lambda: checkout.billing_checkout_start(
            actor=request.actor, plan_code=_plan_chosen(request), return_url=_billing_url(request)
        ),
    )


@workspace_view(Action.MANAGE_BILLING)
@require_POST
def billing_portal(request: WorkspaceRequest) -> HttpResponse:
    return _to_stripe(
        request,
        lambda: checkout.billing_portal_start(
            actor=request.actor, return_url=_billing_url(request)
        ),
    )


@workspace_view(Action.MANAGE_BILLING)
@require_POST
def billing_plan_select(request: WorkspaceRequest) -> HttpResponse:
    """Self-hosted mode: a billing manager puts the workspace on a plan; nothing is charged."""
    return act(
        request,
        lambda: plan_changes.billing_plan_select(
            actor=request.actor, plan_code=_plan_chosen(request)
        ),
        success=lambda account: (
            f"{request.workspace.name} is now on the {account.plan_obj.name} plan."
        ),
        then="billing_overview",
    )


@csrf_exempt  # Stripe cannot send our CSRF token; the signature is the proof instead.
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    if not (stripe_adapter.stripe_configured() and settings.STRIPE_WEBHOOK_SECRET):
        return HttpResponse("Stripe is not configured on this installation.", status=404)
    try:
        event = stripe_adapter.webhook_event(
            payload=request.body, signature=request.headers.get("Stripe-Signature")
        )
    except WebhookRejected as error:
        logger.warning("Stripe webhook refused: %s", error)
        return HttpResponseBadRequest("Invalid signature or payload.")
    try:
        outcome = webhooks.stripe_event_process(event=event)
    except Exception:
        # Nothing was kept (one transaction); a 500 makes Stripe deliver the event again.
        logger.exception("Stripe event %s (%s) failed", event.get("id"), event.get("type"))
        return HttpResponse("The event could not be processed; it will be retried.", status=500)
    logger.info("Stripe event %s (%s): %s", event["id"], event["type"], outcome)
    return JsonResponse({"received": True, "outcome": outcome})
