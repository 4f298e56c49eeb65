"""What a picture response is: which size and format a client gets (`?size=`, `Accept`), what
a download is called (`Content-Disposition`), and how the picture endpoints document those."""

from typing import Annotated, Literal
from urllib.parse import quote

from pydantic import Field

PictureSize = Annotated[
    Literal["original", "grid", "grid2x", "page", "thumb", "small"],
    Field(
        description="original; grid and grid2x (the grid's 4:3 crop, 240x180 and 480x360), page"
        " (1280 wide, 3840 high at most) in AVIF, WebP, JPEG or PNG by Accept; thumb (160) or"
        " small (480): WebP"
    ),
]
Download = Annotated[
    bool,
    Field(description="true: `Content-Disposition: attachment` with the meme's title as name"),
]
# The formats a client names in Accept, as variants call them. `*/*` and `image/*` name
# neither: a client that says nothing more gets JPEG or PNG, which every client decodes.
ACCEPTED_FORMATS = {"image/avif": "avif", "image/webp": "webp"}
EXTENSIONS = {
    "image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp",
    "image/avif": "avif",
}  # fmt: skip
NAME_LENGTH = 100  # characters of the title in a download's file name


def accepted_formats(accept: str) -> list[str]:
    """`avif` and `webp` as `accept` names them with a quality over 0, the highest first (AVIF,
    the smaller, on a tie)."""
    wanted = []
    for item in accept.split(","):
        media_type, *params = item.split(";")
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        format = ACCEPTED_FORMATS.get(media_type.strip().lower())
        if format and quality > 0:
            wanted.append((-quality, format != "avif", format))
    return [format for *_, format in sorted(wanted)]


def attachment(title: str, meme_id: int, content_type: str) -> str:
    """Content-Disposition for a download named after the meme's title (RFC 6266): the name in
    UTF-8 (`filename*`), and an ASCII one for the clients that read only `filename`."""
    kept = "".join(c for c in title if c.isprintable() and c not in '/\\"')
    name = " ".join(kept.split()).strip(".")  # no hidden file, no runs of spaces
    name = name[:NAME_LENGTH] or f"meme-{meme_id}"
    ascii_name = "".join(c if c.isascii() and (c.isalnum() or c in " .-_") else "_" for c in name)
    extension = EXTENSIONS.get(content_type, "bin")
    return (
        f'attachment; filename="{ascii_name}.{extension}";'
        f" filename*=UTF-8''{quote(f'{name}.{extension}', safe='')}"
    )


PICTURE_DOC = """\
        `size=grid` and `size=grid2x` give the 4:3 crop the gallery's grid shows (240x180 and
        480x360 pixels, for 1x and 2x screens), `size=page` the picture fit into 1280x3840:
        in AVIF or WebP when `Accept` names `image/avif` or `image/webp` (the higher `q`
        first, AVIF on a tie), else JPEG (PNG for a picture with transparency); they are
        answered with `Vary: Accept`. A crop is of the first frame; an animation stays one at
        `page` size (animated WebP, or the GIF itself to a client without WebP).
        `size=thumb` (at most 160 pixels a side) or `size=small` (480) gives a WebP of the
        first frame, whatever `Accept` says. A size is never upscaled, made once (ahead, or on
        first request) and stored. The `ETag` is the sha256 of the bytes served, one per size
        and format: send it back in `If-None-Match` (or the `Last-Modified` date in
        `If-Modified-Since`) to get a 304. `Range: bytes=...` gets part of the picture (206),
        or 416 when the range starts past its end.
"""
