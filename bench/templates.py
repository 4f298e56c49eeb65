"""python -m bench templates: how well template signatures and whole-picture hashes tell the
three kinds of sameness apart, on a labelled set drawn by bench/template_set.py.

For every pair of pictures: `repost` when they share an original (the picture, caption and
all), `same-template` when they share a template (reposts included: the template is the
picture's), `unrelated` otherwise. A relation is predicted when the pair's Hamming distance is
at most a threshold: the whole picture's hash for `repost`, the template signature's (text
filled in) for `same-template`. Prints precision, recall and the false-positive rate on
unrelated pairs for each hash and fill at the threshold that does best with under 0.5% false
positives (the smaller of precision and recall, highest), then that choice tried on half of
the templates after being made on the other half, and the time a signature takes.

OCR is what takes time: its boxes are kept per picture (by sha256) in a directory that
survives runs (`--cache`), and it runs in a pool of 2 processes.
"""

import hashlib
import io
import json
import statistics
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy
from PIL import Image

from api.imaging import features, templates
from bench.template_set import Picture, generate

MAX_FPR = 0.005  # the target: under 0.5% of unrelated pairs taken for related
TODAY = 10  # SIMILAR_DISTANCE on the whole picture's pHash
FILLS = templates.FILLS


def signatures(data: bytes, cache: Path) -> dict:
    """OCR's boxes and text (from the cache if there), then every fill and hash of the picture."""
    image = Image.open(io.BytesIO(data)).convert("RGB")
    kept = cache / (hashlib.sha256(data).hexdigest() + ".v2.json")
    if kept.exists():
        ocr = json.loads(kept.read_text())
    else:
        started = time.perf_counter()
        lines = features.ocr_lines(image)
        boxes = [[[float(v) for v in xy] for xy in box] for box in templates.text_boxes(lines)]
        text = features.read_text(image, lines)
        ocr = {"boxes": boxes, "text": text, "seconds": time.perf_counter() - started}
        kept.write_text(json.dumps(ocr))
    out = {"ocr_seconds": ocr["seconds"], "text": ocr["text"], "seconds": {}}
    for fill in FILLS:
        started = time.perf_counter()
        small = templates.filled(image, ocr["boxes"], fill)
        for name, hash in templates.HASHES.items():
            out[(fill, name)] = hash(small).bits
        out["seconds"][fill] = time.perf_counter() - started
    return out


def bit_matrix(hashes: list[bytes]) -> numpy.ndarray:
    packed = numpy.frombuffer(b"".join(hashes), numpy.uint8).reshape(len(hashes), -1)
    return numpy.unpackbits(packed, axis=1)


def distances(hashes: list[bytes]) -> numpy.ndarray:
    bits = bit_matrix(hashes).astype(numpy.int32)
    return bits @ (1 - bits).T + (1 - bits) @ bits.T


def scores(predicted: numpy.ndarray, labels: dict, relation: str) -> tuple:
    """Precision, recall and the false-positive rate on unrelated pairs of a prediction."""
    predicted = predicted & labels["all"]
    positive, unrelated = labels[relation], labels["unrelated"]
    true = (predicted & positive).sum()
    precision = true / predicted.sum() if predicted.sum() else 1.0
    return precision, true / positive.sum(), (predicted & unrelated).sum() / unrelated.sum()


