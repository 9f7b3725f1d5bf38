from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo workspace (``manage.py seed_demo``): it sits above every other app, because it
    makes products, brand profiles, copy and photos through their services."""

    name = "apps.demo"
    label = "demo"
    verbose_name = "Demo workspace"
