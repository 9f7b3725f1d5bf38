from typing import TYPE_CHECKING

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.workspaces.models import Invitation, Membership, Workspace

if TYPE_CHECKING:
    _AdminBase = admin.options.BaseModelAdmin
else:
    _AdminBase = object


class AllWorkspacesMixin(_AdminBase):
    """Site administrators see every workspace: the admin is the one cross-tenant view."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = self.model.objects.all_workspaces()
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset


class TenantAdmin(AllWorkspacesMixin, admin.ModelAdmin):
    pass


class MembershipInline(AllWorkspacesMixin, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "require_mfa", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(TenantAdmin):
    list_display = ["user", "workspace", "role", "joined_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "workspace__name"]
    raw_id_fields = ["user", "workspace"]


@admin.register(Invitation)
class InvitationAdmin(TenantAdmin):
    list_display = ["email", "workspace", "role", "created_at", "expires_at", "accepted_at"]
    search_fields = ["email", "workspace__name"]
    raw_id_fields = ["workspace", "invited_by", "accepted_by"]
