from django.urls import path

from apps.brand import lighting_views, views

# Mounted under /w/<slug>/ by config/urls.py.
workspace_patterns = [
    path("brand/", views.profile_list, name="brand_profile_list"),
    path("brand/<int:profile_id>/", views.profile_detail, name="brand_profile_detail"),
    path("brand/<int:profile_id>/train/", views.profile_train, name="brand_profile_train"),
    path("brand/<int:profile_id>/default/", views.profile_default, name="brand_profile_default"),
    path("brand/<int:profile_id>/paste/", views.material_paste, name="brand_material_paste"),
    path("brand/<int:profile_id>/upload/", views.material_upload, name="brand_material_upload"),
    path("brand/<int:profile_id>/fine-tune/", views.fine_tune_start, name="brand_fine_tune_start"),
    path("brand/uploads/<int:upload_id>/", views.upload_detail, name="brand_upload_detail"),
    path(
        "brand/versions/<int:version_id>/activate/",
        views.version_activate,
        name="brand_version_activate",
    ),
    path(
        "brand/fine-tunes/<int:run_id>/route/", views.fine_tune_route, name="brand_fine_tune_route"
    ),
    path("brand/<int:profile_id>/lighting/", lighting_views.brand_lighting, name="brand_lighting"),
    path(
        "brand/lighting/<int:lighting_profile_id>/activate/",
        lighting_views.lighting_activate,
        name="brand_lighting_activate",
    ),
    path(
        "brand/lighting/references/<int:lighting_reference_id>/image/",
        lighting_views.lighting_reference_image,
        name="brand_lighting_reference_image",
    ),
]
