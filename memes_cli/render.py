"""What the commands print: Rich tables for people, JSON for scripts."""

from collections.abc import Callable, Iterable

from rich.cells import cell_len
from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def picture(meme: dict) -> str:
    kind = meme["content_type"].removeprefix("image/")
    return f"{meme['width']}×{meme['height']} {kind}, {decimal(meme['size'])}"


def memes_table(memes: Iterable[dict], width: int) -> Table:
    """The memes in a table `width` columns wide: the id, picture and date are never cut or
    wrapped (`64×48 png,` over `2.1 kB` reads as two things); the title and tags give way,
    ending in `…`."""
    rows = [
        (str(m["id"]), m["title"], ", ".join(m["tags"]), picture(m), m["created_at"][:10])
        for m in memes
    ]
    headers = ("id", "title", "tags", "picture", "created")
    widest = [max([cell_len(cell) for cell in column]) for column in zip(headers, *rows)]
    # Each column is padded by a space either side.
    room = width - 2 * len(headers) - widest[0] - widest[3] - widest[4]
    title, tags = widest[1], widest[2]
    if title + tags > room:  # the tags give up to two thirds of the room to the title
        tags = min(tags, max(room // 3, 4))
        title = max(room - tags, 5)
    table = Table(box=None, header_style="bold")
    table.add_column("id", justify="right", no_wrap=True)
    table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=title)
    table.add_column("tags", no_wrap=True, overflow="ellipsis", max_width=tags)
    table.add_column("picture", no_wrap=True)
    table.add_column("created", no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


def _sensitive(meme: dict) -> str:
    score = meme.get("nsfw")
    scored = "not scored yet" if score is None else f"NSFW score {score:.2f}"
    return f"{'yes' if meme.get('sensitive') else 'no'} ({scored})"


def meme_details(meme: dict, urls: dict[str, str]) -> Table:
    """One meme, a field a line; `urls`: its page's and picture's, in full."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = {
        "id": str(meme["id"]),
        "title": meme["title"],
        "description": meme["description"],
        "tags": ", ".join(meme["tags"]),
        "picture": picture(meme),
        "page": urls["page"],
        "image": urls["image"],
        "sha256": meme["sha256"],
        "template": str(meme.get("template_id") or "none yet"),
        "shown": meme.get("visibility", "public"),
        "sensitive": _sensitive(meme),
        "created": meme["created_at"],
        "updated": meme["updated_at"],
    }
    for name, value in rows.items():
        table.add_row(name, value)
    return table


def tags_table(tags: Iterable[dict]) -> Table:
    table = Table("tag", "memes", box=None, header_style="bold")
    table.columns[1].justify = "right"
    for tag in tags:
        table.add_row(tag["name"], str(tag["memes"]))
    return table


def templates_table(templates: Iterable[dict], absolute: Callable[[str], str]) -> Table:
    table = Table("template", "memes", "example", "thumbnail", box=None, header_style="bold")
    for column in table.columns[:3]:
        column.justify = "right"
    for template in templates:
        example = template["example"]
        table.add_row(
            str(template["id"]),
            str(template["memes"]),
            "" if example is None else str(example),
            absolute(template["example_url"]) if template["example_url"] else "",
        )
    return table


def log_table(entries: Iterable[dict]) -> Table:
    table = Table("at", "moderator", "action", "meme", "reason", box=None, header_style="bold")
    table.columns[3].justify = "right"
    for entry in entries:
        meme = entry["meme_id"]
        table.add_row(
            entry["at"][:19].replace("T", " "),
            entry["moderator"],
            entry["action"],
            "" if meme is None else str(meme),
            entry["reason"] or "",
        )
    return table


def queue_table(items: Iterable[dict]) -> Table:
    table = Table("meme", "title", "reports", "reasons", "newest note", "shown",
                  box=None, header_style="bold")  # fmt: skip
    table.columns[0].justify = table.columns[2].justify = "right"
    for item in items:
        meme, notes = item["meme"], item["notes"]
        by_reason = item["by_reason"].items()
        reasons = ", ".join(f"{reason} {count}" for reason, count in by_reason if count)
        table.add_row(
            str(meme["id"]),
            meme["title"],
            str(item["reports"]),
            reasons,
            notes[0]["note"] if notes else "",
            meme["visibility"],
        )
    return table


def bans_table(bans: Iterable[dict]) -> Table:
    table = Table("ban", "banned", "by", "meme", "reason", "sha256", box=None, header_style="bold")
    table.columns[0].justify = table.columns[3].justify = "right"
    for ban in bans:
        meme = ban["meme_id"]
        table.add_row(
            str(ban["id"]),
            ban["created_at"][:19].replace("T", " "),
            ban["moderator"],
            "" if meme is None else str(meme),
            ban["reason"] or "",
            ban["sha256"][:12],
        )
    return table
