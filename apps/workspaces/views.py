from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.adapter import PENDING_INVITATION_SESSION_KEY
from apps.core.errors import ServiceError
from apps.core.trail import RequestOrigin
from apps.core.views import act
from apps.workspaces import selectors, services
from apps.workspaces.access import (
    LAST_WORKSPACE_SESSION_KEY,
    SignedInRequest,
    WorkspaceRequest,
    workspace_view,
)
from apps.workspaces.actors import NotAllowed
from apps.workspaces.dashboards import panels_for
from apps.workspaces.forms import (
    InvitationForm,
    RoleChangeForm,
    WorkspaceCreateForm,
    WorkspaceSettingsForm,
)
from apps.workspaces.roles import Action, Role, role_can

DASHBOARD_TEMPLATES = {
    Role.OWNER: "workspaces/dashboards/admin.html",
    Role.ADMIN: "workspaces/dashboards/admin.html",
    Role.BRAND_MANAGER: "workspaces/dashboards/brand_manager.html",
    Role.COPYWRITER: "workspaces/dashboards/copywriter.html",
    Role.PHOTO_EDITOR: "workspaces/dashboards/photo_editor.html",
    Role.REVIEWER: "workspaces/dashboards/reviewer.html",
}


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home.html")
    token = request.session.get(PENDING_INVITATION_SESSION_KEY)
    if token:
        return redirect("invitation_accept", token=token)
    memberships = selectors.membership_list_for_user(user=request.user)
    last = request.session.get(LAST_WORKSPACE_SESSION_KEY)
    slugs = [m.workspace.slug for m in memberships]
    if last in slugs:
        return redirect("workspace_dashboard", slug=last)
    if len(slugs) == 1:
        return redirect("workspace_dashboard", slug=slugs[0])
    return redirect("workspace_list")


@login_required
@require_http_methods(["GET", "POST"])
def workspace_list(request: SignedInRequest) -> HttpResponse:
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                user=request.user,
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                origin=RequestOrigin.from_request(request),
            )
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, f"{workspace.name} is ready. Invite your team next.")
            return redirect("workspace_dashboard", slug=workspace.slug)
    memberships = selectors.membership_list_for_user(user=request.user)
    return render(
        request, "workspaces/workspace_list.html", {"form": form, "memberships": memberships}
    )


@workspace_view(Action.VIEW_WORKSPACE)
def dashboard(request: WorkspaceRequest) -> HttpResponse:
    role = request.membership.role
    context = {}
    if role in (Role.OWNER, Role.ADMIN):
        context = selectors.workspace_overview(workspace=request.workspace)
    context["panels"] = panels_for(request)
    return render(request, DASHBOARD_TEMPLATES[Role(role)], context)


def _members_context(
    request: WorkspaceRequest, invitation_form: InvitationForm | None = None
) -> dict:
    actor = request.actor
    return {
        "member_rows": selectors.member_rows(actor=actor),
        "invitations": selectors.invitation_list_open(workspace=request.workspace),
        "invitation_form": invitation_form
        or InvitationForm(may_invite_owner=actor.can(Action.MANAGE_OWNERS)),
        "may_invite": actor.can(Action.INVITE_MEMBERS),
        "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
    }


@workspace_view(Action.VIEW_MEMBERS)
def members(request: WorkspaceRequest) -> HttpResponse:
    return render(request, "workspaces/members.html", _members_context(request))


@workspace_view(Action.INVITE_MEMBERS)
@require_POST
def invitation_create(request: WorkspaceRequest) -> HttpResponse:
    may_invite_owner = request.actor.can(Action.MANAGE_OWNERS)
    form = InvitationForm(request.POST, may_invite_owner=may_invite_owner)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                actor=request.actor,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                base_url=request.build_absolute_uri("/"),
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("workspace_members", slug=request.workspace.slug)
    return render(request, "workspaces/members.html", _members_context(request, form), status=400)


