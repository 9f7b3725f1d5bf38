"""The project's promises about itself: deploy checks, migrations, compose file, docs."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from apps.workspaces.roles import permission_matrix_markdown

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "atelier.example.com",
    "DATABASE_URL": "sqlite:////tmp/atelier-deploy-check.sqlite3",
}


def run_with_only(env: dict, *args: str) -> subprocess.CompletedProcess:
    """Run manage.py with exactly these settings variables (and nothing else from ours)."""
    base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR"}}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_the_deploy_check():
    result = run_with_only(PRODUCTION_ENV, "manage.py", "check", "--deploy", "--fail-level", "INFO")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


PROBE = """
import django, json, os
django.setup()
from django.test import Client
client = Client(HTTP_HOST="atelier.example.com")
login = client.get("/accounts/login/", secure=True)
missing = client.get("/no-such-page/", secure=True)
plain = client.get("/accounts/login/")
print(json.dumps({
    "hsts": login.headers.get("Strict-Transport-Security"),
    "csp": login.headers.get("Content-Security-Policy"),
    "csrf_cookie_secure": bool(login.cookies["csrftoken"]["secure"]),
    "missing_status": missing.status_code,
    "missing_is_debug_page": b"Using the URLconf" in missing.content,
    "http_redirects_to": plain.headers.get("Location"),
}))
"""


def test_production_responses_are_hardened(tmp_path):
    env = {
        **PRODUCTION_ENV,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "STATIC_ROOT": str(tmp_path / "static"),
    }
    collected = run_with_only(env, "manage.py", "collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    result = run_with_only(env, "-c", PROBE)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert "default-src 'self'" in seen["csp"] and "script-src 'self'" in seen["csp"]
    assert seen["csrf_cookie_secure"] is True
    assert seen["missing_status"] == 404 and seen["missing_is_debug_page"] is False
    assert seen["http_redirects_to"] == "https://atelier.example.com/accounts/login/"


def test_production_refuses_to_start_without_its_required_settings():
    result = run_with_only({"DJANGO_ENV": "production"}, "manage.py", "check")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_migrations_are_complete():
    result = run_with_only(
        {"DATABASE_URL": "sqlite:////tmp/atelier-migrations-check.sqlite3"},
        "manage.py",
        "makemigrations",
        "--check",
        "--dry-run",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_docker_compose_runs_the_whole_stack_from_the_same_variables():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) >= {"web", "worker", "beat", "postgres", "redis"}
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["DJANGO_ENV"] == "production"
        assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env
        # Every other setting reaches the containers from the operator's .env file.
        assert {"path": ".env", "required": False} in services[name]["env_file"]
    assert "gunicorn" in services["web"]["command"]
    assert "worker" in services["worker"]["command"]
    assert "beat" in services["beat"]["command"]
    assert (ROOT / "Dockerfile").exists()


def test_the_documented_permission_matrix_is_the_one_the_code_enforces():
    guide = (ROOT / "docs" / "guide" / "team-and-security.md").read_text()
    assert permission_matrix_markdown() in guide, (
        "The permission matrix in docs/guide/team-and-security.md is out of date: paste "
        "`python manage.py permission_matrix`"
    )


@pytest.mark.parametrize("command", ["make run", "make test"])
def test_the_readme_opens_with_the_two_commands(command):
    head = "\n".join((ROOT / "README.md").read_text().splitlines()[:40])
    assert command in head
