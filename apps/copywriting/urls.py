from django.urls import path

from apps.copywriting import views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("copy/", views.studio, name="copy_studio"),
    path("copy/new/", views.run_new, name="copy_run_new"),
    path("copy/new/cost/", views.run_cost, name="copy_run_cost"),
    path("copy/settings/", views.copy_settings, name="copy_settings"),
    path("copy/runs/<int:job_id>/", views.run_detail, name="copy_run_detail"),
    path("copy/drafts/<int:draft_id>/", views.draft_detail, name="copy_draft_detail"),
    path("copy/drafts/<int:draft_id>/decide/", views.draft_decide, name="copy_draft_decide"),
    path("copy/variants/<int:variant_id>/save/", views.variant_autosave, name="copy_variant_save"),
    path(
        "copy/variants/<int:variant_id>/regenerate/",
        views.variant_regenerate,
        name="copy_variant_regenerate",
    ),
    path(
        "copy/variants/<int:variant_id>/choose/", views.variant_choose, name="copy_variant_choose"
    ),
    path("review/", views.review_queue, name="review_queue"),
    path("review/approve/", views.review_bulk_approve, name="review_bulk_approve"),
    path("review/copy/<int:draft_id>/", views.review_item, name="review_item"),
    path("review/copy/<int:draft_id>/edit/", views.review_edit, name="review_edit"),
]
