"""One-click unsubscribe: the link in every notification e-mail works signed out, from the page's
button or a mail client's RFC 8058 POST; a changed link is refused and says so."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client

from apps.notifications import services
from apps.notifications.kinds import ALL_KINDS, Delivery, Kind
from apps.notifications.models import NotificationPreference
from tests.factories import MembershipFactory
from tests.notifications.conftest import review_payload

pytestmark = pytest.mark.django_db


def preferences(user):
    return dict(NotificationPreference.objects.filter(user=user).values_list("kind", "delivery"))


@pytest.fixture
def mailed(workspace, emit):
    """An author who got an e-mail at once (their copy was returned): its unsubscribe path."""
    author = MembershipFactory(workspace=workspace, role="copywriter").user
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    emit(
        "copy.returned",
        workspace,
        key="copy-1:1",
        payload=review_payload(workspace, author=author),
        actor=reviewer,
    )
    (message,) = mail.outbox
    header = re.fullmatch(r"<(.+)>", message.extra_headers["List-Unsubscribe"]).group(1)
    assert f"Stop these e-mails: {header}" in message.body  # the same link in the text
    return author, urlsplit(header).path


def test_the_link_asks_first_then_unsubscribes_without_signing_in(workspace, emit, mailed):
    author, path = mailed
    anonymous = Client(enforce_csrf_checks=True)
    page = anonymous.get(path)  # a link checker opening the link changes nothing
    assert page.status_code == 200
    assert "Stop e-mails about “my work approved, returned or rejected”?" in page.text
    assert preferences(author) == {}

    done = anonymous.post(path)  # the page's button: no session, no CSRF token
    assert done.status_code == 200
    assert "You will no longer get e-mails about" in done.text
    assert preferences(author) == {Kind.WORK_DECIDED: Delivery.OFF}

    # The next decision still shows in the app, and sends no e-mail.
    emit(
        "copy.approved", workspace, key="copy-1:2", payload=review_payload(workspace, author=author)
    )
    assert len(mail.outbox) == 1


def test_a_mail_clients_one_click_post_unsubscribes(mailed):
    author, path = mailed
    response = Client(enforce_csrf_checks=True).post(
        path,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert preferences(author) == {Kind.WORK_DECIDED: Delivery.OFF}
    # Twice is the same as once.
    assert Client().post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert preferences(author) == {Kind.WORK_DECIDED: Delivery.OFF}


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: token[:-3] + ("abc" if not token.endswith("abc") else "xyz"),  # signature
        lambda token: token.replace(token.split(":")[0], "eyJ1IjoxLCJrIjoiYWxsIn0"),  # payload
        lambda token: token[: len(token) // 2],  # cut short
    ],
)
def test_a_changed_link_is_refused_with_a_clear_message(mailed, tamper):
    _, path = mailed
    token = path.rstrip("/").rsplit("/", 1)[1]
    bad = path.replace(token, tamper(token))
    for method in (Client().get, Client().post):
        response = method(bad)
        assert response.status_code == 400
        assert "This unsubscribe link is not valid: it was changed or cut short." in response.text
    assert NotificationPreference.objects.count() == 0


def test_a_digests_link_stops_every_notification_email(user):
    token = services.unsubscribe_token(user_id=user.pk, kind=ALL_KINDS)
    response = Client().post(f"/notifications/unsubscribe/{token}/")
    assert "You will no longer get all notification e-mails" in response.text
    assert preferences(user) == dict.fromkeys(Kind.values, Delivery.OFF)


def test_a_link_for_an_account_that_is_gone(user):
    token = services.unsubscribe_token(user_id=user.pk, kind=Kind.JOB_DONE)
    user.delete()
    response = Client().get(f"/notifications/unsubscribe/{token}/")
    assert response.status_code == 400
    assert "The account this link was sent to no longer exists." in response.text
