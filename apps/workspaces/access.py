"""The one place where workspace membership and roles are checked.

Every view under ``/w/<slug>/`` is wrapped in :func:`workspace_view`. It answers 404 to anyone
who is not a member (the workspace's existence is not revealed), 403 to a member whose role may
not do the view's action, and sends members of a workspace that requires two-factor sign-in to
set it up first. The view receives ``request.workspace``, ``request.membership`` and
``request.actor`` (the :class:`~apps.workspaces.actors.Actor` its services take).
"""

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect

from apps.accounts.selectors import user_has_totp
from apps.workspaces.actors import Actor
from apps.workspaces.roles import Action, role_can
from apps.workspaces.selectors import membership_for_user
from apps.workspaces.services import workspace_record_sign_in

if TYPE_CHECKING:
    from django_htmx.middleware import HtmxDetails

    from apps.accounts.models import User
    from apps.workspaces.models import Membership, Workspace


class SignedInRequest(HttpRequest):
    """What a ``login_required`` view receives (spelled out for the type checker)."""

    user: "User"


class WorkspaceRequest(HttpRequest):
    """What a view under :func:`workspace_view` receives (spelled out for the type checker)."""

    user: "User"
    workspace: "Workspace"
    membership: "Membership"
    actor: Actor
    htmx: "HtmxDetails"


SIGNED_IN_SESSION_KEY = "atelier_signed_in_workspaces"
LAST_WORKSPACE_SESSION_KEY = "atelier_last_workspace"


def workspace_view(action: Action) -> Callable[[Callable[..., HttpResponseBase]], Callable]:
    def decorator(view: Callable[..., HttpResponseBase]) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(
            http_request: HttpRequest, slug: str, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            request = cast(WorkspaceRequest, http_request)  # login_required: a signed-in user
            membership = membership_for_user(user=request.user, slug=slug)
            if membership is None:
                raise Http404("No such workspace.")
            workspace = membership.workspace
            if workspace.require_mfa and not user_has_totp(user=request.user):
                messages.warning(
                    request,
                    f"{workspace.name} requires two-factor sign-in. Set up an authenticator "
                    "app to continue.",
                )
                return redirect("mfa_activate_totp")
            if not role_can(membership.role, action):
                raise PermissionDenied(
                    f"Your role ({membership.get_role_display()}) may not do this: "
                    f"{action.label.lower()}."
                )
            request.workspace = workspace
            request.membership = membership
            request.actor = Actor.from_request(request, membership)
            _note_workspace_visit(request)
            return view(request, *args, **kwargs)

        wrapped.workspace_action = action  # type: ignore[attr-defined]  # read by the URL walker
        return wrapped

    return decorator


def _note_workspace_visit(request: WorkspaceRequest) -> None:
    """Record a sign-in to the workspace once per browser session, and remember it as last."""
    workspace = request.workspace
    signed_in = request.session.get(SIGNED_IN_SESSION_KEY, [])
    if workspace.pk not in signed_in:
        workspace_record_sign_in(actor=request.actor)
        request.session[SIGNED_IN_SESSION_KEY] = [*signed_in, workspace.pk]
    if request.session.get(LAST_WORKSPACE_SESSION_KEY) != workspace.slug:
        request.session[LAST_WORKSPACE_SESSION_KEY] = workspace.slug
