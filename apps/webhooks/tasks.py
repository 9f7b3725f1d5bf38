from celery import shared_task

from apps.webhooks import delivery


@shared_task(acks_late=True)
def webhook_deliver(*, workspace_id: int, delivery_id: int) -> str:
    # No Celery retry: a failed attempt is recorded and made due again in the database, where
    # the beat sweep (webhook_queue_due) finds it after any restart.
    return delivery.delivery_attempt(workspace_id=workspace_id, delivery_id=delivery_id)


@shared_task(acks_late=True)
def webhook_queue_due() -> int:
    return delivery.deliveries_queue_due()


@shared_task(acks_late=True)
def webhook_prune_log() -> int:
    return delivery.deliveries_prune()


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def webhook_disabled_email(*, workspace_id: int, endpoint_id: int) -> int:
    # OSError covers SMTP connection failures: those can succeed on a later try.
    return delivery.endpoint_send_disabled_email(workspace_id=workspace_id, endpoint_id=endpoint_id)
