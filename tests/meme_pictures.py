"""Pictures that look like memes (a gradient, a shape, big outlined words), drawn with Pillow's
own scalable font: the gallery's screenshot shows them."""

import colorsys
import io

from PIL import Image, ImageDraw, ImageFont

SIZE = (480, 360)


def meme_picture(top: str, bottom: str, hue: float, shape: int = 0) -> bytes:
    width, height = SIZE
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    # A gradient from the hue to a darker neighbour: top to bottom, or (shape 2, 5, ...) left to
    # right, so that pictures of other shapes are other templates, not only other colours.
    across = shape % 3 == 2
    steps = width if across else height
    for step in range(steps):
        r, g, b = colorsys.hsv_to_rgb(
            (hue + 0.08 * step / steps) % 1, 0.65, 0.95 - 0.45 * step / steps
        )
        line = [(step, 0), (step, height)] if across else [(0, step), (width, step)]
        draw.line(line, fill=(int(r * 255), int(g * 255), int(b * 255)))
    accent = tuple(int(c * 255) for c in colorsys.hsv_to_rgb((hue + 0.5) % 1, 0.55, 1.0))
    box = (width // 2 - 80, height // 2 - 70, width // 2 + 80, height // 2 + 70)
    [draw.ellipse, draw.rounded_rectangle, draw.regular_polygon][shape % 3](
        *((box,) if shape % 3 != 2 else ((width // 2, height // 2, 85), 6)),
        fill=accent,
        **({"radius": 24} if shape % 3 == 1 else {}),
    )
    for text, y in ((top, 38), (bottom, height - 38)):
        _outlined(draw, text.upper(), (width // 2, y), width - 40)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90)
    return buffer.getvalue()


def _outlined(draw: ImageDraw.ImageDraw, text: str, center: tuple[int, int], room: int) -> None:
    size = 52
    font = ImageFont.load_default(size=size)
    while draw.textlength(text, font=font) > room and size > 16:
        size -= 4
        font = ImageFont.load_default(size=size)
    draw.text(
        center, text, font=font, anchor="mm", fill="white", stroke_width=4, stroke_fill="black"
    )


def recompressed(picture: bytes, scale: float, quality: int) -> bytes:
    """The same meme again, as a repost is: resized and saved again as a JPEG."""
    with Image.open(io.BytesIO(picture)) as image:
        small = image.resize((int(image.width * scale), int(image.height * scale)))
    buffer = io.BytesIO()
    small.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
