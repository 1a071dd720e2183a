"""A phone camera for browser tests: the page's camera shows a still picture (a QR code).

`camera_page` opens a phone-sized page whose `navigator.mediaDevices.getUserMedia` answers with
the live stream of a canvas that keeps drawing the picture, centred on white, as a rear camera
held over it would. The scanner under test reads that stream exactly as it reads a camera: the
vendored ZXing reader plays it in the page's <video> and decodes its frames.

Chromium's own fake capture device (`--use-file-for-fake-video-capture`) is not used: whether it
plays the file, and at which frame rate, differs between Chromium builds (a distribution's
package, Chrome for Testing), so a test built on it passed on one and timed out on another.
"""

from __future__ import annotations

import base64
import io
import json
from contextlib import contextmanager

from PIL import Image

from tests.conftest import PHONE_VIEWPORT

FRAME_SIZE = (640, 480)

# Runs before any script of the page. The canvas is redrawn ten times a second: a canvas stream
# only produces frames when the canvas changes or is drawn.
CAMERA_JS = """(() => {
  const [width, height] = %(size)s;
  const picture = new Image();
  picture.src = %(picture)s;
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  function draw() {
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    if (!picture.complete || !picture.naturalWidth) return;
    // Whole pixels per QR module, as a sharp camera close to the code sees them: a picture
    // scaled by a fraction gets modules of uneven widths, which the reader misses at times.
    const fit = Math.min(width, height) - 40;
    const natural = picture.naturalWidth;
    const scale = natural <= fit ? Math.floor(fit / natural) : fit / natural;
    const side = natural * scale;
    context.imageSmoothingEnabled = false;
    const left = Math.round((width - side) / 2);
    const top = Math.round((height - side) / 2);
    context.drawImage(picture, left, top, side, side);
  }
  if (!navigator.mediaDevices) return;
  navigator.mediaDevices.getUserMedia = async function (constraints) {
    if (!constraints || !constraints.video) throw new DOMException("no video", "NotFoundError");
    draw();
    setInterval(draw, 100);
    return canvas.captureStream(10);
  };
})();"""


def data_url(picture: Image.Image) -> str:
    buffer = io.BytesIO()
    picture.convert("RGB").save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


@contextmanager
def camera_page(playwright_browser, *, picture: Image.Image, base_url: str):
    """A phone-sized page, in its own browser context, whose camera shows `picture`."""
    context = playwright_browser.new_context(
        viewport=PHONE_VIEWPORT,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-US",
        base_url=base_url,
    )
    try:
        context.add_init_script(
            CAMERA_JS % {"size": json.dumps(FRAME_SIZE), "picture": json.dumps(data_url(picture))}
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.base_url = base_url
        yield page
    finally:
        context.close()
