"""Bans that stick: a ban deletes the meme (and every meme of its picture) and refuses the same
picture and its near copies at upload, before anything is stored, while the same template with
other words is posted as ever; the moderators' `/bans` and `DELETE /bans/{id}`, logged."""

import io
import random

import pytest
from PIL import Image

from api.app import create_app
from api.domain.bans import ban_meme
from api.errors import NotFound
from api.imaging.copies import CHUNKS, MAX_DISTANCE, chunks, copy_hash_of
from api.web.state import SERVICES
from tests.helpers import api_settings_for, meme_form, owner, problem_of, query
from tests.meme_pictures import meme_picture

ALICE = "alices-token-0123456789abc"
HEADERS = {"Authorization": f"Bearer {ALICE}"}
BANNED = meme_picture("one does not simply", "post it again", 0.6)
OTHER_CAPTION = meme_picture("when the moderator", "bans your meme", 0.6)  # the same template
UNRELATED = meme_picture("something else", "entirely", 0.1, shape=1)


def copy_of(data: bytes, scale: float, quality: int) -> bytes:
    """The picture resized and recompressed as JPEG, as a repost is."""
    with Image.open(io.BytesIO(data)) as image:
        size = (round(image.width * scale), round(image.height * scale))
        buffer = io.BytesIO()
        image.resize(size, Image.LANCZOS).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture
async def client(aiohttp_client, database_url, media_server, tmp_path):
    settings = api_settings_for(
        database_url, str(media_server.make_url("")), tmp_path, moderator_tokens=f"alice:{ALICE}"
    )
    return await aiohttp_client(create_app(settings))


async def post(client, image: bytes, title: str = "A meme"):
    return await client.post("/memes", data=meme_form(title, image))


async def posted(client, image: bytes, title: str = "A meme") -> dict:
    response = await post(client, image, title)
    assert response.status == 201, await response.text()
    return await response.json()


async def stored_objects(client) -> list[str]:
    listed = await client.server.app[SERVICES].media.list_after("", 1000)
    return sorted(blob.key for blob in listed)


async def test_a_ban_refuses_the_picture_and_near_copies_but_not_another_caption(
    client, database_url, blob_gone
):
    meme = await posted(client, BANNED)
    ban = await ban_meme(client.server.app[SERVICES], meme["id"], "alice", "spam")
    assert (ban["meme_id"], ban["sha256"], ban["moderator"]) == (
        meme["id"],
        meme["sha256"],
        "alice",
    )
    assert (await client.get(f"/memes/{meme['id']}")).status == 404
    assert await blob_gone(meme["sha256"])  # deleted just after the ban, by the outbox
    kept = await stored_objects(client)

    copies = [BANNED, copy_of(BANNED, 1.0, 70), copy_of(BANNED, 0.5, 60), copy_of(BANNED, 1.5, 85)]
    for copy in copies:
        body = await problem_of(await post(client, copy), 422, "picture-banned")
        assert "banned" in body["detail"]
    assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]
    assert query(database_url, "SELECT count(*) FROM blobs") == [(0,)]
    assert await stored_objects(client) == kept  # nothing reached media

    other = await posted(client, OTHER_CAPTION, "Same template, other words")
    assert (await client.get(f"/memes/{other['id']}")).status == 200


async def test_a_banned_picture_cannot_replace_a_memes_picture(client, blob_gone):
    banned = await posted(client, BANNED)
    await ban_meme(client.server.app[SERVICES], banned["id"], "alice")
    assert await blob_gone(banned["sha256"])
    meme = await posted(client, UNRELATED)
    kept = await stored_objects(client)

    for method in (client.put, client.patch):
        response = await method(
            f"/memes/{meme['id']}",
            data=meme_form("Swapped", copy_of(BANNED, 0.8, 75)),
            headers=owner(meme),
        )
        await problem_of(response, 422, "picture-banned")
    shown = await (await client.get(f"/memes/{meme['id']}")).json()
    assert (shown["title"], shown["sha256"]) == ("A meme", meme["sha256"])
    assert await stored_objects(client) == kept


async def test_a_ban_removes_every_meme_of_the_picture_in_one_logged_change(client, database_url):
    first, second = await posted(client, BANNED), await posted(client, BANNED)
    unrelated = await posted(client, UNRELATED)
    ban = await ban_meme(client.server.app[SERVICES], second["id"], "alice", "spam")

    for meme, status in ((first, 404), (second, 404), (unrelated, 200)):
        assert (await client.get(f"/memes/{meme['id']}")).status == status
    assert query(database_url, "SELECT sha256 FROM blobs") == [(unrelated["sha256"],)]
    log = query(
        database_url, "SELECT moderator, action, meme_id, reason, details FROM moderation_log"
    )
    details = {"ban": ban["id"], "sha256": first["sha256"]}
    assert sorted(log, key=lambda row: row[1]) == [
        ("alice", "ban", second["id"], "spam", details | {"removed": [first["id"]]}),
        ("alice", "remove", first["id"], "spam", details),
    ]


