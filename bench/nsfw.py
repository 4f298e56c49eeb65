"""python -m bench nsfw: the NSFW score's cost per picture, next to OCR's, in an image worker.

Draws `--pictures` meme-like pictures (bench.template_set: templates with captions, 380-620
pixels a side as drawn, and a third of them enlarged to 1080 and 1920 wide, the sizes phones
post), writes them as JPEG, and runs in one image worker process (api.imaging.workers, as the
picture job does) the NSFW model and OCR on each decoded frame. Prints per picture the wall
time (p50, p99) and the CPU time of the worker process for each, the models' first load apart,
and the scores the pictures got: plain memes should score low.
"""

import asyncio
import io
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from api.imaging.features import nsfw_score, ocr_lines
from api.imaging.workers import ImageWorkers
from bench import template_set

WIDTHS = (None, 1080, 1920)  # as drawn, or enlarged to a phone's photo width


def timed(path: Path) -> dict[str, float]:
    """In the worker: each model's wall and CPU milliseconds on the picture, and its score."""
    with Image.open(path) as image:
        frame = image.convert("RGB")
    found: dict[str, float] = {}
    for name, run in (("nsfw", nsfw_score), ("ocr", ocr_lines)):
        wall, cpu = time.perf_counter(), time.process_time()
        result = run(frame)
        found[name] = (time.perf_counter() - wall) * 1000
        found[f"{name}_cpu"] = (time.process_time() - cpu) * 1000
        if name == "nsfw":
            found["score"] = result
    return found


def pictures(count: int, directory: Path) -> list[Path]:
    paths = []
    for index, picture in enumerate(template_set.generate(7, templates=count)[:count]):
        image = Image.open(io.BytesIO(picture.data)).convert("RGB")
        if width := WIDTHS[index % len(WIDTHS)]:
            image = image.resize((width, round(image.height * width / image.width)))
        path = directory / f"{index}.jpg"
        image.save(path, quality=85)
        paths.append(path)
    return paths


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def measure(paths: list[Path]) -> tuple[dict[str, float], list[dict[str, float]]]:
    workers = ImageWorkers(1)
    try:
        first = await workers.run(timed, paths[0])  # loads both models
        return first, [await workers.run(timed, path) for path in paths]
    finally:
        workers.shutdown()


def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        paths = pictures(count, Path(directory))
        sizes = sorted(Image.open(path).size for path in paths)
        first, runs = asyncio.run(measure(paths))
    print(f"{len(runs)} pictures, {sizes[0][0]}x{sizes[0][1]} to {sizes[-1][0]}x{sizes[-1][1]},"
          " in one image worker process (one onnxruntime thread each, as shipped)")  # fmt: skip
    print(
        f"first picture (the models load): nsfw {first['nsfw']:.0f} ms, ocr {first['ocr']:.0f} ms"
    )
    print(f"{'per picture':14} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms (mean)':>14}")
    for name in ("nsfw", "ocr"):
        walls = [run[name] for run in runs]
        cpu = statistics.mean(run[f"{name}_cpu"] for run in runs)
        label = {"nsfw": "NSFW score", "ocr": "OCR (reference)"}[name]
        print(
            f"{label:14} {percentile(walls, 0.5):8.1f} {percentile(walls, 0.99):8.1f} {cpu:14.1f}"
        )
    scores = [run["score"] for run in runs]
    print(
        f"scores of these plain meme pictures: min {min(scores):.4f}, median"
        f" {statistics.median(scores):.4f}, p90 {percentile(scores, 0.9):.4f}, max {max(scores):.4f};"
        f" over 0.5: {sum(s > 0.5 for s in scores)}, over 0.8: {sum(s > 0.8 for s in scores)}"
    )
