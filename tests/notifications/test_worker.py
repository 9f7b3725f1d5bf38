import time

import pytest

from apps.notifications.kinds import Delivery, Kind
from apps.notifications.models import Notification, NotificationPreference
from apps.workspaces import services as workspace_services
from tests.factories import InvitationFactory, MembershipFactory, UserFactory


@pytest.mark.postgres
@pytest.mark.redis
def test_an_event_crosses_the_queue_to_a_real_worker(celery_worker_process, workspace, settings):
    """An invitation accepted in this process: after the commit the listener sends the task
    through Redis; a separate worker process makes the notification in PostgreSQL and e-mails
    it (the console mailer prints it to the worker's log)."""
    worker = celery_worker_process()
    inviter = MembershipFactory(workspace=workspace, role="owner").user
    NotificationPreference.objects.create(
        user=inviter, kind=Kind.INVITATION_ACCEPTED, delivery=Delivery.IMMEDIATE
    )
    invitation = InvitationFactory(workspace=workspace, role="reviewer", invited_by=inviter)
    newcomer = UserFactory(email=invitation.email)
    workspace_services.invitation_accept(
        token=workspace_services.invitation_token(invitation), user=newcomer
    )
    rows = Notification.objects.for_workspace(workspace)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not rows.filter(emailed_at__isnull=False).exists():
        time.sleep(0.2)
    (note,) = rows
    assert note.recipient == inviter and note.emailed_at, worker.log_text()[-3000:]
    assert note.title == f"{invitation.email} accepted your invitation and joined as Reviewer"
    log = worker.log_text()
    assert "apps.notifications.tasks.notify_event" in log
    assert f"To: {inviter.email}" in log
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click" in log
