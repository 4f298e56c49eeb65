"""python -m bench variants: the bytes AVIF and WebP save against JPEG/PNG, and the time to
make each variant, on a set of typical memes.

Draws meme-like pictures (bench.template_set: captioned templates stored as PNG, reposts as
JPEG, 380-620 pixels a side as drawn, a third enlarged to 1080 and 1920 wide, as phones post
them) and a few animated GIFs, and makes every size in every format with
api.imaging.variants.make_variant, in this process, one at a time. Prints per size and format
the mean bytes, the bytes as a share of what a client without AVIF or WebP gets (`plain`: JPEG,
PNG for a picture with transparency; at `page` size, a GIF itself), and the CPU time to make
one (p50, p99: CPU, not wall time, so that other work on the machine does not count).
"""

import io
import random
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from api.imaging.variants import FORMATS, SIZES, make_variant
from bench import template_set

WIDTHS = (None, 1080, 1920)  # as drawn, or enlarged to a phone's photo width


def animated_gif(seed: int, frames: int = 12) -> bytes:
    """A captioned template with a moving bar: a GIF's palette and frames, not a photo's."""
    rng = random.Random(seed)
    base = template_set.caption(template_set.template(rng, rng), rng)
    images = []
    for n in range(frames):
        frame = base.copy()
        step = frame.width // frames
        frame.paste((255, 200, 0), (n * step, 0, (n + 1) * step, 12))
        images.append(frame.convert("P", palette=Image.Palette.ADAPTIVE))
    buffer = io.BytesIO()
    images[0].save(buffer, "GIF", save_all=True, append_images=images[1:], duration=80, loop=0)
    return buffer.getvalue()


def pictures(count: int) -> list[bytes]:
    drawn = [p for p in template_set.generate(22, templates=count // 4) if p.kind != "bare"]
    chosen = []
    for n, drawn_picture in enumerate(drawn[:count]):
        width = WIDTHS[n % len(WIDTHS)]
        if width is None:
            chosen.append(drawn_picture.data)
            continue
        with Image.open(io.BytesIO(drawn_picture.data)) as image:
            height = round(image.height * width / image.width)
            enlarged = image.convert("RGB").resize((width, height), Image.Resampling.LANCZOS)
        chosen.append(template_set.encoded(enlarged, "JPEG", quality=85))
    return chosen


def main(count: int) -> None:
    still = pictures(count)
    gifs = [animated_gif(seed) for seed in range(max(count // 8, 2))]
    with tempfile.TemporaryDirectory() as scratch:
        source, target = Path(scratch, "source"), Path(scratch, "target")
        for label, set_ in (("still pictures", still), ("animated GIFs", gifs)):
            originals = statistics.mean(len(data) for data in set_)
            print(f"\n{len(set_)} {label}, {originals / 1024:.1f} KiB on average as uploaded")
            print(f"{'size':8} {'format':6} {'mean KiB':>9} {'of plain':>9} {'p50 ms':>8}", end="")
            print(f" {'p99 ms':>8}")
            for size in SIZES:
                made: dict[str, tuple[list[int], list[float]]] = {}
                for format in FORMATS:
                    sizes, times = made.setdefault(format, ([], []))
                    for data in set_:
                        if set_ is gifs and size == "page" and format != "webp":
                            if format == "plain":  # the GIF itself (variant_format)
                                sizes.append(len(data))
                                times.append(0.0)
                            continue  # AVIF: never served for an animation
                        source.write_bytes(data)
                        start = time.process_time()
                        make_variant(source, target, size, format)
                        times.append((time.process_time() - start) * 1000)
                        sizes.append(target.stat().st_size)
                plain = statistics.mean(made["plain"][0])
                for format, (sizes, times) in made.items():
                    if not sizes:
                        continue
                    mean = statistics.mean(sizes)
                    p99 = statistics.quantiles(times, n=100)[98] if len(times) > 1 else times[0]
                    print(
                        f"{size:8} {format:6} {mean / 1024:9.1f} {mean / plain:9.0%}"
                        f" {statistics.median(times):8.1f} {p99:8.1f}"
                    )
