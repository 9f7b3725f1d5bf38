from django.apps import AppConfig


class PhotosConfig(AppConfig):
    name = "apps.photos"
    label = "photos"
    verbose_name = "Photo studio"

    def ready(self) -> None:
        from apps.catalog.registry import register_shopify_columns
        from apps.photos.exporting import shopify_image_columns
        from apps.photos.services import review

        register_shopify_columns("photos.approved_images", shopify_image_columns)
        # Photo outputs are reviewed through the one review seam, which also registers the
        # photo.* events (apps/photos/events.py).
        review.register()
