"""Fixtures of the api's tests."""

import hashlib

import pytest

from tests.helpers import create_meme, query


@pytest.fixture
async def zoo(client) -> dict[str, dict]:
    """Five memes, oldest first, by title (each with its edit token)."""
    memes = [
        await create_meme(client, "Grumpy cat", "Not amused at all", ["cats", "classic"]),
        await create_meme(
            client, "Distracted boyfriend", "He looks at the other one", ["classic", "work"]
        ),
        await create_meme(client, "Doge", "Such wow, very meme", ["dogs", "classic"]),
        await create_meme(client, "Office cat", "Keyboard warmer", ["cats", "work"]),
        await create_meme(
            client, "This is fine", "Dog in a burning room, distracted by coffee", ["dogs"]
        ),
    ]
    return {meme["title"]: meme for meme in memes}


@pytest.fixture
def nothing_stored(database_url, blob_gone):
    """Checks that no meme, no blob row and none of `images` is stored."""

    async def check(*images: bytes) -> None:
        assert query(database_url, "SELECT count(*) FROM memes") == [(0,)]
        assert query(database_url, "SELECT count(*) FROM blobs") == [(0,)]
        for image in images:
            assert await blob_gone(hashlib.sha256(image).hexdigest())

    return check
