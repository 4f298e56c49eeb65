"""Schemathesis hooks for the fuzz test (SCHEMATHESIS_HOOKS=tests.fuzz_hooks): the `image` of a
meme form is a real picture, so that valid forms reach past the decoder."""

import schemathesis
from hypothesis import strategies as st

from tests.pictures import animated_gif, picture

PICTURES = [
    picture("PNG", (32, 24), "red"),
    picture("JPEG", (40, 30), "navy"),
    picture("WEBP", (20, 20), "gold"),
    animated_gif(3),
]


@schemathesis.hook
def flatmap_body(ctx, body):
    if isinstance(body, dict) and "image" in body:
        return st.sampled_from(PICTURES).map(lambda image: {**body, "image": image})
    return st.just(body)


@schemathesis.hook
def flatmap_headers(ctx, headers):
    """A fresh Idempotency-Key per create: a reused one rightly refuses another body (422),
    which api/tests/test_idempotency.py covers; here each create is a create."""
    if headers and "Idempotency-Key" in headers:
        return st.uuids().map(lambda key: {**headers, "Idempotency-Key": str(key)})
    return st.just(headers)


@schemathesis.hook
def filter_query(ctx, query):
    """Cursors are the server's own signed values: one made up is refused (400), as
    api/tests/test_cursors.py shows; the fuzzer pages with offset."""
    return not (query and "cursor" in query)
