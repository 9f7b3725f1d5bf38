from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from apps.core.errors import ServiceError
from apps.gateway import encryption, model_settings, services
from apps.gateway.errors import REDACTED, scrub
from apps.gateway.models import ProviderCredential
from apps.gateway.providers import ProviderConfig
from apps.gateway.selectors import provider_config
from tests.factories import actor_for
from tests.gateway.conftest import SECRET_KEY


def stored(workspace) -> ProviderCredential:
    return ProviderCredential.objects.for_workspace(workspace).get(provider="openai")


def test_keys_are_encrypted_at_rest(workspace, owner, openai_key):
    credential = stored(workspace)
    assert SECRET_KEY not in credential.api_key_encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key_encrypted, api_key_last4 FROM gateway_providercredential")
        raw = cursor.fetchall()
    assert all(SECRET_KEY not in str(row) for row in raw)
    config, scope = provider_config(workspace=workspace, provider="openai")
    assert config.api_key == SECRET_KEY and scope == f"ws{workspace.pk}"


def test_a_key_is_shown_only_masked(workspace, owner, openai_key):
    credential = stored(workspace)
    assert credential.masked_key == "••••WXYZ"
    for text in (
        str(credential),
        repr(credential),
        repr(provider_config(workspace=workspace, provider="openai")[0]),
    ):
        assert SECRET_KEY not in text
    short = model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key="abc123"
    )
    assert short.masked_key == "••••"  # too short to reveal four characters of it


def test_an_empty_key_keeps_the_stored_one(workspace, owner, openai_key):
    before = stored(workspace).api_key_encrypted
    model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key="",
        base_url="http://x.test/v1",
    )
    after = stored(workspace)
    assert after.api_key_encrypted == before and after.base_url == "http://x.test/v1"


@pytest.mark.parametrize(
    ("base_url", "message"),
    [
        ("ftp://example.test", "must start with http:// or https://"),
        ("https://user:pw@example.test/v1", "not in the base URL"),
    ],
)
def test_bad_base_urls_are_refused_and_nothing_changes(
    workspace, owner, openai_key, base_url, message
):
    before = stored(workspace)
    with pytest.raises(ServiceError) as caught:
        model_settings.credential_save(
            actor=actor_for(workspace, owner),
            provider="openai",
            api_key="sk-new-000000000000",
            base_url=base_url,
        )
    assert message in caught.value.message
    after = stored(workspace)
    assert (after.api_key_encrypted, after.base_url) == (before.api_key_encrypted, before.base_url)


def test_rotation_new_key_first_then_reencrypt(workspace, owner, settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ATELIER_ENCRYPTION_KEYS = [old]
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key=SECRET_KEY
    )
    under_old = stored(workspace).api_key_encrypted

    settings.ATELIER_ENCRYPTION_KEYS = [new, old]  # both decrypt; the new one encrypts
    assert provider_config(workspace=workspace, provider="openai")[0].api_key == SECRET_KEY
    out = StringIO()
    call_command("gateway_reencrypt_keys", stdout=out)
    assert "Re-encrypted 1 provider key(s)." in out.getvalue()
    under_new = stored(workspace).api_key_encrypted
    assert under_new != under_old

    settings.ATELIER_ENCRYPTION_KEYS = [new]  # the old key is gone: still readable
    assert provider_config(workspace=workspace, provider="openai")[0].api_key == SECRET_KEY
    settings.ATELIER_ENCRYPTION_KEYS = [old]  # and not readable with the old key alone
    with pytest.raises(ServiceError) as caught:
        provider_config(workspace=workspace, provider="openai")
    assert "cannot be decrypted" in caught.value.message
    assert SECRET_KEY not in caught.value.message


def test_passphrases_and_the_secret_key_derive_fernet_keys(settings):
    settings.ATELIER_ENCRYPTION_KEYS = ["a long passphrase, not a Fernet key"]
    token = encryption.encrypt("secret")
    assert encryption.decrypt(token) == "secret"
    settings.ATELIER_ENCRYPTION_KEYS = []
    settings.SECRET_KEY = "another-secret-key-for-this-test-0123456789"
    with pytest.raises(ServiceError):
        encryption.decrypt(token)
    assert encryption.decrypt(encryption.encrypt("x")) == "x"


def test_scrub_removes_keys_and_key_shaped_strings():
    text = (
        f"Incorrect API key provided: {SECRET_KEY}. Header: Bearer abcdef0123456789; "
        "url?api_key=zzz999 and a custom key MYKEY-123456"
    )
    cleaned = scrub(text, secrets=["MYKEY-123456"])
    assert SECRET_KEY not in cleaned and "abcdef0123456789" not in cleaned
    assert "zzz999" not in cleaned and "MYKEY-123456" not in cleaned
    assert cleaned.count(REDACTED) == 4


def test_provider_config_repr_hides_the_key():
    config = ProviderConfig(api_key=SECRET_KEY, base_url="https://x.test/v1", key_source="site")
    assert SECRET_KEY not in repr(config) and "x.test" in repr(config)


def test_an_undecryptable_key_falls_back_with_a_clear_message(
    workspace, owner, settings, set_route
):
    from apps.gateway.models import UsageRecord
    from apps.gateway.types import TextRequest

    settings.ATELIER_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key=SECRET_KEY
    )
    settings.ATELIER_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    set_route(workspace, "copy.generate", "gpt-4o-mini", "local-copy")
    result = services.gateway_generate_text(
        workspace=workspace, actor=owner, request=TextRequest.from_prompt("Write a description")
    )
    assert result.provider == "local"
    [row] = UsageRecord.objects.for_workspace(workspace)
    assert row.provider == "local"  # no call was made with an unreadable key
    check = services.gateway_test_connection(actor=actor_for(workspace, owner), provider="openai")
    assert not check.ok and "cannot be decrypted" in check.message
