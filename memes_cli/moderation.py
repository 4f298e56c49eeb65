"""`memes report` for everyone, and `memes mod ...` for moderators (a moderator's token in
`--token` or MEMES_TOKEN): the queue of reported memes, hiding, removing and banning, the ban
list, the log."""

import click

from memes_cli.client import Api, Failure, bearer
from memes_cli.options import (
    MEME_ID,
    YES,
    as_json,
    confirmed,
    examples,
    pass_api,
    print_json,
    print_meme,
)
from memes_cli.render import bans_table, err, log_table, out, queue_table

REASONS = ("spam", "nsfw", "illegal", "harassment", "other")
CONFLICT = 409
MODERATOR_TOKEN = click.option(
    "--token", envvar="MEMES_TOKEN", required=True, help="A moderator's token (MEMES_TOKEN)."
)
REASON = click.option("--reason", help="Why, for the moderation log.")
PAGE = [
    click.option(
        "--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="Per page."
    ),
    click.option("--all", "every_page", is_flag=True, help="Follow the `next` cursors to the end."),
]


def paged(command):
    for option in reversed(PAGE):
        command = option(command)
    return command


@click.command(epilog=examples(
    "memes report 7 --reason spam",
    "memes report 7 --reason other --note 'my photo, posted without asking'",
))  # fmt: skip
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@click.option("--reason", type=click.Choice(REASONS), required=True, help="What is wrong.")
@click.option("--note", help="More for the moderators (at most 500 characters).")
@pass_api
def report(api: Api, meme_id: int, reason: str, note: str | None) -> None:
    """Report a meme to the moderators."""
    body = {"reason": reason} | ({"note": note} if note else {})
    api.json("POST", f"/memes/{meme_id}/reports", json=body)
    err.print(f"reported meme {meme_id} ({reason}); the moderators will look at it")


@click.group(epilog=examples(
    "export MEMES_TOKEN=<a moderator's token>",
    "memes mod queue",
    "memes mod hide 7 --reason spam",
))  # fmt: skip
def mod() -> None:
    """What moderators do: the reports' queue, hide, restore, dismiss, remove, ban, the ban
    list and the log. Needs a moderator's token (MODERATOR_TOKENS or ADMIN_TOKEN on the api)."""


@mod.command(epilog=examples("memes mod queue", "memes mod queue --all --json"))
@paged
@MODERATOR_TOKEN
@as_json()
@pass_api
def queue(api: Api, limit: int, every_page: bool, token: str, as_json: bool) -> None:
    """The reported memes, most reported first: counts by reason and the newest notes."""
    items = list(api.items("/reports", {"limit": limit}, every_page, headers=bearer(token)))
    print_json(items) if as_json else out.print(queue_table(items))


def _act(api: Api, meme_id: int, action: str, token: str, reason: str | None) -> bool:
    """Close the meme's open reports with `action`; False when it has none (nothing done)."""
    body = {"action": action} | ({"reason": reason} if reason else {})
    try:
        api.request("POST", f"/reports/{meme_id}/close", json=body, headers=bearer(token))
    except Failure as failure:
        if failure.status != CONFLICT:
            raise
        return False
    err.print(f"meme {meme_id}: {action}, and its open reports closed")
    return True


def _visibility(api: Api, meme_id: int, visibility: str, token: str, reason, as_json) -> None:
    body = {"visibility": visibility} | ({"reason": reason} if reason else {})
    meme = api.json("PATCH", f"/memes/{meme_id}", json=body, headers=bearer(token))
    print_meme(api, meme, as_json)


@mod.command(epilog=examples("memes mod hide 7 --reason spam"))
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@REASON
@MODERATOR_TOKEN
@as_json()
@pass_api
def hide(api: Api, meme_id: int, reason: str | None, token: str, as_json: bool) -> None:
    """Hide a meme from everyone but the moderators (closing its open reports)."""
    if _act(api, meme_id, "hide", token, reason):
        print_meme(api, api.json("GET", f"/memes/{meme_id}", headers=bearer(token)), as_json)
    else:
        _visibility(api, meme_id, "hidden", token, reason, as_json)