@workspace_view(Action.INVITE_MEMBERS)
@require_POST
def invitation_revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    selectors.invitation_get(workspace=request.workspace, invitation_id=invitation_id)  # or 404
    return act(
        request,
        lambda: services.invitation_revoke(actor=request.actor, invitation_id=invitation_id),
        success=lambda invitation: f"The invitation to {invitation.email} was withdrawn.",
        then="workspace_members",
    )


@workspace_view(Action.MANAGE_MEMBERS)
@require_POST
def member_change_role(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = selectors.membership_get(workspace=request.workspace, membership_id=member_id)
    form = RoleChangeForm(request.POST)
    status = 200
    if not form.is_valid():
        messages.error(request, "Choose one of the listed roles.")
        status = 400
    else:
        try:
            member = services.membership_change_role(
                actor=request.actor, membership_id=member.pk, role=form.cleaned_data["role"]
            )
        except ServiceError as error:
            messages.error(request, error.message)
            status = 400
            member = selectors.membership_get(workspace=request.workspace, membership_id=member_id)
        else:
            messages.success(request, f"{member.user.email} is now {member.get_role_display()}.")
    if request.htmx:
        context = _members_context(request)
        context["row"] = selectors.member_row(actor=request.actor, member=member)
        # 200 even on refusal so htmx swaps the row back and shows the message.
        return render(request, "workspaces/partials/member_row.html", context)
    if status != 200:
        return redirect("workspace_members", slug=request.workspace.slug)
    if member.user_id == request.user.pk and not role_can(member.role, Action.VIEW_MEMBERS):
        return redirect("workspace_dashboard", slug=request.workspace.slug)
    return redirect("workspace_members", slug=request.workspace.slug)


@workspace_view(Action.VIEW_WORKSPACE)
@require_POST
def member_remove(request: WorkspaceRequest, member_id: int) -> HttpResponse:
    member = selectors.membership_get(workspace=request.workspace, membership_id=member_id)
    try:
        leaving = services.membership_remove(actor=request.actor, membership_id=member.pk)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("workspace_members", slug=request.workspace.slug)
    if leaving:
        messages.success(request, f"You left {request.workspace.name}.")
        request.session.pop(LAST_WORKSPACE_SESSION_KEY, None)
        return redirect("workspace_list")
    messages.success(request, f"{member.user.email} was removed from {request.workspace.name}.")
    return redirect("workspace_members", slug=request.workspace.slug)


@workspace_view(Action.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def workspace_settings(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    initial = {"name": workspace.name, "require_mfa": workspace.require_mfa}
    form = WorkspaceSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_update(
                actor=request.actor,
                name=form.cleaned_data["name"],
                require_mfa=form.cleaned_data["require_mfa"],
            )
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("workspace_settings", slug=workspace.slug)
    status = 400 if form.errors else 200
    return render(request, "workspaces/settings.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except ServiceError as error:
        request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
        return render(
            request, "workspaces/invitation_invalid.html", {"message": error.message}, status=410
        )
    if not request.user.is_authenticated:
        # The link proves the address: signing up with it needs no second verification.
        request.session[PENDING_INVITATION_SESSION_KEY] = token
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "workspaces/invitation_accept.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            membership = services.invitation_accept(
                token=token, user=request.user, origin=RequestOrigin.from_request(request)
            )
        except ServiceError as error:
            request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
            messages.error(request, error.message)
            return render(
                request,
                "workspaces/invitation_accept.html",
                {"invitation": invitation, "error": error.message},
                status=400,
            )
        request.session.pop(PENDING_INVITATION_SESSION_KEY, None)
        messages.success(
            request,
            f"Welcome to {membership.workspace.name}. You joined as "
            f"{membership.get_role_display()}.",
        )
        return redirect("workspace_dashboard", slug=membership.workspace.slug)
    return render(request, "workspaces/invitation_accept.html", {"invitation": invitation})
