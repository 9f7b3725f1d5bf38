from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        from apps.core import events
        from apps.notifications.services import notification_enqueue

        # Every domain event passes by; the ones the rules know become a task after the commit.
        events.subscribe("notifications", notification_enqueue)
