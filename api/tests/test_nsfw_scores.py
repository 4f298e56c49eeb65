"""The NSFW score from the real model (open_nsfw, in the image workers): a picture's job stores
it, and `jobs --backfill nsfw` scores a picture processed before scores existed."""

import io

import pytest

from api.domain.nsfw import backfill
from api.web.state import SERVICES
from tests.helpers import eventually, query, working
from tests.meme_pictures import meme_picture

pytestmark = pytest.mark.slow  # the models load in each image worker process


async def test_a_pictures_job_stores_its_score_and_the_backfill_gives_it_again(
    client, database_url
):
    form = {"title": "Plain", "image": io.BytesIO(meme_picture("cats hate", "monday", 0.4))}
    meme = await (await client.post("/memes", data=form)).json()
    assert meme["nsfw"] is None
    services = client.server.app[SERVICES]

    async def done() -> bool:
        return (await (await client.get(f"/memes/{meme['id']}")).json())["processing"] == "done"

    async with working(services):
        assert await eventually(done, 60)
    shown = await (await client.get(f"/memes/{meme['id']}")).json()
    assert 0 <= shown["nsfw"] < 0.3 and shown["sensitive"] is False  # a plain meme scores low
    stored = query(
        database_url, "SELECT f.nsfw, b.nsfw FROM picture_features f JOIN blobs b USING (sha256)"
    )
    assert stored == [(shown["nsfw"], shown["nsfw"])]

    # As if processed before scores existed: the backfill scores it again, the same.
    query_sql = "UPDATE picture_features SET nsfw = NULL RETURNING sha256"
    assert query(database_url, query_sql) == [(meme["sha256"],)]
    assert (await (await client.get(f"/memes/{meme['id']}")).json())["nsfw"] is None
    steps = []
    assert await backfill(services, lambda *step: steps.append(step)) == 1
    assert steps == [(1, 1)]
    again = await (await client.get(f"/memes/{meme['id']}")).json()
    assert again["nsfw"] == pytest.approx(shown["nsfw"], abs=1e-6)
    assert await backfill(services, lambda *step: None) == 0  # nothing left
