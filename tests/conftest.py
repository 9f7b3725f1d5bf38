"""Shared fixtures.

Tests that need PostgreSQL, Redis or Chromium are marked; without the service they are
skipped with the reason, except when ATELIER_REQUIRE_SERVICES=1 (CI), where a missing service
fails the run instead.
"""

import os
import shutil
import socket

# Playwright's sync API runs an event loop in the test thread; Django's ORM is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory

REQUIRE_SERVICES = os.environ.get("ATELIER_REQUIRE_SERVICES") == "1"


def missing_service(reason: str) -> None:
    """Skip for want of a service, or fail when services are required (CI)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason} (ATELIER_REQUIRE_SERVICES=1: no test may be skipped)")
    pytest.skip(reason)


def redis_available() -> bool:
    if not settings.REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def pytest_configure(config):
    # Real hashing costs ~0.2 s per password; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tasks run in-process unless a test starts a real worker (celery_worker_process).
    from config.celery import app as celery_app

    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)


@pytest.fixture(autouse=True)
def _service_markers(request):
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service("needs PostgreSQL: set DATABASE_URL=postgres://…")
    if request.node.get_closest_marker("redis") and not redis_available():
        missing_service("needs Redis: set REDIS_URL=redis://… to a running server")
    if request.node.get_closest_marker("browser") and not chromium_path():
        missing_service("needs Chromium: install Debian's chromium package or set CHROMIUM_PATH")


_LOOPBACK = {"127.0.0.1", "::1", "localhost"}
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _refuse_unless_loopback(address) -> None:
    if isinstance(address, tuple) and address and str(address[0]) not in _LOOPBACK:
        raise ConnectionRefusedError(
            f"tests run with the network off: refused a connection to {address!r}"
        )


@pytest.fixture(autouse=True)
def _network_off(monkeypatch):
    """The one network guard: no test reaches past this machine (OpenAI and Stripe included).

    Connections to anything but loopback (PostgreSQL, Redis, the loopback fakes) are refused and
    other names do not resolve, as on a machine without a network."""

    def connect(sock, address):
        _refuse_unless_loopback(address)
        return _real_connect(sock, address)

    def connect_ex(sock, address):
        _refuse_unless_loopback(address)
        return _real_connect_ex(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and str(host) not in _LOOPBACK:
            raise socket.gaierror(socket.EAI_NONAME, f"tests run with the network off ({host})")
        return _real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def heard_events():
    """Every domain event delivered during the test (after its commit), in order."""
    from apps.core import events

    heard: list = []
    events.subscribe("tests.heard", heard.append)
    yield heard
    events._listeners.pop("tests.heard", None)


@pytest.fixture(autouse=True)
def _fresh_cache():
    # allauth's rate limits count in the cache: every test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def owner(workspace):
    return MembershipFactory(workspace=workspace, role="owner").user


@pytest.fixture
def other_workspace(db):
    return WorkspaceFactory()


@pytest.fixture
def stranger(other_workspace):
    """The owner of another workspace: must never see anything of ``workspace``."""
    return MembershipFactory(workspace=other_workspace, role="owner").user


@pytest.fixture
def member_client(client):
    """Log a client in as the given user: ``member_client(user)``."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def celery_worker_process(transactional_db, tmp_path):
    """A real worker on Redis and the test database: ``worker = celery_worker_process()``.

    The test process sends tasks through Redis (eager mode off) and the worker runs them.
    """
    if connection.vendor != "postgresql":
        missing_service("a real Celery worker needs PostgreSQL (set DATABASE_URL)")
    if not redis_available():
        missing_service("a real Celery worker needs Redis (set REDIS_URL)")
    from config.celery import app as celery_app
    from tests.support.celery_worker import WorkerProcess, purge_broker

    was_eager = celery_app.conf.task_always_eager
    celery_app.conf.update(task_always_eager=False)
    purge_broker()
    workers = []

    def start(**kwargs):
        worker = WorkerProcess(tmp_path / "worker.log", **kwargs).start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
    celery_app.conf.update(task_always_eager=was_eager)


@pytest.fixture
def loopback_servers():
    """Start recording HTTP servers on 127.0.0.1: ``server = loopback_servers(answer)``, where
    ``answer(path) -> (status, headers, body)``; ``server.hits`` lists the paths that reached it."""
    from tests.support.loopback import Recorder

    started = []

    def start(answer=lambda path: (200, {"Content-Type": "application/json"}, b"{}")):
        server = Recorder(answer)
        started.append(server)
        return server

    yield start
    for server in started:
        server.close()
