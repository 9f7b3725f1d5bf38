from django.urls import path

from apps.webhooks import views

workspace_patterns = [
    path("webhooks/", views.endpoint_list, name="webhooks_list"),
    path("webhooks/<int:endpoint_id>/", views.endpoint_detail, name="webhooks_endpoint"),
    path(
        "webhooks/<int:endpoint_id>/secret/",
        views.endpoint_rotate_secret,
        name="webhooks_endpoint_rotate",
    ),
    path(
        "webhooks/<int:endpoint_id>/enable/",
        views.endpoint_enable,
        name="webhooks_endpoint_enable",
    ),
    path(
        "webhooks/<int:endpoint_id>/disable/",
        views.endpoint_disable,
        name="webhooks_endpoint_disable",
    ),
    path(
        "webhooks/<int:endpoint_id>/delete/",
        views.endpoint_delete,
        name="webhooks_endpoint_delete",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/",
        views.delivery_detail,
        name="webhooks_delivery",
    ),
    path(
        "webhooks/deliveries/<int:delivery_id>/redeliver/",
        views.delivery_redeliver,
        name="webhooks_delivery_redeliver",
    ),
]
