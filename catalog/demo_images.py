"""Demo product pictures drawn with Pillow: a gradient, the silhouette of what the product is, its
name and brand. Nothing is downloaded.

A silhouette per kind of product (a sweater has long sleeves and ribbed cuffs, shoes are a
sneaker, trousers have two legs), so a shopper browsing the demo never sees a T-shirt on a pair
of shoes. `SHAPES` names every one; the demo plan picks one per product.
"""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageOps

from catalog.labels import label_font

IMAGE_SIDE = 800
WHITE = (255, 255, 255)


def _darker(rgb, by: int = 60):
    return tuple(max(0, channel - by) for channel in rgb)


def _label(fill):
    """A label panel that shows on the product: white, or light grey on a white product."""
    return WHITE if sum(fill) < 690 else (214, 220, 228)


def _mirror(points):
    """The left half of a symmetric garment, mirrored around the centre line (x = 400)."""
    return points + [(IMAGE_SIDE - x, y) for x, y in reversed(points)]


# ---- clothing --------------------------------------------------------------------------------


def _tshirt(draw, fill, outline):
    left = [(400, 205), (330, 170), (250, 200), (140, 320), (210, 390), (260, 340), (260, 620)]
    draw.polygon(_mirror(left), fill=fill, outline=outline, width=6)
    draw.arc((340, 150, 460, 240), 20, 160, fill=outline, width=6)


def _long_sleeved(draw, fill, outline, *, hem=610):
    """Body with sleeves down to the wrists (sweater, shirt, hoodie, coat)."""
    left = [(400, 200), (330, 175), (245, 210), (150, 560), (215, 585), (265, 330), (265, hem)]
    draw.polygon(_mirror(left), fill=fill, outline=outline, width=6)


def _sweater(draw, fill, outline):
    _long_sleeved(draw, fill, outline)
    rib = _darker(fill, 35)
    draw.rectangle((265, 575, 535, 610), fill=rib, outline=outline, width=4)  # ribbed hem
    for x in range(280, 535, 16):
        draw.line((x, 578, x, 607), fill=outline, width=2)
    for cuff in (
        [(150, 560), (215, 585), (205, 610), (142, 588)],
        [(650, 560), (585, 585), (595, 610), (658, 588)],
    ):
        draw.polygon(cuff, fill=rib, outline=outline)
    draw.arc((335, 150, 465, 250), 15, 165, fill=rib, width=16)  # crew neck


def _shirt(draw, fill, outline):
    _long_sleeved(draw, fill, outline)
    collar = _darker(fill, 20)
    draw.polygon([(330, 175), (400, 205), (370, 260)], fill=collar, outline=outline)
    draw.polygon([(470, 175), (400, 205), (430, 260)], fill=collar, outline=outline)
    draw.line((400, 205, 400, 610), fill=outline, width=4)  # placket
    for y in range(260, 600, 70):
        draw.ellipse((410, y, 426, y + 16), fill=WHITE, outline=outline)
    draw.rectangle((455, 300, 520, 360), outline=outline, width=4)  # breast pocket


def _hoodie(draw, fill, outline):
    draw.ellipse((305, 110, 495, 260), fill=_darker(fill, 25), outline=outline, width=6)  # hood
    _long_sleeved(draw, fill, outline)
    draw.rounded_rectangle((310, 440, 490, 550), radius=20, outline=outline, width=5)  # pocket
    for x in (380, 420):
        draw.line((x, 215, x - 5, 320), fill=WHITE, width=6)  # drawstrings


def _coat(draw, fill, outline):
    _long_sleeved(draw, fill, outline, hem=640)
    draw.line((400, 205, 400, 640), fill=outline, width=5)  # opening
    lapel = _darker(fill, 25)
    draw.polygon([(330, 175), (400, 205), (400, 330), (345, 240)], fill=lapel, outline=outline)
    draw.polygon([(470, 175), (400, 205), (400, 330), (455, 240)], fill=lapel, outline=outline)
    for y in (380, 460, 540):
        draw.ellipse((365, y, 385, y + 20), fill=outline)
        draw.ellipse((415, y, 435, y + 20), fill=outline)


