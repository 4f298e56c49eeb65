"""`memes`: post, find, fetch, change and export memes from the shell.

Every command is a few HTTP requests to the api (`MEMES_URL`); errors are the api's problem
JSON on one line, and the exit code says which kind of failure it was (EXIT_CODES)."""

from collections.abc import Callable
from pathlib import Path

import click

from memes_cli import changes, moderation
from memes_cli.client import DEFAULT_URL, EXIT_CODES, Api, api_at, read_url
from memes_cli.options import MEME_ID, as_json, examples, pass_api, print_json, print_meme
from memes_cli.render import err, memes_table, out, tags_table, templates_table
from memes_cli.transfer import counter, download, download_to_stdout

SORTS = ("-created_at", "created_at", "title", "-title")
SIZES = ("original", "thumb", "small")
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/webp": "webp"}
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


EPILOG = (
    examples(
        "export MEMES_URL=http://127.0.0.1:8080",
        "memes post cat.jpg --title 'Grumpy cat' --tag cats",
        "memes ls --tag cats",
        "memes get 1 -o cat.jpg",
    )
    + "\n\n\b\nExit codes:\n"
    + "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    + "\n\n\b\nEnvironment:\n"
    + f"  MEMES_URL         the api (default {DEFAULT_URL}; as httpie reads it:\n"
    + "                    localhost:8080 is http://localhost:8080, and so is :8080)\n"
    + "  MEMES_TOKEN       an edit token for edit and rm, or a moderator's (for mod too)\n"
    + "  MEMES_TOKEN_FILE  where edit tokens are kept"
    + " (default $XDG_CONFIG_HOME/memes/tokens.json, mode 0600)"
)


@click.group(context_settings=CONTEXT, epilog=EPILOG)
@click.option("--url", envvar="MEMES_URL", default=DEFAULT_URL, show_default=True,
              callback=lambda ctx, param, value: read_url(value),
              help="The api's address (MEMES_URL; without a scheme, http).")  # fmt: skip
@click.version_option(package_name="memes", prog_name="memes")
@click.pass_context
def cli(ctx: click.Context, url: str) -> None:
    """Post, find, download, change and export memes: a client of the memes api."""
    ctx.obj = ctx.with_resource(api_at(url))


def filter_options(command: Callable) -> Callable:
    """The filters of GET /memes and /memes/export."""
    options = [
        click.option("--q", "-q", help="Words to find (each as a prefix)."),
        click.option("--tag", help="Only memes with this tag."),
        click.option("--tags-all", multiple=True, help="Only memes with all these (repeat)."),
        click.option("--tags-any", multiple=True, help="Only memes with any of these (repeat)."),
        click.option("--template", type=MEME_ID, help="Only memes of this template."),
        click.option("--sort", type=click.Choice(SORTS), help="Default: newest, or relevance."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def filters(q, tag, tags_all, tags_any, template, sort) -> dict:
    chosen = {"q": q, "tag": tag, "tags_all": list(tags_all), "tags_any": list(tags_any),
              "template": template}  # fmt: skip
    return {name: value for name, value in (chosen | {"sort": sort}).items() if value}


LS_EXAMPLES = examples(
    "memes ls",
    "memes ls -q distrac --tag classic --limit 5",
    "memes ls --template 3",
    "memes ls --tags-any dogs --tags-any cats --all --ndjson",
    "memes ls --cursor <next>  # the page after, as the last line of a page says",
)
GET_EXAMPLES = examples(
    "memes get 1",
    "memes get 1 -o boyfriend.jpg",
    "memes get 1 --size thumb -o thumb.webp",
    "memes get 1 -o - | file -",
)


@cli.command(epilog=LS_EXAMPLES)
@filter_options
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True,
              help="Memes per page.")  # fmt: skip
@click.option("--all", "every_page", is_flag=True, help="Follow the `next` cursors to the end.")
@click.option("--cursor", help="Start at this page (the `next` of the one before).")
@as_json()
@click.option("--ndjson", is_flag=True, help="One JSON meme per line, for scripts.")
@pass_api
def ls(
    api: Api, limit: int, every_page: bool, cursor: str | None, as_json: bool, ndjson: bool,
    **chosen,
) -> None:
    """List memes, newest first: a table, or JSON. When more memes match than are shown, the
    last line on stderr says how many match (when the api counts them) and how to see more."""
    params = filters(**chosen) | {"limit": limit} | ({"cursor": cursor} if cursor else {})
    memes, shown, page = [], 0, {}
    for page in api.pages("/memes", params, every_page):
        shown += len(page["items"])
        for meme in page["items"]:
            print_json(meme) if ndjson else memes.append(meme)
    if as_json:
        print_json(memes)
    elif not ndjson:
        out.print(memes_table(memes, out.width))
    if page.get("next"):  # stderr: the JSON on stdout stays whole for scripts
        of = "" if page.get("total") is None else f" of {page['total']}"
        more = f"{shown} shown{of}; more with --all or --cursor {page['next']}"
        err.print(more, markup=False, soft_wrap=True)  # one line, the cursor whole to copy


@cli.command(epilog=examples("memes show 1", "memes show 1 --json"))
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@as_json()
@pass_api
def show(api: Api, meme_id: int, as_json: bool) -> None:
    """Show one meme."""
    print_meme(api, api.json("GET", f"/memes/{meme_id}"), as_json)


@cli.command(epilog=examples("memes tags", "memes tags --json"))
@as_json()
@pass_api
def tags(api: Api, as_json: bool) -> None:
    """The tags in use, most used first, with how many memes have each."""
    items = api.json("GET", "/tags")["items"]
    print_json(items) if as_json else out.print(tags_table(items))


@cli.command(epilog=examples("memes templates", "memes templates --all --json"))
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True,
              help="Templates per page.")  # fmt: skip
