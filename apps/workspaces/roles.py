"""Roles and what each may do: the one table every permission check reads.

The permission matrix in docs/guide/team-and-security.md is generated from :data:`PERMISSIONS`
(``python manage.py permission_matrix``) and a test keeps the two equal.
"""

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    BRAND_MANAGER = "brand_manager", "Brand manager"
    COPYWRITER = "copywriter", "Copywriter"
    PHOTO_EDITOR = "photo_editor", "Photo editor"
    REVIEWER = "reviewer", "Reviewer"


class Action(models.TextChoices):
    """Things a member can do inside a workspace. Views name one; the decorator checks it."""

    VIEW_WORKSPACE = "workspace.view", "Open the workspace and its dashboard"
    VIEW_MEMBERS = "members.view", "See the member list"
    INVITE_MEMBERS = "members.invite", "Invite members, revoke invitations"
    MANAGE_MEMBERS = "members.manage", "Change roles, remove members"
    MANAGE_OWNERS = "owners.manage", "Make or unmake owners"
    MANAGE_WORKSPACE = "workspace.manage", "Rename the workspace, require two-factor sign-in"
    VIEW_AUDIT = "audit.view", "Read the audit trail"
    MANAGE_BILLING = "billing.manage", "Plans, invoices, payment"
    MANAGE_MODELS = "models.manage", "Model routes, provider keys, usage"
    MANAGE_API_KEYS = "api_keys.manage", "Create and revoke API keys"
    VIEW_CATALOG = "catalog.view", "Browse products"
    IMPORT_CATALOG = "catalog.import", "Import and export products"
    MANAGE_BRAND = "brand.manage", "Brand profiles: material, style guide, training"
    WRITE_COPY = "copy.write", "Generate and edit product copy, submit it for review"
    EDIT_PHOTOS = "photos.edit", "Process product photos, submit them for review"
    REVIEW = "review.decide", "Approve, return or reject submitted work"
    MANAGE_WEBHOOKS = "webhooks.manage", "Webhook endpoints, their secrets and delivery log"


_EVERYONE = frozenset(Role)
_ADMINS = frozenset({Role.OWNER, Role.ADMIN})

PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.VIEW_WORKSPACE: _EVERYONE,
    Action.VIEW_MEMBERS: _EVERYONE,
    Action.INVITE_MEMBERS: _ADMINS,
    Action.MANAGE_MEMBERS: _ADMINS,
    Action.MANAGE_OWNERS: frozenset({Role.OWNER}),
    Action.MANAGE_WORKSPACE: frozenset({Role.OWNER}),
    Action.VIEW_AUDIT: _ADMINS,
    Action.MANAGE_BILLING: _ADMINS,
    Action.MANAGE_MODELS: _ADMINS,
    Action.MANAGE_API_KEYS: _ADMINS,
    Action.VIEW_CATALOG: _EVERYONE,
    Action.IMPORT_CATALOG: _ADMINS | {Role.BRAND_MANAGER, Role.COPYWRITER},
    Action.MANAGE_BRAND: _ADMINS | {Role.BRAND_MANAGER},
    Action.WRITE_COPY: _ADMINS | {Role.BRAND_MANAGER, Role.COPYWRITER},
    Action.EDIT_PHOTOS: _ADMINS | {Role.BRAND_MANAGER, Role.PHOTO_EDITOR},
    Action.REVIEW: _ADMINS | {Role.BRAND_MANAGER, Role.REVIEWER},
    Action.MANAGE_WEBHOOKS: _ADMINS,
}


def role_can(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action]


def permission_matrix_markdown() -> str:
    """The role × action table for docs/guide/team-and-security.md."""
    roles = list(Role)
    header = "| action | " + " | ".join(role.label for role in roles) + " |"
    rule = "| --- | " + " | ".join(":---:" for _ in roles) + " |"
    rows = [
        f"| {action.label} (`{action.value}`) | "
        + " | ".join("✓" if role in PERMISSIONS[action] else "" for role in roles)
        + " |"
        for action in Action
    ]
    return "\n".join([header, rule, *rows])
