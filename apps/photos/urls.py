from django.urls import path

from apps.photos.views import downloads, outputs, photo, recipes, studio

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("photos/", studio.photo_studio, name="photo_studio"),
    path("photos/upload/", studio.photo_upload, name="photo_upload"),
    path("photos/catalog/", studio.photo_catalog_pick, name="photo_catalog_pick"),
    path("photos/process/", studio.photo_process, name="photo_process"),
    path("photos/process/cost/", studio.photo_batch_cost, name="photo_batch_cost"),
    path("photos/batches/<int:job_id>/", studio.photo_batch, name="photo_batch"),
    path("photos/approved.zip", downloads.photo_approved_zip, name="photo_approved_zip"),
    path("photos/outputs/", outputs.photo_output_list, name="photo_output_list"),
    path("photos/outputs/submit/", outputs.photo_outputs_submit, name="photo_outputs_submit"),
    path(
        "photos/outputs/<int:photo_output_id>/",
        outputs.photo_output_detail,
        name="photo_output_detail",
    ),
    path(
        "photos/outputs/<int:photo_output_id>/image/",
        outputs.photo_output_image,
        name="photo_output_image",
    ),
    path(
        "photos/outputs/<int:photo_output_id>/decide/",
        outputs.photo_output_decide,
        name="photo_output_decide",
    ),
    path("photos/review/", outputs.photo_review_queue, name="photo_review_queue"),
    path(
        "photos/review/<int:photo_output_id>/",
        outputs.photo_review_detail,
        name="photo_review_detail",
    ),
    path("photos/recipes/", recipes.recipe_list, name="photo_recipes"),
    path("photos/recipes/<int:photo_recipe_id>/", recipes.recipe_edit, name="photo_recipe_edit"),
    path(
        "photos/recipes/<int:photo_recipe_id>/delete/",
        recipes.recipe_delete,
        name="photo_recipe_delete",
    ),
    path("photos/lighting/", studio.lighting_overview, name="photo_lighting"),
    path("photos/recipes/copy/", recipes.recipe_copy, name="photo_recipe_copy"),
    path("photos/<int:photo_id>/", photo.photo_detail, name="photo_detail"),
    path("photos/<int:photo_id>/image/", photo.photo_image, name="photo_image"),
    path("photos/<int:photo_id>/preview/", photo.photo_preview, name="photo_preview"),
]

# Mounted at /photos/ (outside any workspace): the signed public links of approved photos.
urlpatterns = [
    path("p/<str:token>.jpg", downloads.photo_public_image, name="photo_public_image"),
]
