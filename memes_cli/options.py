"""What the commands share: examples in --help, the JSON flag, printing a meme."""

import sys
from collections.abc import Callable

import click

from memes_cli.client import Api, json_line
from memes_cli.render import meme_details, out

MEME_ID = click.IntRange(min=1)
pass_api = click.make_pass_decorator(Api)


def examples(*lines: str) -> str:
    """A command's epilog; `\\b` keeps click from rewrapping the lines."""
    return "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)


def as_json(option: str = "--json") -> Callable:
    return click.option(option, "as_json", is_flag=True, help="Print JSON, for scripts.")


def print_json(value: object) -> None:
    out.print(json_line(value), soft_wrap=True, markup=False)


def print_meme(api: Api, meme: dict, json: bool) -> None:
    """The meme as the api gives it (JSON), or for people: with its page's and picture's URLs
    in full, to open or share."""
    if json:
        return print_json(meme)
    urls = {"page": api.page_url(meme["id"]), "image": api.absolute(meme["image_url"])}
    out.print(meme_details(meme, urls))


def split_tags(values: tuple[str, ...]) -> list[str]:
    """`--tag a --tag b` or `--tag a,b`, as the api's form takes them."""
    return [tag.strip() for value in values for tag in value.split(",") if tag.strip()]


YES = click.option(
    "-y", "--yes", is_flag=True, help="Do not ask (needed when stdin is no terminal)."
)


def confirmed(api: Api, meme_id: int, verb: str, yes: bool, headers: dict | None = None) -> None:
    """Ask `<verb> meme 1 "Grumpy cat"? [y/N]` on stderr unless `yes`: anything but y aborts
    (exit 1). With no terminal on stdin, --yes is needed: a script would wait forever."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.UsageError(
            f"no terminal to ask on: pass --yes to {verb.lower()} meme {meme_id}"
        )
    title = api.json("GET", f"/memes/{meme_id}", headers=headers)["title"]
    question = f"{verb} meme {meme_id} {json_line(title)}? [y/N]"
    if not click.confirm(question, show_default=False, prompt_suffix=" ", err=True):
        raise click.Abort()