def _vest(draw, fill, outline):
    left = [(400, 215), (340, 175), (280, 190), (250, 340), (250, 610)]
    draw.polygon(_mirror(left), fill=fill, outline=outline, width=6)
    for y in range(370, 600, 55):  # quilted down
        draw.line((255, y, 545, y), fill=outline, width=3)
    draw.line((400, 215, 400, 610), fill=outline, width=5)


def _trousers(draw, fill, outline, *, leg_end=630):
    draw.polygon(
        [
            (280, 180),
            (520, 180),
            (550, leg_end),
            (435, leg_end),
            (400, 320),
            (365, leg_end),
            (250, leg_end),
        ],
        fill=fill,
        outline=outline,
        width=6,
    )
    draw.rectangle((280, 180, 520, 215), fill=_darker(fill, 25), outline=outline, width=4)
    for x in (320, 400, 480):
        draw.rectangle((x - 6, 180, x + 6, 215), outline=outline, width=2)  # belt loops


def _shorts(draw, fill, outline):
    _trousers(draw, fill, outline, leg_end=430)


def _skirt(draw, fill, outline):
    draw.polygon(
        [(320, 200), (480, 200), (590, 600), (210, 600)], fill=fill, outline=outline, width=6
    )
    draw.rectangle((315, 190, 485, 225), fill=_darker(fill, 25), outline=outline, width=4)
    for top, bottom in ((350, 280), (380, 350), (420, 450), (450, 520)):
        draw.line((top, 225, bottom, 600), fill=outline, width=3)  # pleats


def _dress(draw, fill, outline):
    draw.polygon(
        [
            (335, 160),
            (355, 160),
            (365, 230),
            (435, 230),
            (445, 160),
            (465, 160),
            (480, 340),
            (610, 630),
            (190, 630),
            (320, 340),
        ],
        fill=fill,
        outline=outline,
        width=6,
    )
    draw.line((322, 340, 478, 340), fill=outline, width=8)  # waist seam
    for x in (300, 400, 500):
        draw.line((400, 345, x, 625), fill=_darker(fill, 30), width=3)


def _romper(draw, fill, outline):
    left = [
        (400, 210),
        (340, 180),
        (270, 210),
        (200, 300),
        (255, 345),
        (285, 320),
        (280, 560),
        (330, 610),
        (380, 610),
    ]
    draw.polygon(_mirror(left), fill=fill, outline=outline, width=6)
    draw.arc((350, 170, 450, 245), 20, 160, fill=outline, width=6)
    for y in (300, 370, 440, 510):  # snaps
        draw.ellipse((392, y, 408, y + 16), fill=WHITE, outline=outline)


def _shoe(draw, fill, outline):
    draw.polygon(
        [
            (160, 560),
            (165, 455),
            (255, 430),
            (320, 470),
            (410, 410),
            (470, 420),
            (600, 495),
            (655, 535),
            (655, 565),
        ],
        fill=fill,
        outline=outline,
        width=6,
    )
    draw.rounded_rectangle((150, 555, 665, 605), radius=20, fill=WHITE, outline=outline, width=6)
    for step in range(4):  # laces
        x = 390 + step * 38
        draw.line((x, 440 + step * 10, x + 30, 470 + step * 10), fill=WHITE, width=6)
    draw.ellipse((190, 470, 240, 520), outline=outline, width=4)  # heel logo


# ---- beauty ----------------------------------------------------------------------------------


def _bottle(draw, fill, outline):
    draw.rounded_rectangle((340, 150, 460, 240), radius=14, fill=outline)
    draw.rounded_rectangle((280, 230, 520, 620), radius=48, fill=fill, outline=outline, width=6)


