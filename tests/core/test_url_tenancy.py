"""Walks every URL pattern of the project that takes a workspace slug or an object id.

A member of another workspace must get 404 for all of them; a member of the workspace whose role
may not use a page gets 403 (never 404 or 500); anonymous visitors are sent to sign in. New URL
patterns are picked up automatically: a new URL keyword needs a line in URL_KWARG_OBJECTS (how
to make an object of that kind in a given workspace), or the test fails and says so.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests import factories as f

# keyword -> how to create such an object inside a workspace (returns its id).
URL_KWARG_OBJECTS = {
    "member_id": lambda ws: f.MembershipFactory(workspace=ws).pk,
    "invitation_id": lambda ws: f.InvitationFactory(workspace=ws).pk,
    "product_id": lambda ws: f.ProductFactory(workspace=ws).pk,
    "batch_id": lambda ws: f.ImportBatchFactory(workspace=ws).pk,
    "job_id": lambda ws: f.JobFactory(workspace=ws).pk,
    "profile_id": lambda ws: f.BrandProfileFactory(workspace=ws).pk,
    "version_id": lambda ws: f.ProfileVersionFactory(profile__workspace=ws).pk,
    "upload_id": lambda ws: f.MaterialUploadFactory(profile__workspace=ws).pk,
    "run_id": lambda ws: f.FineTuneRunFactory(profile__workspace=ws).pk,
    "draft_id": lambda ws: f.CopyDraftFactory(workspace=ws).pk,
    "variant_id": lambda ws: f.CopyVariantFactory(workspace=ws).pk,
    "photo_id": lambda ws: f.PhotoFactory(workspace=ws).pk,
    "photo_output_id": lambda ws: f.PhotoOutputFactory(workspace=ws).pk,
    "photo_recipe_id": lambda ws: f.PhotoRecipeFactory(workspace=ws).pk,
    "lighting_profile_id": lambda ws: f.LightingProfileFactory(workspace=ws).pk,
    "lighting_reference_id": lambda ws: f.LightingReferenceFactory(profile__workspace=ws).pk,
    "api_key_id": lambda ws: f.ApiKeyFactory(workspace=ws).pk,
    "endpoint_id": lambda ws: f.WebhookEndpointFactory(workspace=ws).pk,
    "delivery_id": lambda ws: f.WebhookDeliveryFactory(workspace=ws).pk,
    "notification_id": lambda ws: f.NotificationFactory(workspace=ws).pk,
}

# Patterns that are not tenant pages: third-party apps with their own access rules, and the
# REST API (keys, not sessions; tests/api/test_tenancy.py walks its routes the same way).
FOREIGN_PREFIXES = ("admin/", "accounts/", "api/")
KWARG_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def tenant_patterns() -> list[tuple[str, str, list[str]]]:
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(FOREIGN_PREFIXES):
            continue
        names = [name for _, name in KWARG_RE.findall(route)]
        object_kwargs = [n for n in names if n != "slug" and n != "token"]
        if "slug" in names or object_kwargs:
            assert pattern.name, f"URL pattern {route!r} needs a name"
            found.append((route, pattern.name, names))
    return found


TENANT_PATTERNS = tenant_patterns()


def _kwargs_for(names, workspace, objects_workspace=None):
    objects_workspace = objects_workspace or workspace
    kwargs = {}
    for name in names:
        if name == "slug":
            kwargs["slug"] = workspace.slug
            continue
        assert name in URL_KWARG_OBJECTS, (
            f"URL keyword {name!r} is new: add to URL_KWARG_OBJECTS in {__file__} how to create "
            "such an object in a workspace, so the tenancy walk covers it."
        )
        kwargs[name] = URL_KWARG_OBJECTS[name](objects_workspace)
    return kwargs


def test_the_walk_finds_the_workspace_pages():
    names = {name for _, name, _ in TENANT_PATTERNS}
    assert {"workspace_dashboard", "workspace_members", "workspace_member_role"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwarg_names"), TENANT_PATTERNS)
def test_member_of_another_workspace_gets_404(
    client, workspace, other_workspace, stranger, route, name, kwarg_names
):
    f.MembershipFactory(workspace=workspace, role="owner")
    client.force_login(stranger)
    url = reverse(name, kwargs=_kwargs_for(kwarg_names, workspace))
    assert client.get(url).status_code == 404, url
    assert client.post(url).status_code == 404, url

    object_kwargs = [n for n in kwarg_names if n != "slug"]
    if object_kwargs:
        # Their own workspace's slug with this workspace's object ids: still 404.
        url = reverse(name, kwargs=_kwargs_for(kwarg_names, other_workspace, workspace))
        # 405 for a GET on a POST-only action reveals nothing; the POST must not find it.
        assert client.get(url).status_code in {404, 405}, url
        assert client.post(url).status_code == 404, url


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwarg_names"), TENANT_PATTERNS)
def test_members_get_an_answer_not_an_error(client, workspace, route, name, kwarg_names):
    """Every role gets a page, a redirect, a refusal (403) or a form error (400/405) — never
    404 for an object that is theirs, never a crash."""
    kwargs = _kwargs_for(kwarg_names, workspace)
    for role in ("reviewer", "owner"):
        member = f.MembershipFactory(workspace=workspace, role=role).user
        client.force_login(member)
        url = reverse(name, kwargs=kwargs)
        for method in (client.get, client.post):
            status = method(url).status_code
            assert status in {200, 204, 302, 303, 400, 403, 405, 410}, (role, method, url, status)


@pytest.mark.django_db
@pytest.mark.parametrize(("route", "name", "kwarg_names"), TENANT_PATTERNS)
def test_anonymous_visitors_are_sent_to_sign_in(client, workspace, route, name, kwarg_names):
    url = reverse(name, kwargs=_kwargs_for(kwarg_names, workspace))
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
