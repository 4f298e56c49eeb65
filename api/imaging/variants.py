"""Variants: a picture in the sizes the gallery shows it, in a format the browser takes (run in
the image workers). `thumb` and `small` (api.imaging.thumbnails) are the older, WebP-only
sizes, kept for the clients that ask for them."""

from pathlib import Path

from PIL import Image, ImageOps, ImageSequence

# The grid's cards show a 4:3 crop (object-fit: cover) about 160-190 CSS pixels wide: 1x and
# 2x (srcset). A picture smaller than the box is cropped, never upscaled.
CROPS = {"grid": (240, 180), "grid2x": (480, 360)}
# A meme's page shows the picture at most about 700 CSS pixels wide (1400 on a HiDPI screen);
# a tall picture is read by scrolling, so its height may be three widths.
FITS = {"page": (1280, 3840)}
SIZES = (*CROPS, *FITS)
# What is encoded for each format asked: `plain` is for the clients that accept neither AVIF
# nor WebP (JPEG, or PNG for a picture with transparency).
FORMATS = ("avif", "webp", "plain")
AVIF_QUALITY = 55  # about WebP's 80 to the eye, at two thirds of its bytes (bench variants)
WEBP_QUALITY = 80
JPEG_QUALITY = 85


def _crop_box(size: tuple[int, int], box: tuple[int, int]) -> tuple[int, int]:
    """The size of the box's aspect cut from a picture of `size`: the box, or smaller."""
    (width, height), (box_width, box_height) = size, box
    if width * box_height > height * box_width:  # wider than the box: its sides are cut
        cut = (round(height * box_width / box_height), height)
    else:
        cut = (width, round(width * box_height / box_width))
    return box if cut[0] >= box_width else (max(cut[0], 1), max(cut[1], 1))


def _resized(frame: Image.Image, size: str) -> Image.Image:
    if size in CROPS:
        return ImageOps.fit(frame, _crop_box(frame.size, CROPS[size]), Image.Resampling.LANCZOS)
    frame = frame.copy()
    frame.thumbnail(FITS[size], Image.Resampling.LANCZOS)
    return frame


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def make_variant(source: Path, target: Path, size: str, format: str) -> tuple[int, int, str]:
    """The already clean picture at `source` in `size` and `format`, written to `target`;
    returns its width, height and media type. The grid's crops are of the first frame; an
    animation at `page` size in WebP stays an animation."""
    with Image.open(source) as image:
        alpha = _has_alpha(image)
        mode = "RGBA" if alpha else "RGB"
        animated = size in FITS and format == "webp" and getattr(image, "n_frames", 1) > 1
        if animated:
            frames = [_resized(f.convert("RGBA"), size) for f in ImageSequence.Iterator(image)]
            durations = [f.info.get("duration", 100) for f in ImageSequence.Iterator(image)]
            # Each frame lossy or lossless, whichever is smaller, and only what changed: about
            # half the GIF's bytes (plain lossy frames: twice them; bench variants).
            frames[0].save(
                target, "WEBP", save_all=True, append_images=frames[1:], duration=durations,
                loop=image.info.get("loop", 0), quality=WEBP_QUALITY, allow_mixed=True,
                minimize_size=True,
            )  # fmt: skip
            return (*frames[0].size, "image/webp")
        image.seek(0)
        frame = _resized(image.convert(mode), size)
    if format == "avif":
        frame.save(target, "AVIF", quality=AVIF_QUALITY)
        return (*frame.size, "image/avif")
    if format == "webp":
        frame.save(target, "WEBP", quality=WEBP_QUALITY)
        return (*frame.size, "image/webp")
    if alpha:
        frame.save(target, "PNG", optimize=True)
        return (*frame.size, "image/png")
    frame.save(target, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return (*frame.size, "image/jpeg")
