"""What a picture is, decided by decoding its bytes, never by its name or declared type."""

import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from api.errors import InvalidImage, UnsupportedImage

MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Pillow's own bomb check only warns below twice its limit; we check the header ourselves.
Image.MAX_IMAGE_PIXELS = None


@dataclass(frozen=True)
class ImageInfo:
    content_type: str
    width: int
    height: int


def inspect_image(path: Path, max_pixels: int) -> ImageInfo:
    """Decode the picture at `path`; raise a 4xx problem unless it is an allowed, sane image."""
    try:
        # Only these decoders are reachable, keeping rarely used ones (and their bugs) out.
        with Image.open(path, formats=list(MIME_TYPES)) as image:
            if image.width * image.height > max_pixels:
                raise InvalidImage(
                    f"The picture has {image.width}x{image.height} pixels, "
                    f"more than the {max_pixels} allowed"
                )
            image.load()
            return ImageInfo(MIME_TYPES[image.format], image.width, image.height)
    except UnidentifiedImageError:
        raise UnsupportedImage("The picture must be a JPEG, PNG, GIF or WebP image") from None
    except (OSError, ValueError, SyntaxError, EOFError, struct.error) as exc:
        raise InvalidImage(f"The picture does not decode: {exc}") from None
