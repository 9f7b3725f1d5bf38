from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"

    def ready(self) -> None:
        from apps.core import events, trail
        from apps.webhooks.audit_actions import AuditAction
        from apps.webhooks.delivery import webhooks_on_event

        trail.register_actions(AuditAction.choices)
        # Every event passes by; the listener keeps those an endpoint chose. Subscribing by
        # name means no import of the apps that emit them.
        events.subscribe("webhooks.deliver", webhooks_on_event)
