"""The folders are the layers: every import goes down, no two modules import each other, and
modules are small enough to read. The README's picture of the api draws the same order."""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 250  # a module read in one sitting
PACKAGES = ("api", "media", "common", "memes_cli")

# Bottom first. A module may import from its own layer and the layers before it, never after.
LAYERS = {
    "api": [
        ("errors.py values/ metrics.py", ("api.errors", "api.values", "api.metrics")),
        ("imaging/", ("api.imaging",)),
        (
            "settings.py *_settings.py",
            (
                "api.settings",
                "api.upload_settings",
                "api.client_limit_settings",
                "api.link_settings",
                "api.template_settings",
                "api.moderation_settings",
            ),
        ),
        (
            "db/ media_client.py picture_cache.py",
            ("api.db", "api.media_guard", "api.media_client", "api.picture_cache"),
        ),
        ("services.py", ("api.services",)),
        ("domain/", ("api.domain",)),
        ("web/", ("api.web",)),
        ("app.py", ("api.app",)),
        ("__main__.py cli/", ("api.cli", "api.__main__")),
    ],
    "media": [
        ("errors.py settings.py", ("media.errors", "media.settings")),
        ("store/", ("media.store",)),
        ("services.py", ("media.services",)),
        ("state.py", ("media.state",)),
        ("auth.py views.py", ("media.auth", "media.views")),
        ("app.py", ("media.app",)),
        ("__main__.py", ("media.__main__",)),
    ],
}
# Libraries a layer keeps out, beyond the order.
KEPT_OUT = {
    # The rules take Services and plain values, never a request or an application.
    "api.domain": ("aiohttp",),
    # Worker processes get plain values: nothing of the server's is imported there.
    "api.imaging": ("aiohttp", "aiopg"),
    # Every read of the web layer goes through the rules: no SQL is a view's business.
    "api.web": ("api.db",),
    "api.values": ("aiohttp", "aiopg"),
}
PATH = re.compile(r"[\w.*]+(?:/|\.py)")
# Only the command that documents both services from their code reads the media package.
ACROSS = {"api.cli.docs": {"media"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, set[str]]:
    """Every module of the packages (tests left out) and every module it imports, wherever
    the import stands (in a function, under TYPE_CHECKING)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            name, names = module_name(path), set()
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom):  # the project imports absolutely
                    base = node.module or ""
                    names |= {base} | {f"{base}.{alias.name}" for alias in node.names}
            found[name] = names
    return found


def internal_imports() -> dict[str, set[str]]:
    """Each module and the modules of the packages it imports (`from a import b`, where b is a
    module, counts as importing `a.b`)."""
    known = modules()
    return {name: {n for n in names if n in known and n != name} for name, names in known.items()}


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def rank(name: str) -> int | None:
    for position, (_, prefixes) in enumerate(LAYERS.get(name.split(".")[0], [])):
        if any(within(name, prefix) for prefix in prefixes):
            return position
    return None


def test_every_module_has_a_layer():
    unplaced = [
        name
        for name in modules()
        if name.split(".")[0] in LAYERS and name not in LAYERS and rank(name) is None
    ]
    assert unplaced == []


def test_no_module_imports_a_layer_above_it():
    upward = sorted(
        f"{name} -> {target}"
        for name, targets in internal_imports().items()
        for target in targets
        if name.split(".")[0] == target.split(".")[0]
        and rank(name) is not None
        and rank(target) is not None
        and rank(target) > rank(name)
    )
    assert upward == []


@pytest.mark.parametrize("layer, libraries", sorted(KEPT_OUT.items()))
def test_a_layer_keeps_out_what_is_not_its_business(layer, libraries):
    found = {
        name: sorted(n for n in names if any(within(n, lib) for lib in libraries))
        for name, names in modules().items()
        if within(name, layer)
    }
    assert {name: bad for name, bad in found.items() if bad} == {}


def test_packages_import_only_the_packages_below_them():
    below = {"api": {"common"}, "media": {"common"}, "common": set(), "memes_cli": set()}
    crossing = {
        name: sorted(other)
        for name, names in modules().items()
        if (
            other := {
                n.split(".")[0]
                for n in names
                if n.split(".")[0] in PACKAGES and n.split(".")[0] != name.split(".")[0]
            }
            - below[name.split(".")[0]]
            - ACROSS.get(name, set())
        )
    }
    assert crossing == {}


def test_no_two_modules_import_each_other_even_through_others():
    graph = internal_imports()
    circles = set()

    def visit(name: str, path: list[str]) -> None:
        for target in graph[name]:
            if target in path:
                circle = path[path.index(target) :]
                start = circle.index(min(circle))
                circles.add(" -> ".join(circle[start:] + circle[:start]))
            elif target not in done:
                visit(target, [*path, target])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert sorted(circles) == []


def test_the_readme_draws_the_layers_in_their_order():
    """The README's picture of the api lists the layers top first, as LAYERS has them."""
    readme = (ROOT / "README.md").read_text()
    picture = readme[readme.index("\napi/\n") :]
    picture = picture[: picture.index("```")]
    drawn = [
        " ".join(PATH.findall(line.split("   ")[0]))  # the paths before the words
        for line in picture.splitlines()
        if re.match(r"  \w", line)
    ]
    assert drawn == [label for label, _ in reversed(LAYERS["api"])]


def test_no_module_is_over_250_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in ("api", "media", "common", "bench", "tests", "memes_cli")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