def _jar(draw, fill, outline):
    draw.rounded_rectangle((230, 300, 570, 360), radius=16, fill=outline)  # lid
    draw.rounded_rectangle((240, 350, 560, 600), radius=40, fill=fill, outline=outline, width=6)
    draw.rectangle((290, 430, 510, 510), fill=_label(fill))


def _tube(draw, fill, outline):
    draw.polygon(
        [(270, 170), (530, 170), (480, 540), (320, 540)], fill=fill, outline=outline, width=6
    )
    for y in (180, 195, 210):  # crimped end
        draw.line((275, y, 525, y), fill=outline, width=3)
    draw.rounded_rectangle((320, 535, 480, 625), radius=12, fill=outline)  # cap


def _perfume(draw, fill, outline):
    draw.rounded_rectangle((340, 160, 460, 250), radius=10, fill=(212, 175, 90))  # cap
    draw.rectangle((370, 245, 430, 300), fill=outline)
    draw.rounded_rectangle((250, 295, 550, 620), radius=30, fill=fill, outline=outline, width=8)
    draw.rectangle((320, 400, 480, 500), fill=_label(fill))


def _lipstick(draw, fill, outline):
    draw.polygon([(350, 200), (450, 160), (450, 330), (350, 330)], fill=fill)
    draw.rectangle((335, 320, 465, 420), fill=(212, 175, 90))
    draw.rounded_rectangle((320, 410, 480, 620), radius=16, fill=(40, 40, 44))


def _palette(draw, fill, outline):
    draw.rounded_rectangle((170, 240, 630, 560), radius=28, fill=(40, 40, 44))
    shades = [(214, 186, 160), (176, 128, 96), (120, 84, 60), (228, 200, 190)]
    for row in range(3):
        for column in range(4):
            x, y = 205 + column * 105, 270 + row * 95
            shade = shades[(row + column) % 4] if (row, column) != (1, 1) else fill
            draw.rounded_rectangle((x, y, x + 80, y + 75), radius=10, fill=shade)


def _pencil(draw, fill, outline):
    draw.line((230, 590, 540, 250), fill=(40, 40, 44), width=44)
    draw.polygon([(525, 235), (560, 270), (600, 190)], fill=(212, 175, 90))
    draw.polygon([(575, 215), (585, 225), (600, 190)], fill=fill)
    draw.line((220, 600, 250, 570), fill=(212, 175, 90), width=44)


def _compact(draw, fill, outline):
    draw.ellipse((210, 230, 590, 610), fill=(40, 40, 44))
    draw.ellipse((245, 265, 555, 575), fill=fill)
    draw.ellipse((330, 350, 470, 490), fill=_darker(fill, 25))  # puff


def _mascara(draw, fill, outline):
    draw.rounded_rectangle((365, 150, 435, 420), radius=30, fill=(40, 40, 44))  # cap
    draw.rectangle((360, 415, 440, 435), fill=(212, 175, 90))
    draw.rounded_rectangle((365, 430, 435, 630), radius=30, fill=fill, outline=outline, width=5)


# ---- baby ------------------------------------------------------------------------------------


def _can(draw, fill, outline):
    draw.ellipse((270, 170, 530, 240), fill=outline)
    draw.rectangle((270, 205, 530, 590), fill=fill, outline=outline, width=6)
    draw.ellipse((270, 555, 530, 625), fill=fill, outline=outline, width=6)
    draw.rectangle((290, 330, 510, 450), fill=_label(fill))


def _pack(draw, fill, outline):
    draw.rounded_rectangle((220, 200, 580, 620), radius=36, fill=fill, outline=outline, width=6)
    draw.ellipse((330, 300, 470, 440), fill=_label(fill))


