"""Small real pictures for the tests, made with Pillow."""

import io
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
