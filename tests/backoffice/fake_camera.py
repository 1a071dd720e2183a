"""A phone camera for browser tests: Chromium plays a YUV4MPEG2 file as its video device.

`y4m_write` turns a picture (a QR code) into a short still video in the 'C420' format Chromium's
fake capture reads: a header, then per frame the full-size luma plane and the two chroma planes
at half width and height. `camera_browser` launches a separate Chromium fed with that file
(flags cannot change on a running browser).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from PIL import Image

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, PHONE_VIEWPORT

FRAME_SIZE = (640, 480)
FRAMES = 10  # Chromium loops the file; a few identical frames are enough for a still picture


def y4m_write(picture: Image.Image, path: Path, *, size=FRAME_SIZE, frames=FRAMES) -> Path:
    """Write `picture`, centred on white and fitted to `size`, as a still 'C420' video."""
    width, height = size
    frame = Image.new("RGB", size, "white")
    fitted = picture.convert("RGB")
    fitted.thumbnail((height - 40, height - 40), Image.NEAREST)
    frame.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    luma, blue, red = frame.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = luma.tobytes() + blue.resize(half).tobytes() + red.resize(half).tobytes()
    with open(path, "wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420\n".encode("ascii"))
        for _ in range(frames):
            video.write(b"FRAME\n" + planes)
    return path


@contextmanager
def camera_page(playwright_browser, *, video: Path, base_url: str):
    """A phone-sized page in a separate Chromium whose camera shows `video`."""
    browser = playwright_browser.browser_type.launch(
        executable_path=CHROMIUM,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = browser.new_context(
            viewport=PHONE_VIEWPORT,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="en-US",
            base_url=base_url,
        )
        context.grant_permissions(["camera"], origin=base_url)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.base_url = base_url
        yield page
        context.close()
    finally:
        browser.close()