@click.option("--all", "every_page", is_flag=True, help="Follow the `next` cursors to the end.")
@as_json()
@pass_api
def templates(api: Api, limit: int, every_page: bool, as_json: bool) -> None:
    """The templates, most used first: how many memes use each, and its example meme (list a
    template's memes with `memes ls --template ID`)."""
    items = list(api.items("/templates", {"limit": limit}, every_page))
    print_json(items) if as_json else out.print(templates_table(items, api.absolute))


@cli.command(epilog=GET_EXAMPLES)
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True),
              help="Where to write it (- for stdout; default ID.jpg, ID-thumb.webp).")  # fmt: skip
@click.option("--size", type=click.Choice(SIZES), default="original", show_default=True,
              help="thumb: 160 pixels a side at most, small: 480 (WebP).")  # fmt: skip
@click.option("-f", "--force", is_flag=True, help="Overwrite a file that is not this picture.")
@pass_api
def get(api: Api, meme_id: int, output: str | None, size: str, force: bool) -> None:
    """Download a meme's picture. A partial file of an interrupted download (FILE.etag beside
    it) is resumed where it stopped, and every finished file is checked against the picture's
    sha256. Another file already there is left alone, unless --force."""
    meme = api.json("GET", f"/memes/{meme_id}")
    if output == "-":
        return download_to_stdout(api, meme, size)
    if output is None:  # thumbnails are WebP
        extension = EXTENSIONS.get(meme["content_type"], "bin")
        output = f"{meme_id}.{extension}" if size == "original" else f"{meme_id}-{size}.webp"
    done = download(api, meme, size, Path(output), force)
    err.print(f"{output}: {done}", markup=False)


@cli.command(epilog=examples("memes export -o memes.ndjson", "memes export --tag classic | wc -l"))
@filter_options
@click.option("-o", "--output", type=click.File("w", lazy=True), default="-",
              help="Where to write the NDJSON (default stdout).")  # fmt: skip
@pass_api
def export(api: Api, output, **chosen) -> None:
    """Every matching meme as NDJSON (one JSON meme per line), with a running count."""
    count = 0
    with api.stream("GET", "/memes/export", params=filters(**chosen)) as response:
        with counter("exported {count} memes") as running:
            for line in response.iter_lines():
                if line:
                    output.write(line + "\n")
                    count += 1
                    running(count)
    err.print(f"exported {count} meme{'' if count == 1 else 's'}")


cli.add_command(changes.post)
cli.add_command(changes.edit)
cli.add_command(changes.rm)
cli.add_command(moderation.report)
cli.add_command(moderation.mod)
