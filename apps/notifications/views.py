from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.selectors import user_preferences_get
from apps.core.errors import ServiceError
from apps.core.views import act
from apps.notifications import selectors, services
from apps.notifications.forms import PreferencesForm
from apps.notifications.models import Notification
from apps.workspaces.access import SignedInRequest, WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


@workspace_view(Action.VIEW_WORKSPACE)
def notification_list(request: WorkspaceRequest) -> HttpResponse:
    page = selectors.notification_page(
        workspace=request.workspace, user=request.user, page=request.GET.get("page", 1)
    )
    return render(request, "notifications/notification_list.html", {"page": page})


@workspace_view(Action.VIEW_WORKSPACE)
def notification_bell(request: WorkspaceRequest) -> HttpResponse:
    """The bell alone, polled by htmx so the count moves without a reload."""
    response = render(request, "notifications/partials/bell.html")
    response["X-Notification-Bell"] = "1"  # what the poll may swap in (static/js/atelier.js)
    return response


def _mine(request: WorkspaceRequest, notification_id: int) -> Notification:
    """404 for another workspace's notification, 403 for another member's."""
    notification = selectors.notification_get(
        workspace=request.workspace, notification_id=notification_id
    )
    if notification.recipient_id != request.user.pk:
        raise PermissionDenied("This notification is for another member.")
    return notification


@workspace_view(Action.VIEW_WORKSPACE)
def notification_open(request: WorkspaceRequest, notification_id: int) -> HttpResponse:
    """Follow a notification to its work, marking it read on the way."""
    notification = _mine(request, notification_id)
    try:
        services.notification_mark_read(actor=request.actor, notification_id=notification.pk)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("notification_list", slug=request.workspace.slug)
    if notification.url and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("notification_list", slug=request.workspace.slug)


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def notification_read(request: WorkspaceRequest, notification_id: int) -> HttpResponse:
    notification = _mine(request, notification_id)
    return act(
        request,
        lambda: services.notification_mark_read(
            actor=request.actor, notification_id=notification.pk
        ),
        success="Marked as read.",
        then="notification_list",
    )


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def notification_read_all(request: WorkspaceRequest) -> HttpResponse:
    return act(
        request,
        lambda: services.notification_mark_all_read(actor=request.actor),
        success=lambda count: (
            f"Marked {count} notification{'' if count == 1 else 's'} as read."
            if count
            else "Nothing was unread."
        ),
        then="notification_list",
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_preferences(request: SignedInRequest) -> HttpResponse:
    initial = {
        **selectors.delivery_preferences(user=request.user),
        "keyboard_shortcuts": user_preferences_get(user=request.user).keyboard_shortcuts,
    }
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(
                user=request.user,
                deliveries=form.deliveries(),
                keyboard_shortcuts=form.cleaned_data["keyboard_shortcuts"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Your preferences are saved.")
            return redirect("user_preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# A mail client's one-click unsubscribe (RFC 8058) POSTs here without cookies or a CSRF token;
# the signed token in the URL is the authority, so there is nothing for CSRF to protect.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def notification_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks (link checkers open links: they must not unsubscribe anyone); POST, from the
    page's button or the mail client's one-click, turns the e-mails off."""
    try:
        if request.method == "POST":
            _, kind = services.notification_unsubscribe(token=token)
            done = True
        else:
            _, kind = services.unsubscribe_read(token=token)
            done = False
    except ServiceError as error:
        return render(
            request,
            "notifications/unsubscribe_invalid.html",
            {"message": error.message},
            status=400,
        )
    context = {"done": done, "what": services.unsubscribe_label(kind)}
    return render(request, "notifications/unsubscribe.html", context)
