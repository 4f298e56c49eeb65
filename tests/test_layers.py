"""The folders are the layers: what each may import, and modules small enough to read."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 250  # a module read in one sitting


def imports(folder: str) -> dict[str, set[str]]:
    """Each module of `folder` (its tests left out) and the modules it imports."""
    found = {}
    for path in sorted((ROOT / folder).rglob("*.py")):
        if "tests" in path.relative_to(ROOT).parts:
            continue
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
        found[str(path.relative_to(ROOT))] = names
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> dict[str, list[str]]:
    """The modules of `folder` that import from a `forbidden` package, and what."""
    found = {}
    for module, names in imports(folder).items():
        bad = sorted(n for n in names if any(n == f or n.startswith(f + ".") for f in forbidden))
        if bad:
            found[module] = bad
    return found


@pytest.mark.parametrize(
    "folder, forbidden",
    [
        # The rules take Services and plain values, never a request or an application.
        ("api/domain", ("aiohttp", "api.web", "api.cli", "api.app")),
        ("api/db", ("aiohttp", "api.web", "api.cli", "api.app", "api.services")),
        # Worker processes get plain values: nothing of the server's is imported there.
        ("api/imaging", ("aiohttp", "aiopg", "api.web", "api.db", "api.services", "api.cli")),
        ("api/web", ("api.cli",)),
        ("media", ("api",)),
        ("common", ("api", "media")),
        # The `memes` command is a client like any other: HTTP only.
        ("memes_cli", ("api", "media", "common", "tests")),
    ],
)
def test_a_layer_imports_only_what_is_below_it(folder, forbidden):
    assert offending(folder, forbidden) == {}


def test_the_api_does_not_import_the_media_service():
    # Only the README command documents both services from their code.
    allowed = {"api/cli/docs.py"}
    found = offending("api", ("media",))
    assert set(found) <= allowed, found


def test_no_module_is_over_250_lines():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in ("api", "media", "common", "bench", "tests", "memes_cli")
        for path in (ROOT / folder).rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n > MAX_LINES} == {}
