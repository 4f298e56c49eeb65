"""A picture's template signature: its words masked out, the rest hashed (a stub; the measured
signature replaces it). Two pictures of one template with other captions hash alike."""

from PIL import Image, ImageDraw

Box = tuple[int, int, int, int]  # left, top, right, bottom, in pixels
PAD = 4  # a box grows by this: OCR's boxes are tight, an outline around letters is not
MARGIN = 4  # the ring of pixels around a box whose median colour fills it


def _median_around(pixels, box: Box) -> tuple[int, ...]:
    import numpy

    left, top, right, bottom = box
    ring = numpy.ones(pixels.shape[:2], dtype=bool)
    ring[top:bottom, left:right] = False
    outer = numpy.zeros_like(ring)
    outer[max(0, top - MARGIN) : bottom + MARGIN, max(0, left - MARGIN) : right + MARGIN] = True
    around = pixels[ring & outer]
    return tuple(int(v) for v in numpy.median(around, axis=0)) if len(around) else (0, 0, 0)


def template_hash(image: Image.Image, text_boxes: list[Box]) -> int:
    """A 64-bit pHash of `image` with each text box filled with the median colour around it,
    signed as PostgreSQL's bigint holds it (as api.imaging.features.perceptual_hash)."""
    import imagehash
    import numpy

    masked = image.convert("RGB")
    pixels = numpy.asarray(masked)
    draw = ImageDraw.Draw(masked)
    for left, top, right, bottom in text_boxes:
        box = (max(0, left - PAD), max(0, top - PAD), right + PAD, bottom + PAD)
        draw.rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=_median_around(pixels, box))
    unsigned = int(str(imagehash.phash(masked)), 16)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned
