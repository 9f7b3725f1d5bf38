from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class JobsConfig(AppConfig):
    name = "apps.jobs"
    label = "jobs"
    verbose_name = "Jobs"

    def ready(self) -> None:
        # Every installed app's jobs.py registers its job kinds (see apps/jobs/registry.py),
        # in the web process and in each worker.
        autodiscover_modules("jobs")

        from apps.core import events
        from apps.jobs.events import JobEvent

        events.register_events(JobEvent.choices)
