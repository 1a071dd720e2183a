"""Image processing with Pillow: square thumbnails for product tiles and galleries."""

import io
from pathlib import PurePath

from django.core.files.base import ContentFile
from PIL import Image, ImageOps

THUMBNAIL_SIZE = 400
THUMBNAIL_QUALITY = 82


def image_thumbnail_make(image, *, size: int = THUMBNAIL_SIZE) -> ContentFile:
    """A `size`×`size` JPEG cut from the centre of `image` (a file, path or PIL image).

    Cover-crop rather than letterbox: tiles in the grid are square and bars would look broken.
    EXIF rotation is applied first, since phones store portrait photos sideways.
    """
    if isinstance(image, Image.Image):
        source = image
    else:
        if hasattr(image, "open"):
            image.open("rb")
        if hasattr(image, "seek"):
            image.seek(0)
        source = Image.open(image)
    source = ImageOps.exif_transpose(source)
    if source.mode not in ("RGB", "L"):
        # JPEG has no alpha: flatten transparent PNGs onto white instead of black.
        background = Image.new("RGB", source.size, "white")
        rgba = source.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        source = background
    thumbnail = ImageOps.fit(source.convert("RGB"), (size, size), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    thumbnail.save(buffer, format="JPEG", quality=THUMBNAIL_QUALITY, optimize=True)
    name = getattr(image, "name", None) or "image"
    return ContentFile(buffer.getvalue(), name=f"{PurePath(name).stem}-{size}.jpg")
