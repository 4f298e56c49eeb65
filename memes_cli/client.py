"""The api over HTTP (httpx): one client per command, and every failure as a `Failure` that
carries the one line to print and the exit code scripts can test."""

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import click
import httpx

DEFAULT_URL = "http://127.0.0.1:8080"
HAS_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")
# httpie's shorthand for this machine: `:8080` and `:8080/path` (a port, then a path).
LOCALHOST_SHORTHAND = re.compile(r"^:(?!:)(\d*)(/?.*)$")
# Quick to say the api is down, patient with a big picture on a slow link.
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

# Exit codes, for scripts (listed in `memes --help`).
OK, FAILED, USAGE, NOT_FOUND, AUTH, UNAVAILABLE = 0, 1, 2, 3, 4, 5
EXIT_CODES = {
    OK: "success",
    FAILED: "any other failure (the api refused the request, a download did not match, a file"
    " was not overwritten, rm was answered no, the token file cannot be read)",
    USAGE: "wrong usage: an unknown option, a missing argument, a file that does not exist,"
    " an address that is not http(s), rm with no terminal to ask on and no --yes",
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

    def pages(self, path: str, params: dict, every_page: bool, **kwargs) -> Iterator[dict]:
        """A page of `path`, and the pages after it if `every_page` (following each page's
        `next` cursor)."""
        params = dict(params)
        while True:
            page = self.json("GET", path, params=params, **kwargs)
            yield page
            if not (every_page and page["next"]):
                return
            params["cursor"] = page["next"]

    def items(self, path: str, params: dict, every_page: bool, **kwargs) -> Iterator[dict]:
        for page in self.pages(path, params, every_page, **kwargs):
            yield from page["items"]

    def absolute(self, url: str) -> str:
        """A URL of the api's answers, in full: the api gives paths (`/memes/1/image`), which
        are under MEMES_URL, the address this command reached it at (a URL in full stays)."""
        return url if HAS_SCHEME.match(url) else self.url + url

    def page_url(self, meme_id: int) -> str:
        """The meme's page in the gallery, the link to share."""
        return self.absolute(f"/m/{meme_id}")


@contextmanager
def unreachable_as_failure(url: str) -> Iterator[None]:
    try:
        yield
    except httpx.TimeoutException:
        raise Failure("Unavailable", f"the api at {url} did not answer in time", UNAVAILABLE)
    except httpx.TransportError as exc:
        reason = str(exc) or type(exc).__name__
        raise Failure("Unavailable", f"cannot reach the api at {url} ({reason})", UNAVAILABLE)


def read_url(value: str) -> str:
    """The api's address as httpie reads one: without a scheme it is http (`localhost:8080` is
    http://localhost:8080), and `:8080` (a port, maybe a path) is on localhost."""
    if not HAS_SCHEME.match(value):
        if shorthand := LOCALHOST_SHORTHAND.match(value):
            port, path = shorthand.groups()
            value = "localhost" + (f":{port}" if port else "") + path
        value = "http://" + value
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL as exc:
        raise click.BadParameter(f"{value}: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise click.BadParameter(f"{value}: not an http:// or https:// address with a host")
    return value.rstrip("/")


@contextmanager
def api_at(url: str) -> Iterator[Api]:
    headers = {"User-Agent": "memes-cli", "Accept": "application/json"}
    with httpx.Client(base_url=url, timeout=TIMEOUT, headers=headers) as http:
        yield Api(url.rstrip("/"), http)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def json_line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