async def test_a_failed_ban_changes_nothing(client, database_url):
    meme = await posted(client, BANNED)
    services = client.server.app[SERVICES]
    # The meme goes first: a ban of a meme that is gone is 404, with no ban and no log.
    await client.delete(f"/memes/{meme['id']}", headers=owner(meme))
    with pytest.raises(NotFound):
        await ban_meme(services, meme["id"], "alice")
    assert query(database_url, "SELECT count(*) FROM bans") == [(0,)]
    assert query(database_url, "SELECT count(*) FROM moderation_log") == [(0,)]


@pytest.mark.parametrize("path", ["/bans", "/bans/1"])
async def test_bans_are_for_moderators(client, path):
    meme = await posted(client, UNRELATED)
    method = client.get if path == "/bans" else client.delete
    await problem_of(await method(path), 401, "unauthorized")
    await problem_of(await method(path, headers=owner(meme)), 403, "forbidden")


async def test_the_ban_list_pages_newest_first_and_an_unban_is_logged(client, database_url):
    services = client.server.app[SERVICES]
    pictures = [BANNED, UNRELATED, meme_picture("a third", "picture", 0.3, shape=2)]
    memes = [await posted(client, picture) for picture in pictures]
    for meme in memes:
        await ban_meme(services, meme["id"], "alice", f"spam {meme['id']}")

    first = await client.get("/bans?limit=2", headers=HEADERS)
    page = await first.json()
    assert [ban["meme_id"] for ban in page["items"]] == [memes[2]["id"], memes[1]["id"]]
    assert set(page["items"][0]) == {"id", "sha256", "created_at", "moderator", "reason", "meme_id"}
    assert page["items"][0]["reason"] == f"spam {memes[2]['id']}"
    assert 'rel="next"' in first.headers["Link"]
    rest = await (await client.get(f"/bans?cursor={page['next']}", headers=HEADERS)).json()
    assert [ban["meme_id"] for ban in rest["items"]] == [memes[0]["id"]] and rest["next"] is None
    log = await (await client.get("/moderation/log?limit=1", headers=HEADERS)).json()
    response = await client.get(f"/bans?cursor={log['next']}", headers=HEADERS)
    await problem_of(response, 400, "invalid-cursor")  # the log's cursor is not the bans'

    await problem_of(await post(client, BANNED), 422, "picture-banned")
    lifted = rest["items"][0]
    assert (await client.delete(f"/bans/{lifted['id']}", headers=HEADERS)).status == 204
    await posted(client, BANNED)  # may be posted again
    await problem_of(
        await client.delete(f"/bans/{lifted['id']}", headers=HEADERS), 404, "not-found"
    )
    entry = query(
        database_url,
        "SELECT moderator, meme_id, details FROM moderation_log WHERE action = 'unban'",
    )
    assert entry == [("alice", memes[0]["id"], {"ban": lifted["id"], "sha256": lifted["sha256"]})]
    assert query(database_url, "SELECT count(*) FROM bans") == [(2,)]


@pytest.mark.parametrize("ban_id", ["abc", "0", "-1", str(2**63)])
async def test_a_bad_ban_id_is_422(client, ban_id):
    await problem_of(
        await client.delete(f"/bans/{ban_id}", headers=HEADERS), 422, "validation-failed"
    )


def test_hashes_within_the_greatest_distance_share_a_chunk():
    rng = random.Random(21)
    for _ in range(500):
        value = rng.getrandbits(256)
        flipped = value
        for bit in rng.sample(range(256), MAX_DISTANCE):
            flipped ^= 1 << bit
        a, b = f"{value:064x}", f"{flipped:064x}"
        assert len(chunks(a)) == CHUNKS and set(chunks(a)) & set(chunks(b))


def test_the_upload_hash_is_the_stored_pictures(tmp_path):
    from api.imaging.clean import ImageLimits, clean_image

    source, target = tmp_path / "in", tmp_path / "out"
    source.write_bytes(copy_of(BANNED, 0.7, 80))
    image = clean_image(source, target, ImageLimits(10**8, 10**4, 10**4, 100))
    assert image.copy_hash == copy_hash_of(target.read_bytes()) == copy_hash_of(target)
