"""Template signatures on pictures drawn by the benchmark's generator (bench/template_set.py),
read by the real OCR model: another caption on a template is the same template, a copy
recompressed and resized is a repost, another template is neither."""

import io
import random
from functools import cache

import numpy
import pytest
from PIL import Image

from api.imaging import features, templates
from bench.template_set import Template, caption, encoded, repost, template

pytestmark = pytest.mark.slow  # the OCR model loads and reads each picture, seconds in all


@cache
def drawn(look: int, shapes: int) -> Template:
    return template(random.Random(look), random.Random(shapes))


def read(image: Image.Image) -> tuple[templates.Signature, str, templates.Signature]:
    """The template signature, the words and the whole picture's hash."""
    lines = features.ocr_lines(image)
    whole = templates.template_signature(image, [], templates.FILL, templates.HASH)
    return templates.signature(image, lines), features.read_text(image, lines), whole


def captioned(look: int, shapes: int, words: int) -> Image.Image:
    return caption(drawn(look, shapes), random.Random(words))


def test_another_caption_is_the_same_template_not_a_repost():
    (a, a_text, a_whole), (b, b_text, b_whole) = (read(captioned(1, 1, n)) for n in (1, 2))
    assert a_text and b_text and templates.same_words(a_text, b_text) < templates.REPOST_WORDS
    # With the words filled in, the two pictures are nearer than whole.
    assert templates.distance(a.bits, b.bits) < templates.distance(a_whole.bits, b_whole.bits)
    assert templates.relation(a, a_text, b, b_text) == "same-template"


def test_a_recompressed_resized_copy_is_a_repost():
    image = captioned(2, 2, 3)
    copy = Image.open(io.BytesIO(repost(image, random.Random(4))))
    assert copy.format == "JPEG" and copy.size != image.size
    (a, a_text, _), (b, b_text, _) = read(image), read(copy.convert("RGB"))
    assert templates.relation(a, a_text, b, b_text) == "repost"


def test_two_templates_are_far_apart():
    (a, a_text, _), (b, b_text, _) = read(captioned(3, 3, 5)), read(captioned(4, 4, 5))
    assert templates.distance(a.bits, b.bits) > templates.SAME_TEMPLATE_DISTANCE
    assert templates.relation(a, a_text, b, b_text) is None


def test_a_picture_without_words_is_its_own_template():
    bare = Image.open(io.BytesIO(encoded(drawn(5, 5).image, "PNG"))).convert("RGB")
    signature, text, whole = read(bare)
    assert (text, signature) == ("", whole)
    captioned_signature, words, _ = read(captioned(5, 5, 6))
    assert templates.relation(signature, text, captioned_signature, words) == "same-template"


def test_same_words_forgives_a_watermark_and_spacing():
    assert templates.same_words("ONE DOES NOT\nSIMPLY DEPLOY", "ONEDOES NOT\nSIMPLYDEPLOY") == 1
    marked = "ONE DOES NOT\nSIMPLY DEPLOY\n9meme"
    assert templates.same_words("ONE DOES NOT\nSIMPLY DEPLOY", marked) == 1
    assert templates.same_words("ONE DOES NOT\nSIMPLY DEPLOY", "MONDAY COFFEE\nAGAIN") < 0.2
    assert templates.same_words("", "") == 1 and templates.same_words("", "CAT") == 0


def test_filling_changes_only_the_words_boxes():
    image = captioned(6, 6, 7)
    lines = features.ocr_lines(image)
    boxes = templates.text_boxes(lines)
    plain, filled = (templates.filled(image, boxes, fill) for fill in ("none", "inpaint"))
    mask = templates.text_mask(plain.size, boxes, plain.width / image.width)
    changed = numpy.any(numpy.asarray(plain) != numpy.asarray(filled), axis=2)
    assert changed.any() and not (changed & (mask == 0)).any()
