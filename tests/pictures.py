"""Small real pictures for the tests, made with Pillow."""

import io
import random
import struct
import zlib

from PIL import Image


def picture(format: str = "PNG", size: tuple[int, int] = (32, 24), color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=format)
    return buffer.getvalue()


def animated_gif(frames: int = 3) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("RGB", (16, 16), (index * 60 % 256, 90, 200)) for index in range(frames)]
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size over almost no data: a decompression bomb."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + _png_chunk(b"IEND", b"")
    )


def gif_claiming(width: int, height: int) -> bytes:
    gif = bytearray(animated_gif(1))
    gif[6:10] = struct.pack("<HH", width, height)  # the logical screen size
    return bytes(gif)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def jpeg_with_metadata(size: tuple[int, int] = (40, 20), orientation: int = 6) -> bytes:
    """A JPEG carrying GPS coordinates, an orientation tag and a comment."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # 6: turn 90 degrees clockwise to show
    exif[0x010F] = "SpyCam"  # camera make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (48.0, 51.0, 24.0)  # latitude
    gps[3], gps[4] = "E", (2.0, 21.0, 3.0)  # longitude
    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(
        buffer, format="JPEG", exif=exif, comment=b"secret comment"
    )
    return buffer.getvalue()


def animated_webp(frames: int = 3) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("RGB", (24, 24), (index * 70 % 256, 10, 10)) for index in range(frames)]
    images[0].save(buffer, format="WEBP", save_all=True, append_images=images[1:], duration=80)
    return buffer.getvalue()


def png_with_text_chunk(length: int) -> bytes:
    """A PNG with a zTXt chunk that inflates to `length` bytes."""
    png = picture("PNG")
    chunk = _png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"a" * length))
    return png[:33] + chunk + png[33:]  # right after IHDR


def noise_png(seed: int, side: int = 300) -> bytes:
    """A picture that does not compress: its upload and cleaning take a moment."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), random.Random(seed).randbytes(side * side * 3)).save(
        buffer, format="PNG"
    )
    return buffer.getvalue()


def few_level_png(side: int, levels: int = 4, seed: int = 1) -> bytes:
    """Noise of a few levels per channel, as an encoder that picks its filters better than
    Pillow's writes it (no filter, zlib level 9): Pillow's re-encoding of it is larger (1.3
    times for 4 levels)."""
    rng = random.Random(seed)
    to_levels = bytes(value % levels for value in range(256))
    rows = b"".join(b"\x00" + rng.randbytes(side * 3).translate(to_levels) for _ in range(side))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def low_quality_webp(side: int = 400, seed: int = 1) -> bytes:
    """Noise saved as WebP at quality 0: its re-encoding at quality 90 is 5 times larger."""
    buffer = io.BytesIO()
    noise = random.Random(seed).randbytes(side * side * 3)
    Image.frombytes("RGB", (side, side), noise).save(buffer, format="WEBP", quality=0)
    return buffer.getvalue()
