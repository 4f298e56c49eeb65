"""How the api's and media's size limits relate: both take `MAX_UPLOAD_BYTES`, the api's largest
upload, and media stores blobs up to `largest_blob` of it.

A picture's clean re-encoding (api.imaging.clean) can be larger than its upload: Pillow's PNG
filters compress some pictures worse than the encoder that made them (noise of a few levels:
1.4 times as large), and a WebP is re-encoded at quality 90 (a WebP saved at quality 10: 1.7
times). The api refuses a clean picture larger than `largest_blob` with a 413 before it sends
it, so media's limit is never what refuses a picture the api accepted.
"""

CLEAN_GROWTH = 4  # over twice the worst growth measured on real encoders' output


def largest_blob(max_upload_bytes: int) -> int:
    """The largest picture (or thumbnail) media stores, and the api sends it."""
    return CLEAN_GROWTH * max_upload_bytes
