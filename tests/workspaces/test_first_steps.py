"""A new workspace's first steps (import a catalog, add brand material, invite the team): shown
on the dashboard and ticked off by the workspace's own data, then gone once all are done."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.brand.services import material, profiles
from apps.catalog import services as catalog
from apps.workspaces import services
from tests.catalog import samples
from tests.factories import MembershipFactory, UserFactory, actor_for

pytestmark = pytest.mark.django_db


def steps(page):
    """(label, done, link) for each step on the dashboard, in order."""
    found = []
    pattern = r'data-testid="first-step" data-step="([^"]+)" data-done="(true|false)">(.*?)</li>'
    for label, done, item in re.findall(pattern, page, re.S):
        link = re.search(r'<a href="([^"]+)">', item)
        found.append((label, done == "true", link.group(1) if link else ""))
    return found


def test_the_checklist_ticks_itself_off_and_then_goes(client, django_capture_on_commit_callbacks):
    owner = UserFactory()
    workspace = services.workspace_create(user=owner, name="Harbor", slug="harbor")
    actor = actor_for(workspace, owner)
    client.force_login(owner)

    page = client.get("/w/harbor/").content.decode()
    assert steps(page) == [
        ("Import a catalog", False, "/w/harbor/catalog/import/"),
        ("Add brand material", False, "/w/harbor/brand/"),
        ("Invite the team", False, "/w/harbor/members/"),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        batch = catalog.catalog_import_upload(
            actor=actor, upload=SimpleUploadedFile("shop.csv", samples.shopify_csv().encode()),
            fmt="shopify",
        )  # fmt: skip
        catalog.catalog_import_confirm(actor=actor, batch_id=batch.pk)
    page = client.get("/w/harbor/").content.decode()
    assert [(label, done) for label, done, _ in steps(page)] == [
        ("Import a catalog", True),
        ("Add brand material", False),
        ("Invite the team", False),
    ]

    profile = profiles.profile_create(actor=actor, name="House voice")
    material.material_paste(actor=actor, profile_id=profile.pk, content="Linen that lasts.")
    page = client.get("/w/harbor/").content.decode()
    assert [done for _, done, _ in steps(page)] == [True, True, False]

    services.invitation_create(
        actor=actor, email="writer@example.com", role="copywriter", base_url="http://testserver/"
    )
    page = client.get("/w/harbor/").content.decode()
    assert 'data-testid="first-steps"' not in page
    assert steps(page) == []


def test_members_see_the_steps_they_cannot_take_without_a_link(client, workspace):
    writer = MembershipFactory(workspace=workspace, role="copywriter").user
    client.force_login(writer)
    page = client.get(f"/w/{workspace.slug}/").content.decode()
    links = {label: link for label, _, link in steps(page)}
    assert links["Invite the team"] == ""  # a copywriter cannot invite
    assert links["Add brand material"] == ""
    assert set(links) == {"Import a catalog", "Add brand material", "Invite the team"}


def test_another_workspaces_data_ticks_nothing(client, workspace, owner, other_workspace):
    MembershipFactory(workspace=other_workspace)
    MembershipFactory(workspace=other_workspace)
    client.force_login(owner)
    page = client.get(f"/w/{workspace.slug}/").content.decode()
    assert [done for _, done, _ in steps(page)] == [False, False, False]
