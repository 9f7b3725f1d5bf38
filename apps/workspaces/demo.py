"""The seeded demo workspace that `make run` opens on."""

from allauth.account.models import EmailAddress

from apps.accounts.models import User
from apps.workspaces.models import Membership, Workspace
from apps.workspaces.roles import Role

DEMO_WORKSPACE_NAME = "Demo Outfitters"
DEMO_WORKSPACE_SLUG = "demo-outfitters"
DEMO_PASSWORD = "atelier-demo"
DEMO_EMAIL_DOMAIN = "demo.atelier.test"


def demo_seed() -> list[tuple[str, str]]:
    """Create what is missing and leave everything else as it is (re-runs keep the data)."""
    workspace, _ = Workspace.objects.get_or_create(
        slug=DEMO_WORKSPACE_SLUG, defaults={"name": DEMO_WORKSPACE_NAME}
    )
    seeded = []
    for role in Role:
        email = f"{role.value.replace('_', '-')}@{DEMO_EMAIL_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, name=role.label)
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        Membership.objects.for_workspace(workspace).get_or_create(
            user=user, defaults={"role": role, "workspace": workspace}
        )
        if workspace.created_by_id is None and role == Role.OWNER:
            workspace.created_by = user
            workspace.save(update_fields=["created_by"])
        seeded.append((role.label, email))
    return seeded