def _baby_bottle(draw, fill, outline):
    draw.ellipse((355, 140, 445, 250), fill=(232, 196, 150))  # teat
    draw.rounded_rectangle((315, 225, 485, 285), radius=14, fill=outline)  # collar
    draw.rounded_rectangle((320, 280, 480, 620), radius=40, fill=WHITE, outline=outline, width=6)
    draw.rectangle((326, 420, 474, 612), fill=fill)  # milk
    for y in range(330, 600, 45):
        draw.line((330, y, 360, y), fill=outline, width=3)


def _bowl(draw, fill, outline):
    draw.chord((190, 250, 610, 610), 0, 180, fill=fill, outline=outline, width=6)
    draw.ellipse((190, 395, 610, 465), fill=WHITE, outline=outline, width=6)
    draw.line((520, 300, 440, 420), fill=outline, width=14)  # spoon handle
    draw.ellipse((500, 270, 550, 320), fill=outline)


def _kettle(draw, fill, outline):
    draw.polygon(
        [(300, 230), (500, 230), (540, 610), (260, 610)], fill=fill, outline=outline, width=6
    )
    draw.arc((470, 280, 610, 520), 270, 90, fill=outline, width=22)  # handle
    draw.polygon([(300, 260), (215, 215), (230, 260), (300, 320)], fill=fill, outline=outline)
    draw.rounded_rectangle((290, 200, 510, 240), radius=10, fill=outline)  # lid
    draw.rounded_rectangle((330, 470, 470, 540), radius=8, fill=_label(fill))  # display


def _cup(draw, fill, outline):
    draw.line((430, 120, 455, 230), fill=outline, width=12)  # straw
    draw.rounded_rectangle((315, 200, 485, 270), radius=16, fill=outline)  # lid
    draw.rounded_rectangle((320, 260, 480, 625), radius=36, fill=fill, outline=outline, width=6)
    draw.ellipse((365, 380, 435, 450), fill=_label(fill))


SHAPES = {
    "tshirt": _tshirt,
    "sweater": _sweater,
    "shirt": _shirt,
    "hoodie": _hoodie,
    "coat": _coat,
    "vest": _vest,
    "trousers": _trousers,
    "shorts": _shorts,
    "skirt": _skirt,
    "dress": _dress,
    "romper": _romper,
    "shoe": _shoe,
    "bottle": _bottle,
    "jar": _jar,
    "tube": _tube,
    "perfume": _perfume,
    "lipstick": _lipstick,
    "palette": _palette,
    "pencil": _pencil,
    "compact": _compact,
    "mascara": _mascara,
    "can": _can,
    "pack": _pack,
    "baby_bottle": _baby_bottle,
    "bowl": _bowl,
    "kettle": _kettle,
    "cup": _cup,
}


def shape_draw(draw, shape: str, fill, outline) -> None:
    """Draw the silhouette `shape` (a key of SHAPES); an unknown shape is a bug in the plan."""
    SHAPES[shape](draw, fill, outline)


def _background(rgb, side=IMAGE_SIDE) -> Image.Image:
    light = tuple(min(255, channel + 40) for channel in rgb)
    dark = tuple(max(0, channel - 25) for channel in rgb)
    gradient = Image.linear_gradient("L").resize((side, side))
    return ImageOps.colorize(gradient, light, dark)


def product_picture(
    *, shape: str, name: str, brand: str, background, fill, file_name: str
) -> ContentFile:
    """A square JPEG: a gradient `background`, the silhouette in `fill`, the name and brand."""
    image = _background(background)
    draw = ImageDraw.Draw(image)
    shape_draw(draw, shape, fill, _darker(fill))
    font = label_font(44)
    text = name if len(name) <= 14 else name[:13] + "…"
    width = draw.textlength(text, font=font)
    draw.rounded_rectangle((60, 660, 740, 760), radius=20, fill=WHITE)
    draw.text(((IMAGE_SIDE - width) / 2, 682), text, font=font, fill=(40, 40, 40))
    draw.text((60, 60), brand, font=label_font(30), fill=(70, 70, 70))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return ContentFile(buffer.getvalue(), name=file_name)
