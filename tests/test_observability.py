"""What an operator sees: JSON logs in which one request id follows a request through both
services, an outage logged once at its start and once at its end, and Prometheus metrics on a
port of their own, labelled with route templates."""

import asyncio
import json
import re
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from tests.helpers import meme_form
from tests.pictures import picture
from tests.processes import ApiProcess, MediaProcess, free_port

pytestmark = pytest.mark.slow


def log_records(path: Path) -> list[dict]:
    """Every line of the log is one JSON object."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def eventually_logged(path: Path, wanted) -> list[dict]:
    """The records that `wanted` picks, once there are some (a line lands a moment late)."""
    for _ in range(50):
        if found := [record for record in log_records(path) if wanted(record)]:
            return found
        await asyncio.sleep(0.05)
    return []


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


@pytest.fixture
def services(database_url, tmp_path):
    """Media and the api as processes, logging JSON, with their metrics ports."""
    media = MediaProcess(tmp_path / "media", log_format="json", media_metrics_port=free_port()).start()
    api = ApiProcess(
        tmp_path / "api-tmp",
        database_url=database_url,
        media_url=media.url,
        media_timeout_seconds=1,
        media_breaker_cooldown_seconds=0.5,
        apply_migrations="false",
        reconcile_interval_seconds=0,
        data_dir=tmp_path,
        log_format="json",
        api_metrics_port=free_port(),
        trusted_proxies="127.0.0.1",  # the tests' requests come as from a proxy
    )
    yield api.start(), media
    api.stop()
    media.stop()


async def test_one_request_id_follows_a_request_through_both_logs(services):
    api, media = services
    async with aiohttp.ClientSession(api.url) as http:
        traced = {"X-Request-ID": "trace-4f2a.1", "X-Forwarded-For": "203.0.113.7"}
        async with http.post("/memes", data=meme_form("Traced"), headers=traced) as response:
            assert response.status == 201
            assert response.headers["X-Request-ID"] == "trace-4f2a.1"
            meme = await response.json()
        async with http.get(f"/memes/{meme['id']}/image") as response:
            assert response.status == 200
            made = response.headers["X-Request-ID"]  # none sent: one made up
        async with http.get("/memes", headers={"X-Request-ID": "no spaces\tor tabs"}) as response:
            replaced = response.headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", made) and re.fullmatch(r"[0-9a-f]{32}", replaced)

    [line] = await eventually_logged(
        api.log, lambda r: r.get("request_id") == "trace-4f2a.1" and "route" in r
    )
    assert line["level"] == "INFO" and line["service"] == "api" and line["time"]
    assert line["method"] == "POST" and line["route"] == "/memes" and line["status"] == 201
    assert line["duration_ms"] > 0 and line["bytes"] > 0
    assert line["client"] == "203.0.113.7"  # whom the trusted proxy named, not the proxy
    [stored] = await eventually_logged(
        media.log, lambda r: r.get("request_id") == "trace-4f2a.1" and "route" in r
    )
    assert stored["service"] == "media" and stored["method"] == "PUT"
    assert stored["route"] == "/blobs/{key}" and stored["status"] == 201
    [read] = await eventually_logged(api.log, lambda r: r.get("request_id") == made)
    assert read["route"] == "/memes/{id}/image" and read["path"] == f"/memes/{meme['id']}/image"
    assert read["client"] == "127.0.0.1"  # no X-Forwarded-For: the peer is the client
    assert await eventually_logged(media.log, lambda r: r.get("request_id") == made)


async def test_a_media_outage_is_logged_once_when_it_starts_and_once_when_it_ends(services):
    api, media = services
    media.kill()
    async with aiohttp.ClientSession(api.url) as http:
        for n in range(12):
            async with http.post("/memes", data=meme_form(f"down {n}")) as response:
                assert response.status == 503
        await asyncio.to_thread(media.start)
        for _ in range(40):  # the breaker lets a probe through after its cool-down
            async with http.post("/memes", data=meme_form("back")) as response:
                if response.status == 201:
                    break
            await asyncio.sleep(0.1)
        assert response.status == 201
    records = log_records(api.log)
    messages = [record["message"] for record in records]
    assert len([m for m in messages if m.startswith("media outage started")]) == 1
    assert len([m for m in messages if m.startswith("media outage ended")]) == 1
    assert not [m for m in messages if "unreachable" in m]
    assert not [r for r in records if r["name"] == "stamina"]  # no line per retry
    api_metrics = scrape(int(api.env["API_METRICS_PORT"]))
    assert re.search(r"\nstamina_retries_total\{[^}]*\} [1-9]", api_metrics)  # still counted


async def test_metrics_are_on_their_own_port_by_route_template(services):
    api, media = services
    async with aiohttp.ClientSession(api.url) as http:
        async with http.post("/memes", data=meme_form("Counted", picture(color="blue"))) as r:
            meme = await r.json()
        for _ in range(3):
            async with http.get(f"/memes/{meme['id']}") as response:
                assert response.status == 200
        async with http.get("/memes/999999") as response:
            assert response.status == 404
        async with http.get("/metrics") as response:  # not on the public port
            assert response.status == 404
    api_metrics = scrape(int(api.env["API_METRICS_PORT"]))
    assert (
        'http_request_duration_seconds_count{method="GET",route="/memes/{id}",status="200"} 3.0'
        in api_metrics
    )
    assert 'route="/memes/{id}",status="404"' in api_metrics
    assert f'route="/memes/{meme["id"]}"' not in api_metrics  # never the raw path
    assert "http_requests_in_flight" in api_metrics
    assert 'dependency="media",operation="put",outcome="ok"' in api_metrics
    assert '\nhttp_problems_total{code="not-found"} 2.0' in api_metrics  # the meme, /metrics
    gauges = ("db_pool_connections", "db_pool_connections_in_use", "image_workers_queued")
    gauges += ("media_breaker_state", "picture_cache_bytes", "picture_jobs", "dependency_up")
    for name in gauges:
        assert f"\n{name}" in api_metrics, name
    media_metrics = scrape(int(media.env["MEDIA_METRICS_PORT"]))
    assert re.search(
        r'http_request_duration_seconds_count\{method="PUT",route="/blobs/\{key\}",status="201"\}',
        media_metrics,
    )
    assert 'dependency="disk",operation="put",outcome="ok"' in media_metrics
    async with aiohttp.ClientSession(media.url) as http, http.get("/metrics") as response:
        assert response.status in (401, 404)  # media's own port has no metrics either
