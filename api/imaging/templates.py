"""A picture's template signature: the picture with the words OCR found filled in from their
surroundings, then hashed. Two captions on one template differ mostly where their words are:
with the words gone, what is left is the template. A picture without words hashes whole.

`python -m bench templates` measured the choices made here on a generated, labelled set
(docs/benchmarks.md): which fill, which hash, which distances.
"""

import importlib.util
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy
from PIL import Image

Box = Sequence[Sequence[float]]  # the four corners of a line of text, as OCR gives them
WORK_SIDE = 256  # pictures are filled at this size: the hashes look at 32 or 64 pixels a side
# A line's box hugs its letters; their outline and shadow reach a little past it.
MARGIN = 0.2  # of the line's height, on every side
FILLS = ("none", "flat", "blur", "inpaint")
WORD = re.compile(r"\w+")
# Chosen by `python -m bench templates` (docs/benchmarks.md, "Templates and reposts"):
# PDQ measured a little better (docs/decisions.md) but needs 256 bits, which multi-index
# hashing cannot search at its distance, and a compiler to install; pHash meets the targets.
FILL, HASH = "inpaint", "phash"
SAME_TEMPLATE_DISTANCE = 17  # of pHash's 64 bits, between two template signatures
# same_words of two pictures of one template that make a repost. The bench's best is 0.55 to
# 0.65, but its captions share no line, where "ONE DOES NOT SIMPLY" above another bottom line
# is 70% of a short caption: 0.75 keeps a recall of 0.955 and a precision of 1.000.
REPOST_WORDS = 0.75


@dataclass(frozen=True)
class Signature:
    bits: bytes  # the hash, most significant bit first
    quality: int  # PDQ's quality, 0 to 100 (below 50 a hash is unreliable); 100 for pHash


def text_boxes(lines: Sequence) -> list[Box]:
    """The boxes of the lines of text that OCR (api.imaging.features.ocr_lines) detected,
    whatever their reading's score: a line read badly is still words to mask."""
    return [line[0] for line in lines or []]


def text_mask(size: tuple[int, int], boxes: Sequence[Box], scale: float) -> numpy.ndarray:
    """255 where words are (their boxes grown by MARGIN), 0 elsewhere, at `size`."""
    import cv2

    mask = numpy.zeros((size[1], size[0]), numpy.uint8)
    for box in boxes:
        corners = numpy.asarray(box, numpy.float32) * scale
        centre = corners.mean(axis=0)
        height = numpy.linalg.norm(corners[3] - corners[0])
        # Each corner moves away from the centre by MARGIN of the line's height, both ways.
        grown = corners + numpy.sign(corners - centre) * (MARGIN * height + 1)
        cv2.fillPoly(mask, [numpy.round(grown).astype(numpy.int32)], 255)
    return mask


def filled(image: Image.Image, boxes: Sequence[Box], fill: str = "inpaint") -> Image.Image:
    """The picture (shrunk to WORK_SIDE) with its text boxes filled from their surroundings:
    `inpaint` (OpenCV's Telea), `blur` (an average of the pixels around, weighted by distance),
    `flat` (the median colour of the rest), or `none` (left as it is)."""
    import cv2

    small = image.convert("RGB")
    small.thumbnail((WORK_SIDE, WORK_SIDE), Image.BILINEAR)
    if fill == "none" or not boxes:
        return small
    mask = text_mask(small.size, boxes, small.width / image.width)
    pixels = numpy.asarray(small)
    if mask.all():  # nothing but words: nothing to fill them from
        return small
    if fill == "inpaint":
        return Image.fromarray(cv2.inpaint(pixels, mask, 5, cv2.INPAINT_TELEA))
    hole = mask > 0
    out = pixels.copy()
    if fill == "flat":
        out[hole] = numpy.median(pixels[~hole], axis=0)
    elif fill == "blur":
        kept = (~hole).astype(numpy.float32)
        sigma = WORK_SIDE / 8
        weight = cv2.GaussianBlur(kept, (0, 0), sigma)
        total = cv2.GaussianBlur(pixels.astype(numpy.float32) * kept[..., None], (0, 0), sigma)
        average = total / numpy.maximum(weight, 1e-6)[..., None]
        out[hole] = numpy.clip(average[hole], 0, 255).astype(numpy.uint8)
    else:
        raise ValueError(f"unknown fill {fill!r}")
    return Image.fromarray(out)


def pdq(image: Image.Image) -> Signature:
    """PDQ (Meta's hash for near-duplicates): 256 bits and a quality. Measured, not shipped:
    `pip install pdqhash` (a source build) for `python -m bench templates` to compare it."""
    import pdqhash

    bits, quality = pdqhash.compute(numpy.ascontiguousarray(numpy.asarray(image.convert("RGB"))))
    return Signature(numpy.packbits(bits.astype(numpy.uint8)).tobytes(), int(quality))


def phash(image: Image.Image) -> Signature:
    """pHash (imagehash), 64 bits: what `/similar` compares today."""
    import imagehash

    bits = imagehash.phash(image).hash.flatten().astype(numpy.uint8)
    return Signature(numpy.packbits(bits).tobytes(), 100)


HASHES = {"phash": phash}
if importlib.util.find_spec("pdqhash"):
    HASHES["pdq"] = pdq


def template_signature(
    image: Image.Image, boxes: Sequence[Box], fill: str = "inpaint", hash: str = "pdq"
) -> Signature:
    return HASHES[hash](filled(image, boxes, fill))


def distance(a: bytes, b: bytes) -> int:
    """Hamming distance between two hashes of the same length."""
    return (int.from_bytes(a) ^ int.from_bytes(b)).bit_count()


def _trigrams(text: str) -> set[str]:
    lines = ("".join(WORD.findall(line.lower())) for line in text.splitlines())
    return {line[i : i + 3] for line in lines if line for i in range(max(1, len(line) - 2))}


def same_words(a: str, b: str) -> float:
    """How much of the shorter text (OCR's, api.imaging.features.read_text) the other holds, from
    0 to 1, by letter trigrams with the spaces left out (OCR guesses them): a repost's caption
    read again is near 1 though a watermark adds a line or a line is misread; another caption
    on the same template is near 0. Two pictures without words: 1."""
    ours, theirs = _trigrams(a), _trigrams(b)
    if not ours or not theirs:
        return float(ours == theirs)
    return len(ours & theirs) / min(len(ours), len(theirs))


def signature(image: Image.Image, lines: Sequence) -> Signature:
    """The template signature of a picture, given the lines OCR read on it."""
    return template_signature(image, text_boxes(lines), FILL, HASH)


def template_hash(image: Image.Image, lines: Sequence) -> int:
    """The template signature as PostgreSQL's bigint holds it (signed), as phash is kept."""
    unsigned = int.from_bytes(signature(image, lines).bits)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def relation(a: Signature, a_text: str, b: Signature, b_text: str) -> str | None:
    """`repost` (the same template and the same words), `same-template` (other words), or
    None (another template). Same-picture (the same bytes) is the caller's to see first."""
    if distance(a.bits, b.bits) > SAME_TEMPLATE_DISTANCE:
        return None
    return "repost" if same_words(a_text, b_text) >= REPOST_WORDS else "same-template"
