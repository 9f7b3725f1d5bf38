"""Sign-up, e-mail verification, login, logout, password reset, e-mail change, rate limits and
two-factor sign-in, through allauth's real views."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.core import mail
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def link_in(message) -> str:
    return re.search(r"https?://testserver(/\S+)", message.body).group(1)


def totp_now(secret: str) -> str:
    counters = list(yield_hotp_counters_from_time())
    return format_hotp_value(hotp_value(secret, counters[len(counters) // 2]))


def login(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_sign_up_then_verify_the_email_then_sign_in(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "ines@example.com", "password1": "lantern-fog-88", "password2": "lantern-fog-88"},
    )
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="ines@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    # Unverified: login is held at the verification step.
    assert login(client, "ines@example.com", "lantern-fog-88")["Location"] == reverse(
        "account_email_verification_sent"
    )
    confirm_url = link_in(mail.outbox[-1])
    response = client.post(confirm_url, follow=True)
    assert EmailAddress.objects.get(user=user).verified
    assert response.wsgi_request.user == user  # logged in on confirmation


def test_logout(client, user):
    login(client, user.email)
    client.post(reverse("account_logout"))
    assert client.get(reverse("workspace_list"))["Location"].startswith(reverse("account_login"))


def test_wrong_password_is_refused_with_a_message(client, user):
    response = login(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert (
        "The email address and/or password you specified are not correct"
        in response.content.decode()
    )


def test_failed_logins_are_rate_limited(client, user):
    for _ in range(5):
        login(client, user.email, "wrong")
    response = login(client, user.email)  # even the right password, for a while
    assert response.status_code in (200, 429)
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_by_email(client, user):
    client.post(reverse("account_reset_password"), {"email": user.email})
    reset_url = link_in(mail.outbox[-1])
    form_page = client.get(reset_url, follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0] if form_page.redirect_chain else reset_url,
        {"password1": "new-moon-rising-7", "password2": "new-moon-rising-7"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("new-moon-rising-7")


def test_change_email_address(client, user):
    login(client, user.email)
    client.post(reverse("account_email"), {"action_add": "", "email": "moved@example.com"})
    address = EmailAddress.objects.get(email="moved@example.com")
    assert address.user == user and not address.verified
    client.post(link_in(mail.outbox[-1]))
    address.refresh_from_db()
    assert address.verified


def test_two_factor_with_totp_and_recovery_codes(client, user):
    login(client, user.email)
    # Adding an authenticator asks for the password again first.
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert Authenticator.objects.filter(user=user, type="recovery_codes").exists()

    # The next sign-in asks for the code.
    client.logout()
    response = login(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    codes = Authenticator.objects.get(user=user, type="recovery_codes").wrap().get_unused_codes()
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_emails_are_unique_regardless_of_case(client):
    UserFactory(email="taken@example.com")
    client.post(
        reverse("account_signup"),
        {
            "email": "TAKEN@example.com",
            "password1": "lantern-fog-88",
            "password2": "lantern-fog-88",
        },
    )
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
