"""The near-copy hash of a picture (run in the image workers): what a ban remembers of a
picture besides its sha256, so that the picture recompressed or resized is refused too.

It is a 256-bit pHash (imagehash's, 16x16 of a 64x64 DCT) of the first frame. The 64-bit pHash
that `/similar` uses cannot tell a copy from the same template with other words: in
`python -m bench bans` other captions of a template are as near as copies (distance 0) in 64
bits, and 10 bits apart or more in 256, where copies resized to 50-150% and recompressed stay
within 8 (docs/benchmarks.md).

For the ban list's index (api.db.bans) the hash is cut into 16 chunks of 16 bits: two hashes
within 15 bits of each other share at least one chunk in place (the pigeonhole principle), so
the chunks in common find every candidate through one index.
"""

import io
from pathlib import Path

from PIL import Image

HASH_SIZE = 16  # a side of the hash's square of bits: 256 bits
CHUNK_BITS = 16
CHUNKS = HASH_SIZE * HASH_SIZE // CHUNK_BITS
# The greatest distance the chunks' index finds every hash within (api.settings' BAN_DISTANCE).
MAX_DISTANCE = CHUNKS - 1
STORED_FORMATS = ["JPEG", "PNG", "GIF", "WEBP"]  # what a clean picture is (api.imaging.clean)


def copy_hash(image: Image.Image) -> str:
    """The picture's (its first frame's) near-copy hash, 64 hex digits."""
    import imagehash

    image.seek(0)
    return str(imagehash.phash(image.convert("RGB"), hash_size=HASH_SIZE))


def copy_hash_of(source: Path | bytes) -> str:
    """The near-copy hash of a stored picture, from its file or its bytes."""
    file = io.BytesIO(source) if isinstance(source, bytes) else source
    with Image.open(file, formats=STORED_FORMATS) as image:
        return copy_hash(image)


def chunks(hex_hash: str) -> list[int]:
    """The hash's chunks, each tagged with its place (place * 2**16 + value): only chunks in
    the same place count as shared."""
    digits = CHUNK_BITS // 4
    return [
        place << CHUNK_BITS | int(hex_hash[place * digits : (place + 1) * digits], 16)
        for place in range(CHUNKS)
    ]
