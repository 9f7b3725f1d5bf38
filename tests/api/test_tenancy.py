"""The API's tenancy walk: a key of workspace A gets 404 for every object of workspace B, on
every route of the API (read from its OpenAPI document), and lists never show B's rows."""

import re

import pytest

from apps.catalog.models import Product
from tests import factories as f
from tests.api.routes import ROUTES, api_routes

PARAM_RE = re.compile(r"{(\w+)}")
# Path parameters that are not object ids: a handle names a product of the key's own workspace
# (an upsert by B's handle creates A's product; checked below).
NOT_IDS = {"handle"}

ALL_ROUTES = api_routes()
OBJECT_ROUTES = [r for r in ALL_ROUTES if set(PARAM_RE.findall(r[1])) - NOT_IDS]


def test_every_route_is_in_the_table():
    missing = [route for route in ALL_ROUTES if route not in ROUTES]
    assert not missing, f"Add these routes to tests/api/routes.py ROUTES: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), OBJECT_ROUTES)
def test_a_key_of_another_workspace_gets_404(api_for, workspace, other_workspace, method, path):
    names = [n for n in PARAM_RE.findall(path) if n not in NOT_IDS]
    api = api_for(other_workspace, role="owner")
    route = ROUTES[(method, path)]
    url = path
    for name in names:
        url = url.replace("{" + name + "}", str(route.param(name, workspace)))
    url = url.replace("{handle}", "linen-shirt")
    call = {"GET": api.get, "POST": api.post, "PUT": api.put, "DELETE": api.delete}[method]
    if method in ("GET", "DELETE"):
        response = call(url)
    elif route.files:
        response = api.post(url, data=route.files(other_workspace))
    else:  # a body valid in the key's own workspace: only the path names B's object
        response = call(url, route.body(other_workspace) if route.body else {})
    assert response.status_code == 404, (method, url, response.status_code, response.content)
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.django_db
def test_an_upsert_by_another_workspaces_handle_makes_the_keys_own_product(
    api_for, workspace, other_workspace
):
    theirs = f.ProductFactory(workspace=workspace, handle="linen-shirt", title="Theirs")
    api = api_for(other_workspace, role="owner")
    response = api.put("/api/v1/products/by-handle/linen-shirt", {"title": "Ours"})
    assert response.status_code == 200
    ours = Product.objects.for_workspace(other_workspace).get(handle="linen-shirt")
    assert response.json()["id"] == ours.pk != theirs.pk
    theirs.refresh_from_db()
    assert theirs.title == "Theirs"


@pytest.mark.django_db
def test_lists_show_only_the_keys_workspace(api_for, workspace, other_workspace):
    f.ProductFactory(workspace=workspace)
    f.BrandProfileFactory(workspace=workspace)
    mine = f.ProductFactory(workspace=other_workspace)
    api = api_for(other_workspace, role="owner")
    assert [p["id"] for p in api.get("/api/v1/products").json()["items"]] == [mine.pk]
    assert api.get("/api/v1/brand/profiles").json() == []
    assert api.get("/api/v1/approved-copy").json()["items"] == []