@mod.command(epilog=examples("memes mod restore 7"))
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@REASON
@MODERATOR_TOKEN
@as_json()
@pass_api
def restore(api: Api, meme_id: int, reason: str | None, token: str, as_json: bool) -> None:
    """Show a hidden meme again."""
    _visibility(api, meme_id, "public", token, reason, as_json)


@mod.command(epilog=examples("memes mod dismiss 7 --reason 'satire, allowed'"))
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@REASON
@MODERATOR_TOKEN
@pass_api
def dismiss(api: Api, meme_id: int, reason: str | None, token: str) -> None:
    """Close a meme's open reports and leave it as it is."""
    if not _act(api, meme_id, "dismiss", token, reason):
        raise Failure("Conflict", f"meme {meme_id} has no open report")


@mod.command(epilog=examples("memes mod remove 7 --reason harassment", "memes mod remove 7 -y"))
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@REASON
@YES
@MODERATOR_TOKEN
@pass_api
def remove(api: Api, meme_id: int, reason: str | None, yes: bool, token: str) -> None:
    """Delete a meme (closing its open reports). Asks first unless --yes."""
    confirmed(api, meme_id, "Remove", yes, bearer(token))
    if not _act(api, meme_id, "remove", token, reason):
        params = {"reason": reason} if reason else {}  # for the log
        api.request("DELETE", f"/memes/{meme_id}", params=params, headers=bearer(token))
        err.print(f"deleted meme {meme_id}")


@mod.command(epilog=examples("memes mod log", "memes mod log --meme 7 --json"))
@paged
@click.option("--meme", "meme_id", type=MEME_ID, help="Only this meme's entries.")
@MODERATOR_TOKEN
@as_json()
@pass_api
def log(api: Api, limit: int, every_page: bool, meme_id, token: str, as_json: bool) -> None:
    """Every moderator's action, newest first: who, what, which meme, when and why."""
    params = {"limit": limit} | ({"meme_id": meme_id} if meme_id else {})
    items = list(api.items("/moderation/log", params, every_page, headers=bearer(token)))
    print_json(items) if as_json else out.print(log_table(items))


@mod.command(epilog=examples("memes mod ban 7 --reason 'stolen picture'", "memes mod ban 7 -y"))
@click.argument("meme_id", metavar="ID", type=MEME_ID)
@REASON
@YES
@MODERATOR_TOKEN
@as_json()
@pass_api
def ban(api: Api, meme_id: int, reason: str | None, yes: bool, token: str, as_json: bool) -> None:
    """Delete a meme, with every meme of its picture, and refuse that picture and its near
    copies at upload from now on (closing its open reports). Asks first unless --yes."""
    confirmed(api, meme_id, "Ban the picture of", yes, bearer(token))
    body = {"meme_id": meme_id} | ({"reason": reason} if reason else {})
    made = api.json("POST", "/bans", json=body, headers=bearer(token))
    if as_json:
        print_json(made)
    else:
        err.print(f"meme {meme_id} removed and its picture banned (ban {made['id']})")


@mod.command(epilog=examples("memes mod bans", "memes mod bans --all --json"))
@paged
@MODERATOR_TOKEN
@as_json()
@pass_api
def bans(api: Api, limit: int, every_page: bool, token: str, as_json: bool) -> None:
    """The banned pictures, newest first."""
    items = list(api.items("/bans", {"limit": limit}, every_page, headers=bearer(token)))
    print_json(items) if as_json else out.print(bans_table(items))


@mod.command(epilog=examples("memes mod unban 3"))
@click.argument("ban_id", metavar="BAN", type=MEME_ID)
@MODERATOR_TOKEN
@pass_api
def unban(api: Api, ban_id: int, token: str) -> None:
    """Lift a ban: its picture may be posted again (the memes it removed stay gone)."""
    api.request("DELETE", f"/bans/{ban_id}", headers=bearer(token))
    err.print(f"ban {ban_id} lifted")
