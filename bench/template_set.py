"""A labelled set of meme-like pictures for `python -m bench templates`, drawn from a seed.

Each template is a picture without words: one, two or four panels, each a photo-like scene
(a gradient, grain and soft blobs under a few shapes) or a flat drawing (flat colours, outlined
shapes), dark or light; some have a white band above for their caption. Each is captioned
several times (other words, fonts, sizes, one or two lines, top, bottom or both, white capitals
outlined in black or black on white), some are also kept bare, and some captioned pictures are
posted again (a repost): recompressed as JPEG at quality 60 to 90, resized to 50-150%, a few
pixels cropped off, some with a small watermark in a corner.

Every picture carries its template id and its original's id (a repost shares its original's).
"""

import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/truetype/liberation"))
# Bold faces as memes use (Impact is not free); a missing one is Pillow's own default font.
FONTS = (
    "DejaVuSans-Bold.ttf", "DejaVuSansCondensed-Bold.ttf", "DejaVuSerif-Bold.ttf",
    "DejaVuSansMono-Bold.ttf", "LiberationSans-Bold.ttf", "LiberationSerif-Bold.ttf",
    "LiberationSansNarrow-Bold.ttf", "(pillow default)",
)  # fmt: skip
WORDS = (
    "when you finally fix the bug and then production goes down again nobody expects my code"
    " friday deploy coffee monday boss me also cat dog is this a meeting that could have been"
    " email one does not simply walk into legacy tests pass locally brain big small wait what"
    " how it started going reviewer changes intern printer wifi cloud regex python linux sleep"
).split()


LOOK_ALIKES = 1 / 3  # the share of templates drawn like the one before, but other shapes


@dataclass(frozen=True)
class Picture:
    id: int
    template: int
    original: int  # the picture it is a repost of; its own id otherwise
    kind: str  # "bare" (the template alone), "captioned" or "repost"
    data: bytes


def font(name: str, size: int) -> ImageFont.FreeTypeFont:
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def _colour(rng: random.Random, light: bool) -> tuple[int, int, int]:
    low, high = (110, 255) if light else (0, 140)
    return tuple(rng.randint(low, high) for _ in range(3))


def _shapes(draw: ImageDraw.ImageDraw, rng: random.Random, w: int, h: int, light: bool,
            outline: str | None) -> None:  # fmt: skip
    for _ in range(rng.randint(3, 7)):
        x, y = rng.uniform(-0.1, 0.9) * w, rng.uniform(-0.1, 0.9) * h
        box = (x, y, x + rng.uniform(0.15, 0.6) * w, y + rng.uniform(0.15, 0.6) * h)
        fill = _colour(rng, not light) if rng.random() < 0.5 else _colour(rng, light)
        kind = rng.choice(("ellipse", "rectangle", "polygon"))
        if kind == "polygon":
            points = [(rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])) for _ in "abcd"]
            draw.polygon(points, fill=fill, outline=outline, width=3)
        else:
            getattr(draw, kind)(box, fill=fill, outline=outline, width=3)


