"""The commands that change memes: post keeps the edit token the api answers with, edit and
rm send it back (or `--token`)."""

import mimetypes
import sys
from pathlib import Path

import click

from memes_cli.client import AUTH, NOT_FOUND, Api, Failure, bearer
from memes_cli.options import (
    MEME_ID,
    YES,
    as_json,
    confirmed,
    examples,
    pass_api,
    print_meme,
    split_tags,
)
from memes_cli.render import err
from memes_cli.tokens import Tokens
from memes_cli.transfer import CountingReader, progress_bar

MERGE_PATCH = "application/merge-patch+json"
PICTURE = click.Path(exists=True, dir_okay=False, path_type=Path)
TOKEN_OPTION = click.option(
    "--token", envvar="MEMES_TOKEN", help="The edit token (default: the one kept at post)."
)


def _with_picture(api: Api, method: str, path: str, fields: dict, image: Path, **kwargs) -> dict:
    """A multipart form with the picture, sent with a progress bar."""
    content_type = mimetypes.guess_type(image.name)[0] or "application/octet-stream"
    size = image.stat().st_size
    with image.open("rb") as file, progress_bar(size) as progress:
        task = progress.add_task(image.name, total=size)
        files = {"image": (image.name, CountingReader(file, progress, task), content_type)}
        return api.json(method, path, data=fields, files=files, **kwargs)


def _token(api: Api, meme_id: int, given: str | None) -> str:
    token = given or Tokens(api.url).get(meme_id)
    if not token:
        api.request("GET", f"/memes/{meme_id}")  # a meme that is gone: that (404), not this
        raise Failure("Unauthorized", f"no edit token kept for meme {meme_id}: pass --token", AUTH)
    return token


@click.command(epilog=examples(
    "memes post boyfriend.jpg --title 'Distracted boyfriend' --tag classic --tag work",
    "memes post fine.png -t 'This is fine' -d 'The dog drinks coffee' --json | jq .id",
))  # fmt: skip
@click.argument("file", type=PICTURE)
@click.option("-t", "--title", required=True, help="1-200 characters.")
@click.option("-d", "--description", default="", help="At most 2000 characters.")
@click.option("--tag", "tags", multiple=True, help="A tag (repeat for more; or a,b,c).")
@click.option("--sensitive", is_flag=True, help="Mark it sensitive (the gallery blurs it).")
@as_json()
@pass_api
def post(
    api: Api, file: Path, title: str, description: str, tags: tuple, sensitive: bool, as_json: bool
) -> None:
    """Upload a picture (JPEG, PNG, GIF or WebP) as a new meme; the edit token the api answers
    with is kept in the token file, for edit and rm."""
    fields = {"title": title, "description": description, "tags": split_tags(tags)}
    if sensitive:
        fields["sensitive"] = "true"
    tokens = Tokens(api.url)  # before the upload: the new meme's token must have a place
    meme = _with_picture(api, "POST", "/memes", fields, file)
    if token := meme.pop("edit_token", None):
        tokens.keep(meme["id"], token)
        err.print(f"kept the edit token of meme {meme['id']} in {tokens.path}", markup=False)
    print_meme(api, meme, as_json)


@click.command(epilog=examples(
    "memes edit 1 --title 'Distracted developer'",
    "memes edit 1 --tag work --tag classic --description ''",
    "memes edit 1 --image new.png",
))  # fmt: skip
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@click.option("-t", "--title", help="A new title.")
@click.option("-d", "--description", help="A new description ('' empties it).")
@click.option("--tag", "tags", multiple=True, help="The new tags, replacing all (repeat).")
@click.option("--no-tags", is_flag=True, help="Remove every tag.")
@click.option("--image", type=PICTURE, help="A new picture.")
@TOKEN_OPTION
@as_json()
@pass_api
def edit(api: Api, meme_id: int, title, description, tags, no_tags, image, token, as_json) -> None:
    """Change a meme's title, description, tags or picture (only those given: PATCH)."""
    changes = {"title": title, "description": description}
    changes = {name: value for name, value in changes.items() if value is not None}
    if tags or no_tags:
        changes["tags"] = split_tags(tags)
    if not changes and image is None:
        raise click.UsageError("Nothing to change: give --title, --description, --tag or --image")
    headers = bearer(_token(api, meme_id, token))
    path = f"/memes/{meme_id}"
    if image is not None:
        meme = _with_picture(api, "PATCH", path, changes, image, headers=headers)
    else:
        headers["Content-Type"] = MERGE_PATCH
        meme = api.json("PATCH", path, json=changes, headers=headers)
    print_meme(api, meme, as_json)


RM_EXAMPLES = examples("memes rm 1", "memes rm 1 --yes", 'memes rm 1 -y --token "$ADMIN_TOKEN"')


@click.command(epilog=RM_EXAMPLES)
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@YES
@TOKEN_OPTION
@pass_api
def rm(api: Api, meme_id: int, yes: bool, token: str | None) -> None:
    """Delete a meme (and its picture, unless another meme uses it). Asks first (`Delete meme 1
    "Grumpy cat"? [y/N]`) unless --yes; with no terminal on stdin, --yes is needed."""
    if not yes and not sys.stdin.isatty():  # said before anything is asked of the api
        confirmed(api, meme_id, "Delete", yes)
    tokens = Tokens(api.url)  # read before the delete: the token is forgotten after it
    token = _token(api, meme_id, token)
    confirmed(api, meme_id, "Delete", yes)
    try:
        api.request("DELETE", f"/memes/{meme_id}", headers=bearer(token))
    except Failure as failure:
        if failure.exit_code == NOT_FOUND:
            tokens.forget(meme_id)  # deleted elsewhere (by the moderator, say)
        raise
    tokens.forget(meme_id)
    err.print(f"deleted meme {meme_id}")
