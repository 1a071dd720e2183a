"""Celery tasks: thin interfaces over services (STYLE.md)."""

from celery import shared_task

from catalog import services


@shared_task
def make_missing_thumbnails() -> int:
    return services.product_image_thumbnails_fill_missing()
