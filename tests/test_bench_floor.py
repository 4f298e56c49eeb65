"""The floor and the reference of `python -m bench serving` (bench/floor.py, bench/reference.py)
answer what the api answers, from the same rows: a ratio to them means something only if they
find the same memes (a floor answering 404s fast would flatter nothing but itself)."""

from bench import floor, reference
from tests.helpers import create_meme


async def test_the_floor_and_the_reference_answer_the_apis_memes(
    client, aiohttp_client, database_url
):
    made = [await create_meme(client, f"Meme {n}", description=f"words {n}") for n in range(22)]
    bare = await aiohttp_client(floor.create_app(database_url, 2))
    same_sql = await aiohttp_client(reference.create_app(database_url, 2))

    one = made[5]
    response = await bare.get(f"/memes/{one['id']}")
    assert response.status == 200
    body = await response.json()
    assert (body["id"], body["title"], body["description"]) == (one["id"], "Meme 5", "words 5")
    assert set(body) == {"id", "title", "description", "created_at"}
    assert (await bare.get("/memes/999999")).status == 404

    api_page = await (await client.get("/memes?limit=20")).json()
    first_ids = [meme["id"] for meme in api_page["items"]]
    assert first_ids == [meme["id"] for meme in reversed(made)][:20]
    assert [meme["id"] for meme in await (await bare.get("/memes")).json()] == first_ids

    response = await same_sql.get(f"/memes/{one['id']}")
    assert response.status == 200
    assert (await response.json())["id"] == one["id"]
    assert [row["id"] for row in await (await same_sql.get("/memes")).json()] == first_ids
