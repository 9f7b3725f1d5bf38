import time

import pytest

from apps.workspaces import services
from apps.workspaces.models import Invitation
from tests.factories import MembershipFactory, actor_for


@pytest.mark.postgres
@pytest.mark.redis
def test_invitation_email_task_runs_on_a_real_worker(celery_worker_process, workspace):
    """A task sent through Redis, executed by a separate worker process, its effect in
    PostgreSQL: the invitation is marked as sent."""
    worker = celery_worker_process()
    owner = MembershipFactory(workspace=workspace, role="owner").user
    invitation = services.invitation_create(
        actor=actor_for(workspace, owner),
        email="new.hire@example.com",
        role="copywriter",
        base_url="http://testserver/",
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        invitation.refresh_from_db()
        if invitation.sent_at:
            break
        time.sleep(0.2)
    assert invitation.sent_at is not None, worker.log_text()[-3000:]
    assert "send_invitation_email" in worker.log_text()
    assert "new.hire@example.com" in worker.log_text()  # the console mailer printed it
    assert Invitation.objects.for_workspace(workspace).count() == 1
