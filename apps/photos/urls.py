from django.urls import path

from apps.photos import views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("photos/", views.photo_studio, name="photo_studio"),
    path("photos/upload/", views.photo_upload, name="photo_upload"),
    path("photos/catalog/", views.photo_catalog_pick, name="photo_catalog_pick"),
    path("photos/process/", views.photo_process, name="photo_process"),
    path("photos/process/cost/", views.photo_batch_cost, name="photo_batch_cost"),
    path("photos/batches/<int:job_id>/", views.photo_batch, name="photo_batch"),
    path("photos/approved.zip", views.photo_approved_zip, name="photo_approved_zip"),
    path("photos/outputs/", views.photo_output_list, name="photo_output_list"),
    path("photos/outputs/submit/", views.photo_outputs_submit, name="photo_outputs_submit"),
    path(
        "photos/outputs/<int:photo_output_id>/",
        views.photo_output_detail,
        name="photo_output_detail",
    ),
    path(
        "photos/outputs/<int:photo_output_id>/image/",
        views.photo_output_image,
        name="photo_output_image",
    ),
    path(
        "photos/outputs/<int:photo_output_id>/decide/",
        views.photo_output_decide,
        name="photo_output_decide",
    ),
    path("photos/review/", views.photo_review_queue, name="photo_review_queue"),
    path(
        "photos/review/<int:photo_output_id>/",
        views.photo_review_detail,
        name="photo_review_detail",
    ),
    path("photos/recipes/", views.recipe_list, name="photo_recipes"),
    path("photos/recipes/<int:photo_recipe_id>/", views.recipe_edit, name="photo_recipe_edit"),
    path(
        "photos/recipes/<int:photo_recipe_id>/delete/",
        views.recipe_delete,
        name="photo_recipe_delete",
    ),
    path("photos/lighting/", views.lighting_overview, name="photo_lighting"),
    path("photos/recipes/copy/", views.recipe_copy, name="photo_recipe_copy"),
    path("photos/<int:photo_id>/", views.photo_detail, name="photo_detail"),
    path("photos/<int:photo_id>/image/", views.photo_image, name="photo_image"),
    path("photos/<int:photo_id>/preview/", views.photo_preview, name="photo_preview"),
]

# Mounted at /photos/ (outside any workspace): the signed public links of approved photos.
urlpatterns = [
    path("p/<str:token>.jpg", views.photo_public_image, name="photo_public_image"),
]