def _scene(look: random.Random, rng: random.Random, w: int, h: int, light: bool) -> Image.Image:
    """A panel: its background from `look`, its shapes from `rng`."""
    if look.random() < 0.5:  # a flat drawing
        image = Image.new("RGB", (w, h), _colour(look, light))
        _shapes(ImageDraw.Draw(image), rng, w, h, light, "black")
        return image
    # Photo-like: a gradient in some direction, soft blobs, shapes, blur and grain.
    a, b = numpy.array(_colour(look, light)), numpy.array(_colour(look, light))
    angle = look.uniform(0, numpy.pi)
    ys, xs = numpy.mgrid[0:h, 0:w]
    t = (xs * numpy.cos(angle) + ys * numpy.sin(angle)) / (w + h)
    t = (t - t.min()) / (t.max() - t.min() + 1e-9)
    pixels = a + (b - a) * t[..., None]
    image = Image.fromarray(pixels.astype(numpy.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(look.randint(2, 5)):
        x, y, r = look.uniform(0, w), look.uniform(0, h), look.uniform(0.1, 0.4) * min(w, h)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=_colour(look, light))
    image = image.filter(ImageFilter.GaussianBlur(min(w, h) / 25))
    _shapes(ImageDraw.Draw(image), rng, w, h, light, None)
    image = image.filter(ImageFilter.GaussianBlur(1.5))
    grain = numpy.random.default_rng(look.getrandbits(32)).normal(0, look.uniform(4, 14), (h, w, 1))
    return Image.fromarray(numpy.clip(numpy.asarray(image) + grain, 0, 255).astype(numpy.uint8))


@dataclass(frozen=True)
class Template:
    image: Image.Image
    band: int  # the height of the white band above the picture for the caption (0: none)


def template(look: random.Random, rng: random.Random) -> Template:
    """A template whose size, panels and backgrounds come from `look`, its shapes from `rng`:
    templates drawn from the same `look` are look-alikes (the hard unrelated pairs)."""
    w, h = look.randint(380, 620), look.randint(320, 560)
    light = look.random() < 0.5
    panels = look.choice((1, 1, 2, 4))
    image = Image.new("RGB", (w, h), "white" if light else "black")
    cells = {1: [(0, 0, w, h)], 2: [(0, 0, w, h // 2), (0, h // 2, w, h)]}
    if panels == 2 and look.random() < 0.5:
        cells[2] = [(0, 0, w // 2, h), (w // 2, 0, w, h)]
    cells[4] = [(x, y, x + w // 2, y + h // 2) for y in (0, h // 2) for x in (0, w // 2)]
    for left, top, right, bottom in cells[panels]:
        gap = 3 if panels > 1 else 0  # a border between panels
        scene = _scene(look, rng, right - left - 2 * gap, bottom - top - 2 * gap, light)
        image.paste(scene, (left + gap, top + gap))
    band = 0
    if look.random() < 0.2:
        band = int(h * look.uniform(0.18, 0.28))
        banded = Image.new("RGB", (w, h + band), "white")
        banded.paste(image, (0, band))
        image = banded
    return Template(image, band)


def _lines(rng: random.Random) -> list[str]:
    return [" ".join(rng.sample(WORDS, rng.randint(2, 5))) for _ in range(rng.randint(1, 2))]


def caption(base: Template, rng: random.Random) -> Image.Image:
    """Words on the template: top, bottom or both (one or two lines each), short labels over
    the picture (as on the things a template shows), or black on its white band."""
    image = base.image.copy()
    draw = ImageDraw.Draw(image)
    w, h = image.size
    name = rng.choice(FONTS)
    where = "band" if base.band else rng.choice(("top", "bottom", "both", "both", "labels"))
    places = []  # (x of the centre, height of a letter, the lines, y of the top or None)
    if where == "labels":
        for _ in range(rng.randint(2, 3)):
            lines = [" ".join(rng.sample(WORDS, rng.randint(1, 2)))]
            y = int(rng.uniform(0.2, 0.75) * h)
            places.append((rng.uniform(0.3, 0.7) * w, h * rng.uniform(0.05, 0.08), lines, y))
    else:
        for place in ("top", "bottom", "band"):
            if where in (place, "both") and place != "band" or where == place == "band":
                places.append((w / 2, h * rng.uniform(0.06, 0.12), _lines(rng), place))
    outlined = not base.band and rng.random() < 0.7  # otherwise black on a white box
    for x, size, lines, place in places:
        size = int(size)
        while size > 10 and max(draw.textlength(t.upper(), font(name, size)) for t in lines) > w:
            size -= 2  # the longest line fits the width
        face, step = font(name, size), int(size * 1.15)
        top = {"top": int(h * 0.03), "band": int((base.band - step * len(lines)) / 2),
               "bottom": h - int(h * 0.04) - step * len(lines)}.get(place, place)  # fmt: skip
        for n, line in enumerate(lines):
            text, y = line.upper() if outlined or place == "band" else line, top + n * step
            if outlined:
                draw.text((x, y), text, font=face, anchor="ma", fill="white",
                          stroke_width=max(2, size // 12), stroke_fill="black")  # fmt: skip
            else:
                if place != "band":
                    box = draw.textbbox((x, y), text, font=face, anchor="ma")
                    draw.rectangle((box[0] - 6, box[1] - 4, box[2] + 6, box[3] + 4), fill="white")
                draw.text((x, y), text, font=face, anchor="ma", fill="black")
    return image


def repost(image: Image.Image, rng: random.Random) -> bytes:
    w, h = image.size
    crop = [rng.randint(0, 4) for _ in range(4)]
    image = image.crop((crop[0], crop[1], w - crop[2], h - crop[3]))
    scale = rng.uniform(0.5, 1.5)
    image = image.resize((round(image.width * scale), round(image.height * scale)), Image.LANCZOS)
    if rng.random() < 0.5:  # a site's mark in a corner
        draw = ImageDraw.Draw(image)
        mark = rng.choice(("memes.example", "@funnypics", "9meme", "imgflop"))
        face = font(rng.choice(FONTS), max(10, image.height // 30))
        x = 4 if rng.random() < 0.5 else image.width - 4 - draw.textlength(mark, face)
        y = 4 if rng.random() < 0.5 else image.height - 4 - face.size
        draw.text((x, y), mark, font=face, fill=(235, 235, 235), stroke_width=1, stroke_fill="grey")
    return encoded(image, "JPEG", quality=rng.randint(60, 90))


def encoded(image: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **options)
    return buffer.getvalue()


def generate(seed: int, templates: int = 44, captions: int = 4, reposts: int = 2) -> list[Picture]:
    """`templates` templates with `captions` captioned pictures each; a quarter of the templates
    also bare; the first captioned picture of each template reposted `reposts` times. A third
    of the templates look like the one before (the same size, panels and backgrounds)."""
    rng = random.Random(seed)
    look = rng.getrandbits(32)
    pictures: list[Picture] = []

    def add(template: int, original: int | None, kind: str, data: bytes) -> int:
        picture_id = len(pictures)
        pictures.append(
            Picture(picture_id, template, picture_id if original is None else original, kind, data)
        )
        return picture_id

    for template_id in range(templates):
        if template_id == 0 or rng.random() > LOOK_ALIKES:
            look = rng.getrandbits(32)
        base = template(random.Random(look), rng)
        if rng.random() < 0.25:
            add(template_id, None, "bare", encoded(base.image, "PNG"))
        for n in range(captions):
            image = caption(base, rng)
            original = add(template_id, None, "captioned", encoded(image, "PNG"))
            if n == 0:
                for _ in range(reposts):
                    add(template_id, original, "repost", repost(image, rng))
    return pictures
