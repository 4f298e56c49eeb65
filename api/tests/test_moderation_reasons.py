"""A moderator's reason, wherever it is given (hiding, marking sensitive, deleting, banning,
closing reports), is checked as a report's note: NUL or over 500 characters is a 422 that
changes nothing, never a 500."""

import pytest

from api.tests.test_moderation import ALICE, bearer, client
from tests.helpers import create_meme, problem_of, query

__all__ = ["client"]  # the fixture: an api with moderators
BAD = ["nul\u0000", "x" * 501, 7]


@pytest.mark.parametrize("reason", BAD, ids=["nul", "long", "number"])
@pytest.mark.parametrize("route", ["hide", "sensitive", "delete", "ban", "close"])
async def test_a_bad_reason_is_422_and_changes_nothing(client, database_url, route, reason):
    meme = await create_meme(client, "Kept")
    url, auth = f"/memes/{meme['id']}", bearer(ALICE)
    if route == "close":
        assert (await client.post(f"{url}/reports", json={"reason": "spam"})).status == 201
    if route == "delete" and not isinstance(reason, str):
        return  # a query string has no numbers
    requests = {
        "hide": lambda: client.patch(url, json={"visibility": "hidden", "reason": reason}, headers=auth),
        "sensitive": lambda: client.patch(url, json={"sensitive": True, "reason": reason}, headers=auth),
        "delete": lambda: client.delete(url, params={"reason": reason}, headers=auth),
        "ban": lambda: client.post("/bans", json={"meme_id": meme["id"], "reason": reason}, headers=auth),
        "close": lambda: client.post(
            f"/reports/{meme['id']}/close", json={"action": "hide", "reason": reason}, headers=auth
        ),
    }  # fmt: skip
    body = await problem_of(await requests[route](), 422, "validation-failed")
    assert "reason" in body["detail"]
    shown = await (await client.get(url)).json()
    assert (shown["visibility"], shown["sensitive"]) == ("public", False)
    assert query(database_url, "SELECT count(*) FROM moderation_log") == [(0,)]
    assert query(database_url, "SELECT count(*) FROM bans") == [(0,)]
