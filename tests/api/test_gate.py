"""The gate in front of every route: idempotent POSTs (also under concurrent retries, against
a live server and real PostgreSQL), per-key rate limits counted in Redis, problem details."""

import json
import threading
import urllib.error
import urllib.request

import pytest
from django.conf import settings

from apps.api.management.commands.api_openapi import DOCUMENT, openapi_document
from apps.api.models import IdempotentRequest
from apps.catalog.models import Product

BULK = "/api/v1/products/bulk"
BODY = {"products": [{"handle": "linen-shirt", "title": "Linen shirt", "vendor": "Acme"}]}


def test_the_checked_in_openapi_document_is_the_apis():
    with open(settings.BASE_DIR / DOCUMENT, encoding="utf-8") as stream:
        assert stream.read() == openapi_document(), (
            f"{DOCUMENT} is out of date: run `make openapi` and commit it."
        )


@pytest.mark.django_db
def test_a_retry_gets_the_first_answer_and_another_body_is_422(api_for, workspace):
    api = api_for(workspace, role="copywriter")
    first = api.post(BULK, BODY, headers={"Idempotency-Key": "sync-1"})
    assert first.status_code == 200 and "Idempotent-Replayed" not in first
    Product.objects.for_workspace(workspace).update(title="Changed since")

    again = api.post(BULK, BODY, headers={"Idempotency-Key": "sync-1"})
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content
    # The work was not done again: the title changed since is still there.
    assert Product.objects.for_workspace(workspace).get().title == "Changed since"

    other = api.post(
        BULK, {"products": [{"handle": "x", "title": "X"}]}, headers={"Idempotency-Key": "sync-1"}
    )
    assert other.status_code == 422
    assert other.json()["type"].endswith("idempotency-key-reused")
    assert not Product.objects.for_workspace(workspace).filter(handle="x").exists()

    # Keys are per API key: another key may use the same string for its own request.
    other_key = api_for(workspace, role="copywriter")
    fresh = other_key.post(
        BULK, {"products": [{"handle": "x", "title": "X"}]}, headers={"Idempotency-Key": "sync-1"}
    )
    assert fresh.status_code == 200 and "Idempotent-Replayed" not in fresh


@pytest.mark.django_db
def test_refusals_are_stored_too(api_for, workspace):
    api = api_for(workspace, role="reviewer")  # may not import
    first = api.post(BULK, BODY, headers={"Idempotency-Key": "k"})
    again = api.post(BULK, BODY, headers={"Idempotency-Key": "k"})
    assert first.status_code == again.status_code == 403
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_do_the_work_once(live_server, make_key, workspace):
    """Six clients send the same POST with the same key at the same moment, each through its
    own connection to a threaded live server: one runs it, the others wait for its answer."""
    issued, _ = make_key(workspace, role="copywriter")
    products = [{"handle": f"p-{n}", "title": f"Product {n}"} for n in range(300)]
    data = json.dumps({"products": products}).encode()
    barrier = threading.Barrier(6)
    results: list = []

    def send() -> None:
        request = urllib.request.Request(
            live_server.url + BULK,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Bearer {issued.secret}",
                "Content-Type": "application/json",
                "Idempotency-Key": "import-42",
            },
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                results.append(
                    (response.status, response.headers.get("Idempotent-Replayed"), response.read())
                )
        except urllib.error.HTTPError as error:
            results.append((error.code, None, error.read()))

    threads = [threading.Thread(target=send) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _, _ in results] == [200] * 6, results
    assert sorted(replayed or "" for _, replayed, _ in results) == [""] + ["true"] * 5
    assert len({body for _, _, body in results}) == 1
    assert len(json.loads(results[0][2])["saved"]) == 300
    assert Product.objects.for_workspace(workspace).count() == 300
    assert IdempotentRequest.objects.for_workspace(workspace).count() == 1


@pytest.mark.redis
@pytest.mark.django_db
def test_the_rate_limit_is_per_key_in_redis_with_retry_after(api_for, workspace, settings):
    import redis

    settings.API_RATE_LIMIT_PER_MINUTE = 3
    api, other = api_for(workspace), api_for(workspace)
    statuses = [api.get("/api/v1/me").status_code for _ in range(3)]
    refused = api.get("/api/v1/me")
    assert statuses == [200, 200, 200] and refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert body["status"] == 429 and "3 requests a minute" in body["detail"]
    assert other.get("/api/v1/me").status_code == 200  # another key has its own count
    # The count lives in Redis, where every web process reads it.
    counts = redis.Redis.from_url(settings.REDIS_URL).keys("*api-rate:*")
    assert len(counts) == 2


@pytest.mark.django_db
def test_errors_are_problem_details(api_for, workspace):
    api = api_for(workspace)
    invalid = api.post(
        BULK, {"products": [{"handle": "ok", "title": "Fine"}, {"handle": "Not OK!"}]}
    )
    assert invalid.status_code == 422
    assert invalid["Content-Type"] == "application/problem+json"
    body = invalid.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "errors"}
    assert body["status"] == 422 and body["instance"] == BULK
    assert body["errors"][0]["field"] == "body.products.1.handle"
    assert "lower-case" in body["errors"][0]["message"]
    assert not Product.objects.for_workspace(workspace).exists()

    duplicate = api.post(
        BULK, {"products": [{"handle": "a", "title": "A"}, {"handle": "a", "title": "B"}]}
    )
    assert duplicate.status_code == 422
    assert duplicate.json()["errors"] == [
        {"field": "body.products.1.handle", "message": duplicate.json()["detail"]}
    ]

    missing = api.get("/api/v1/products/999999")
    assert missing.status_code == 404 and missing.json()["title"] == "Not found"
    wrong_method = api.delete(BULK)
    assert (
        wrong_method.status_code == 405
        and wrong_method["Content-Type"] == "application/problem+json"
    )
    no_route = api.get("/api/v1/nothing-here")
    assert no_route.status_code == 404 and no_route.json()["status"] == 404


@pytest.mark.django_db
def test_a_new_product_without_a_title_is_refused_naming_it(api_for, workspace):
    api = api_for(workspace)
    response = api.put("/api/v1/products/by-handle/nameless", {"vendor": "Acme"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.title"
    assert "nameless" in response.json()["detail"]
    assert not Product.objects.for_workspace(workspace).exists()


def test_the_docs_page_uses_our_own_files_and_no_inline_script(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "https://" not in html and "<script>" not in html and "style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.django_db
def test_stored_answers_are_forgotten_after_a_day(api_for, workspace):
    from datetime import timedelta

    from django.utils import timezone

    from apps.api.tasks import idempotent_requests_expire

    api = api_for(workspace)
    api.post(BULK, BODY, headers={"Idempotency-Key": "old"})
    api.post(BULK, BODY, headers={"Idempotency-Key": "new"})
    IdempotentRequest.objects.for_workspace(workspace).filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert idempotent_requests_expire() == 1
    assert list(
        IdempotentRequest.objects.for_workspace(workspace).values_list("key", flat=True)
    ) == ["new"]
