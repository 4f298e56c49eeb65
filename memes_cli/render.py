"""What the commands print: Rich tables for people, JSON for scripts."""

from collections.abc import Iterable

from rich.console import Console
from rich.filesize import decimal
from rich.table import Table

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


def picture(meme: dict) -> str:
    kind = meme["content_type"].removeprefix("image/")
    return f"{meme['width']}×{meme['height']} {kind}, {decimal(meme['size'])}"


def memes_table(memes: Iterable[dict]) -> Table:
    table = Table("id", "title", "tags", "picture", "created", box=None, header_style="bold")
    table.columns[0].justify = "right"
    for meme in memes:
        table.add_row(
            str(meme["id"]),
            meme["title"],
            ", ".join(meme["tags"]),
            picture(meme),
            meme["created_at"][:10],
        )
    return table


def _sensitive(meme: dict) -> str:
    score = meme.get("nsfw")
    scored = "not scored yet" if score is None else f"NSFW score {score:.2f}"
    return f"{'yes' if meme.get('sensitive') else 'no'} ({scored})"


def meme_details(meme: dict) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    rows = {
        "id": str(meme["id"]),
        "title": meme["title"],
        "description": meme["description"],
        "tags": ", ".join(meme["tags"]),
        "picture": picture(meme),
        "sha256": meme["sha256"],
        "image": meme["image_url"],
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


def templates_table(templates: Iterable[dict]) -> Table:
    table = Table("template", "memes", "example", "thumbnail", box=None, header_style="bold")
    for column in table.columns[:3]:
        column.justify = "right"
    for template in templates:
        example = template["example"]
        table.add_row(
            str(template["id"]),
            str(template["memes"]),
            "" if example is None else str(example),
            template["example_url"] or "",
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
