"""Every upload is hostile until decoded: decide what a picture is by decoding it with only the
allowed decoders, check its size before decoding the pixels, and store a clean re-encoding:
no EXIF, GPS, XMP or comments (orientation applied first), no bytes after the image data,
animations kept."""

import hashlib
import struct
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, ImageSequence, JpegImagePlugin, UnidentifiedImageError

from api.errors import NO_ROOM, InvalidImage, UnsupportedImage, no_room
from api.imaging.copies import copy_hash_of

MIME_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Pillow's own bomb check only warns below twice its limit; the limits below are ours.
Image.MAX_IMAGE_PIXELS = None
# What a clean file keeps of the original's metadata: what it needs to look the same.
KEPT_INFO = ("icc_profile", "transparency", "background", "duration", "loop")
WEBP_QUALITY = 90
ORIENTATION = 0x0112  # the EXIF tag


@dataclass(frozen=True)
class ImageLimits:
    max_pixels: int
    max_width: int
    max_height: int
    max_frames: int


@dataclass(frozen=True)
class CleanImage:
    path: Path
    size: int
    sha256: str
    content_type: str
    width: int
    height: int
    frames: int
    copy_hash: str  # what a ban compares (api.imaging.copies)


def _check(image: Image.Image, limits: ImageLimits) -> int:
    """Refuse a picture too large to decode safely, from its headers alone; returns frames."""
    width, height = image.size
    if width > limits.max_width or height > limits.max_height:
        raise InvalidImage(
            f"The picture is {width}x{height}; at most {limits.max_width}x{limits.max_height}"
        )
    if width * height > limits.max_pixels:
        raise InvalidImage(
            f"The picture has {width}x{height} pixels, more than the {limits.max_pixels} allowed"
        )
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames:
        raise InvalidImage(f"The picture has {frames} frames, more than {limits.max_frames}")
    # An animation is decoded whole: the pixel cap holds for all its frames together.
    if width * height * frames > limits.max_pixels:
        raise InvalidImage(
            f"The animation has {frames} frames of {width}x{height} pixels,"
            f" more than the {limits.max_pixels} allowed in all"
        )
    return frames


def _kept_info(image: Image.Image) -> dict:
    return {key: image.info[key] for key in KEPT_INFO if key in image.info}


def _save_still(image: Image.Image, target: Path) -> Image.Image:
    image.load()
    info = _kept_info(image)
    options: dict = {"icc_profile": info.get("icc_profile")}
    if image.getexif().get(ORIENTATION, 1) != 1:
        clean = ImageOps.exif_transpose(image)
        if image.format == "JPEG":
            # Turned, a JPEG is encoded again: with the original's quantisation tables, at
            # its own quality and about its size (quality 90 made a quality-10 one 5x larger).
            options["qtables"] = image.quantization
            options["subsampling"] = JpegImagePlugin.get_sampling(image)
    else:
        # Unrotated, a JPEG keeps its quantisation tables: no visible loss.
        clean = image
        options["quality"] = "keep" if image.format == "JPEG" else None
    if image.format == "WEBP":
        options["quality"] = WEBP_QUALITY
    clean.info = info  # what Pillow would copy into the new file: nothing that leaks
    clean.save(target, format=image.format, **{k: v for k, v in options.items() if v is not None})
    return clean


def _save_animation(image: Image.Image, target: Path) -> None:
    frames, durations = [], []
    for frame in ImageSequence.Iterator(image):
        durations.append(frame.info.get("duration", 100))
        frames.append(frame.copy())
    first = frames[0]
    first.info = _kept_info(image)
    first.save(
        target,
        format=image.format,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=image.info.get("loop", 0),
        **({"quality": WEBP_QUALITY} if image.format == "WEBP" else {}),
    )


def clean_image(source: Path, target: Path, limits: ImageLimits) -> CleanImage:
    """Decode the picture at `source` and write its clean re-encoding to `target`."""
    try:
        # Only these decoders are reachable, keeping rarely used ones (and their bugs) out.
        with Image.open(source, formats=list(MIME_TYPES)) as image:
            frames = _check(image, limits)
            if frames > 1:
                _save_animation(image, target)
                width, height = image.size
            else:
                width, height = _save_still(image, target).size
            content_type = MIME_TYPES[image.format]
    except UnidentifiedImageError:
        raise UnsupportedImage("The picture must be a JPEG, PNG, GIF or WebP image") from None
    except OSError as exc:
        if exc.errno in NO_ROOM:  # the clean copy did not fit: the server's trouble
            raise no_room() from None
        raise InvalidImage(f"The picture does not decode: {exc}") from None
    except (ValueError, SyntaxError, EOFError, struct.error, MemoryError) as exc:
        raise InvalidImage(f"The picture does not decode: {exc}") from None
    # Of the clean file, as a ban hashes the stored picture: the same bytes, the same hash (a
    # JPEG decoded again differs from the upload's decoding by a few bits).
    near_copy = copy_hash_of(target)
    data_hash, size = hashlib.sha256(), 0
    with target.open("rb") as file:
        while chunk := file.read(1 << 16):
            data_hash.update(chunk)
            size += len(chunk)
    return CleanImage(
        target, size, data_hash.hexdigest(), content_type, width, height, frames, near_copy
    )
