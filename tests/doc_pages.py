"""The README and the pages of docs/, and the shell examples in them. An `sh` block with a
`curl` or `http` line is run whole, as a script, against the api (tests/test_readme.py); the
lines of a block of `memes` commands are run one by one (tests/test_cli_client.py). Each page's
examples run in order, on an empty database of their own."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
HTTP = ("curl ", "http ")


def name(page: Path) -> str:
    return str(page.relative_to(ROOT))


def code_blocks(page: Path) -> list[tuple[str, str]]:
    """The page's fenced code blocks, in order: (language, text)."""
    blocks, language, lines = [], None, []
    for line in page.read_text().splitlines():
        if language is None and line.startswith("```"):
            language, lines = line.removeprefix("```").strip(), []
        elif language is not None and line == "```":
            blocks.append((language, "".join(f"{line}\n" for line in lines)))
            language = None
        elif language is not None:
            lines.append(line)
    assert language is None, f"{name(page)}: a code block is not closed"
    return blocks


def sh_blocks(page: Path) -> list[str]:
    return [text for language, text in code_blocks(page) if language == "sh"]


def api_blocks(page: Path) -> list[str]:
    """The page's blocks that talk to the api with curl or httpie, in order."""
    return [b for b in sh_blocks(page) if any(line.startswith(HTTP) for line in b.splitlines())]


def api_examples(page: Path) -> list[str]:
    lines = [line for block in api_blocks(page) for line in block.splitlines()]
    return [line for line in lines if line.startswith(HTTP)]


def memes_lines(page: Path) -> list[str]:
    """The page's `memes` commands, in order."""
    lines = [line for block in sh_blocks(page) for line in block.splitlines()]
    return [line for line in lines if line.startswith("memes ")]


def lines_of_other_blocks(page: Path) -> list[str]:
    """The lines of the page's code blocks that are not `sh` (json, pictures, ...)."""
    blocks = [text for language, text in code_blocks(page) if language != "sh"]
    return [line for text in blocks for line in text.splitlines()]


def anchors(page: Path) -> set[str]:
    """The page's headings as GitHub makes them into anchors."""
    headings = [line.lstrip("#").strip() for line in page.read_text().splitlines()
                if line.startswith("#")]  # fmt: skip
    return {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}


def broken_links(page: Path) -> list[str]:
    """The page's links to a file of this checkout, or to a heading of a page, that lead
    nowhere."""
    broken = []
    for link in re.findall(r"\]\(([^)\s]+)\)", page.read_text()):
        path, _, heading = link.partition("#")
        if link.startswith(("http://", "https://")):
            continue
        target = (page.parent / path).resolve() if path else page
        if not target.exists() or (heading and heading not in anchors(target)):
            broken.append(link)
    return broken
