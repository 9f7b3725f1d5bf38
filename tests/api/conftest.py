"""Keys and a client that sends them."""

import json

import pytest
from django.test import Client

from apps.api.services import api_key_create
from tests import factories as f


class ApiClient:
    """Django's test client with a bearer key; JSON in, the response out."""

    def __init__(self, secret: str) -> None:
        self.client = Client()
        self.secret = secret

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.secret}", **(headers or {})}

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body=None, headers: dict | None = None, **kwargs):
        if "data" in kwargs:  # multipart
            return self.client.post(path, kwargs["data"], headers=self._headers(headers))
        return self.client.post(
            path,
            json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def put(self, path: str, body, headers: dict | None = None):
        return self.client.put(
            path, json.dumps(body), content_type="application/json", headers=self._headers(headers)
        )

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(path, headers=self._headers(headers))


@pytest.fixture
def make_key(db):
    """``make_key(workspace, role="admin", **kwargs)`` -> (IssuedKey, creator's membership)."""

    def make(workspace, role: str = "admin", creator_role: str = "owner", **kwargs):
        actor = f.actor_for(workspace, role=creator_role)
        issued = api_key_create(
            actor=actor, name=kwargs.pop("name", "PIM sync"), role=role, **kwargs
        )
        return issued, actor.membership

    return make


@pytest.fixture
def api_for(make_key):
    """``api_for(workspace, role="admin")`` -> an ApiClient with a new key of that role."""

    def make(workspace, role: str = "admin") -> ApiClient:
        issued, _ = make_key(workspace, role=role)
        return ApiClient(issued.secret)

    return make