def best(predict: Callable, thresholds: Sequence, labels: dict, relation: str):
    """The threshold with under MAX_FPR false positives whose worse of precision and recall is
    highest; of several, the middle one (the widest margin either way)."""
    results = {t: scores(predict(t), labels, relation) for t in thresholds}
    good = {t: min(p, r) for t, (p, r, fpr) in results.items() if fpr < MAX_FPR}
    top = max(good.values(), default=None)
    tied = [t for t, value in good.items() if value == top] or [thresholds[0]]
    return tied[len(tied) // 2]


def pairs(pictures: list[Picture], chosen: numpy.ndarray) -> dict[str, numpy.ndarray]:
    """Masks of the pairs (each once) of the chosen pictures, by relation."""
    template = numpy.array([p.template for p in pictures])
    original = numpy.array([p.original for p in pictures])
    upper = numpy.triu(numpy.ones((len(pictures),) * 2, bool), 1) & numpy.outer(chosen, chosen)
    same_template = template[:, None] == template[None, :]
    return {
        "all": upper,
        "repost": upper & (original[:, None] == original[None, :]),
        "same-template": upper & same_template,
        "unrelated": upper & ~same_template,
    }


def main(seed: int, template_count: int, cache: Path) -> None:
    started = time.perf_counter()
    pictures = generate(seed, template_count)
    kinds = {k: sum(p.kind == k for p in pictures) for k in ("bare", "captioned", "repost")}
    print(f"{len(pictures)} pictures from seed {seed}: {template_count} templates, {kinds}")
    cache.mkdir(parents=True, exist_ok=True)
    with ProcessPoolExecutor(2) as pool:
        found = list(pool.map(signatures, [p.data for p in pictures], [cache] * len(pictures)))
    labels = pairs(pictures, numpy.ones(len(pictures), bool))
    counts = ", ".join(f"{k} {v.sum()}" for k, v in labels.items() if k != "all")
    print(f"pairs: {counts}; signatures in {time.perf_counter() - started:.0f} s")
    hashes = {key: [f[key] for f in found] for key in found[0] if isinstance(key, tuple)}
    d = {key: distances(values) for key, values in hashes.items()}
    bits = {key: len(values[0]) * 8 for key, values in hashes.items()}
    texts = [f["text"] for f in found]
    words = numpy.array([[templates.same_words(a, b) for b in texts] for a in texts])
    print(f"{'relation':14} {'rule':40} {'precision':>9} {'recall':>6} {'FPR unrelated':>13}")
    rules = {}  # (relation, rule) -> (predict, thresholds)
    for relation, fills in (("repost", ("none",)), ("same-template", FILLS)):
        for name in templates.HASHES:
            for fill in fills:
                rules[relation, f"{name} {fill}"] = (
                    lambda t, m=d[fill, name]: m <= t,
                    range(bits[fill, name] // 2),
                )
    chosen = {}
    for key, (predict, thresholds) in rules.items():
        chosen[key] = best(predict, thresholds, labels, key[0])
    best_rule = max(
        (k for k in rules if k[0] == "same-template"),
        key=lambda k: quality(rules[k][0](chosen[k]), labels, k[0]),
    )
    print(f"best same-template rule measured: {best_rule[1]} {chosen[best_rule]}")
    # What the worker ships (api/imaging/templates.py): its repost rule is built on it.
    template_rule = ("same-template", f"{templates.HASH} {templates.FILL}")
    template_d, template_t = d[tuple(reversed(template_rule[1].split()))], chosen[template_rule]
    repost_rule = ("repost", f"{template_rule[1]} <= {template_t} and words >=")
    rules[repost_rule] = (lambda s: (template_d <= template_t) & (words >= s),
                          [n / 20 for n in range(21)])  # fmt: skip
    chosen[repost_rule] = best(*rules[repost_rule], labels, "repost")
    shipped_rule = ("repost", f"{repost_rule[1].removesuffix(' >=')} >= (shipped)")
    rules[shipped_rule] = rules[repost_rule]
    chosen[shipped_rule] = templates.REPOST_WORDS
    today = d["none", "phash"] <= TODAY
    for key, (predict, _) in rules.items():
        p, r, fpr = scores(predict(chosen[key]), labels, key[0])
        print(f"{key[0]:14} {key[1] + f' {chosen[key]}':40} {p:9.3f} {r:6.3f} {fpr:13.2%}")
        if key in ((k, "pdq none") for k in ("repost", "same-template")):
            p, r, fpr = scores(today, labels, key[0])
            print(f"{key[0]:14} {f'today: phash none {TODAY}':40} {p:9.3f} {r:6.3f} {fpr:13.2%}")
    print(f"shipped (api/imaging/templates.py: {templates.HASH}, {templates.FILL}):")
    for key in (shipped_rule, template_rule):
        predict, thresholds = rules[key]
        print(f"  {key[0]}: {key[1]} {chosen[key]}")
        even = numpy.array([p.template % 2 == 0 for p in pictures])
        for tune, test, label in ((even, ~even, "even"), (~even, even, "odd")):
            t = best(predict, thresholds, pairs(pictures, tune), key[0])
            p, r, fpr = scores(predict(t), pairs(pictures, test), key[0])
            print(f"    chosen on the {label} templates ({t}), measured on the others:"
                  f" precision {p:.3f}, recall {r:.3f}, FPR {fpr:.2%}")  # fmt: skip
    ocr = [f["ocr_seconds"] for f in found]
    print(f"time per picture: OCR p50 {statistics.median(ocr) * 1000:.0f} ms, mean"
          f" {statistics.mean(ocr) * 1000:.0f} ms (one thread, 2 processes; from the run that"
          " filled the cache); fill and both hashes (p50):", ", ".join(
              f"{fill} {statistics.median(f['seconds'][fill] for f in found) * 1000:.1f} ms"
              for fill in FILLS))  # fmt: skip


def quality(predicted: numpy.ndarray, labels: dict, relation: str) -> tuple:
    """What a rule is ranked by: under MAX_FPR first, then its worse of precision and recall,
    then its fewer false positives."""
    p, r, fpr = scores(predicted, labels, relation)
    return fpr < MAX_FPR, min(p, r), -fpr
