"""The permission matrix applies to keys: a key may do what a member of its role may do, on
every route, and is refused with 403 problem details otherwise."""

import re

import pytest

from apps.workspaces.roles import Role
from tests.api.routes import ROUTES, api_routes

PARAM_RE = re.compile(r"{(\w+)}")


def _url(route, path: str, workspace) -> str:
    for name in PARAM_RE.findall(path):
        value = "linen-shirt" if name == "handle" else route.param(name, workspace)
        path = path.replace("{" + name + "}", str(value))
    return path


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), api_routes())
def test_keys_by_role_follow_the_permission_matrix(api_for, workspace, method, path):
    route = ROUTES[(method, path)]
    for role in Role:
        api = api_for(workspace, role=role)
        url = _url(route, path, workspace)
        if method in ("GET", "DELETE"):
            response = getattr(api, method.lower())(url)
        elif route.files:
            response = api.post(url, data=route.files(workspace))
        else:
            response = getattr(api, method.lower())(
                url, route.body(workspace) if route.body else {}
            )
        allowed = route.allows(role)
        if allowed:
            assert response.status_code not in {401, 403, 404, 500}, (
                role,
                method,
                url,
                response.status_code,
                response.content[:300],
            )
        else:
            assert response.status_code == 403, (role, method, url, response.status_code)
            body = response.json()
            assert body["status"] == 403 and body["type"].endswith("forbidden")
