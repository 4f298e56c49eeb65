"""The api over HTTP (httpx): one client per command, and every failure as a `Failure` that
carries the one line to print and the exit code scripts can test."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
# Quick to say the api is down, patient with a big picture on a slow link.
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

# Exit codes, for scripts (listed in `memes --help`).
OK, FAILED, USAGE, NOT_FOUND, AUTH, UNAVAILABLE = 0, 1, 2, 3, 4, 5
EXIT_CODES = {
    OK: "success",
    FAILED: "any other failure (the api refused the request, a download did not match, the"
    " token file cannot be read)",
    USAGE: "wrong usage: an unknown option, a missing argument, a file that does not exist",
    NOT_FOUND: "no such meme (404)",
    AUTH: "no edit token, or not this meme's (401, 403)",
    UNAVAILABLE: "the api cannot be reached, or answers 503",
}


class Failure(click.ClickException):
    """One line on stderr, `title: detail`, and an exit code from EXIT_CODES."""

    def __init__(self, title: str, detail: str, exit_code: int = FAILED, status: int = 0):
        super().__init__(f"{title}: {detail}")
        self.exit_code = exit_code
        self.status = status  # the api's answer, if it answered

    def show(self, file=None) -> None:
        click.echo(self.message, err=True)


def exit_code_for(status: int) -> int:
    if status == 404:
        return NOT_FOUND
    if status in (401, 403):
        return AUTH
    if status == 503:
        return UNAVAILABLE
    return FAILED


def failure_from(response: httpx.Response) -> Failure:
    """The problem JSON's title and detail (every error of the api is one); else the status."""
    response.read()
    try:
        problem = response.json()
        title, detail = problem["title"], problem["detail"]
    except (ValueError, KeyError, TypeError):
        title, detail = response.reason_phrase or "Error", f"HTTP {response.status_code}"
    return Failure(title, detail, exit_code_for(response.status_code), response.status_code)


@dataclass
class Api:
    """The api at `url`: requests that answer with an error or do not connect raise Failure."""

    url: str
    http: httpx.Client

    def check(self, response: httpx.Response) -> httpx.Response:
        if response.is_error:
            raise failure_from(response)
        return response

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        with unreachable_as_failure(self.url):
            return self.check(self.http.request(method, path, **kwargs))

    @contextmanager
    def stream(self, method: str, path: str, **kwargs) -> Iterator[httpx.Response]:
        with unreachable_as_failure(self.url):
            with self.http.stream(method, path, **kwargs) as response:
                if response.status_code != 416:  # a resumed download handles it
                    self.check(response)
                yield response

    def json(self, method: str, path: str, **kwargs) -> dict:
        return self.request(method, path, **kwargs).json()

    def items(self, path: str, params: dict, every_page: bool, **kwargs) -> Iterator[dict]:
        """The items of a page of `path`, and of the pages after it if `every_page` (following
        each page's `next` cursor)."""
        params = dict(params)
        while True:
            page = self.json("GET", path, params=params, **kwargs)
            yield from page["items"]
            if not (every_page and page["next"]):
                return
            params["cursor"] = page["next"]


@contextmanager
def unreachable_as_failure(url: str) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException:
        raise Failure("Unavailable", f"the api at {url} did not answer in time", UNAVAILABLE)
    except httpx.TransportError as exc:
        reason = str(exc) or type(exc).__name__
        raise Failure("Unavailable", f"cannot reach the api at {url} ({reason})", UNAVAILABLE)


@contextmanager
def api_at(url: str) -> Iterator[Api]:
    headers = {"User-Agent": "memes-cli", "Accept": "application/json"}
    with httpx.Client(base_url=url, timeout=TIMEOUT, headers=headers) as http:
        yield Api(url.rstrip("/"), http)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
