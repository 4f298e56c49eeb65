"""Thumbnails: a downscaled WebP of a picture's first frame (run in the image workers)."""

from pathlib import Path

from PIL import Image

SIZES = {"thumb": 160, "small": 480}  # the longest side, in pixels
WEBP_QUALITY = 80


def make_thumbnail(source: Path, target: Path, longest_side: int) -> tuple[int, int]:
    """The first frame of an already clean picture, fit into a square of `longest_side`."""
    with Image.open(source) as image:
        image.seek(0)
        frame = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P", "PA") else "RGB")
        frame.thumbnail((longest_side, longest_side), Image.Resampling.LANCZOS)
        frame.save(target, format="WEBP", quality=WEBP_QUALITY)
        return frame.size
