"""Small real pictures for the tests, made with Pillow."""

import io

from PIL import Image


def picture(format: str = "PNG", size: tuple[int, int] = (32, 24), color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, format=format)
    return buffer.getvalue()


def animated_gif(frames: int = 3) -> bytes:
    buffer = io.BytesIO()
    images = [Image.new("P", (16, 16), index * 40) for index in range(frames)]
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=100)
    return buffer.getvalue()
