from celery import shared_task

from apps.workspaces import services


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_invitation_email(*, workspace_id: int, invitation_id: int, base_url: str) -> bool:
    # OSError covers SMTP connection failures: those can succeed on a later try.
    return services.invitation_send_email(
        workspace_id=workspace_id, invitation_id=invitation_id, base_url=base_url
    )
