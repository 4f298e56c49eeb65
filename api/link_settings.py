"""Where the api is reached from outside: `PUBLIC_URL`, the start of every absolute URL it gives
(the `Location` of a new meme, a meme page's card for chats). A part of `ApiSettings`; each
description is a row of the settings table in docs/settings.md."""

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings
from yarl import URL


class LinkSettings(BaseSettings):
    public_url: str | None = Field(
        None,
        description="the api's address as people reach it (e.g. `https://memes.example.com`):"
        " scheme, host and port only, the start of every absolute URL it gives (`Location`,"
        " `Link`, a meme page's OpenGraph card); unset: the address a request was sent to, from"
        " `X-Forwarded-Proto`/`X-Forwarded-Host` or `Forwarded` when a `TRUSTED_PROXIES` proxy"
        " sends them, else the request's own scheme and `Host`",
    )

    @field_validator("public_url")
    @classmethod
    def _an_origin(cls, value: str | None) -> str | None:
        if value is None:
            return None
        # The api's paths are at the root: a path here would be lost by every relative URL.
        url = URL(value.strip())
        if url.scheme not in ("http", "https") or not url.host or url.path_safe not in ("", "/"):
            raise ValueError("is a scheme, a host and a port at most: https://memes.example.com")
        if url.query_string or url.fragment or url.user is not None:
            raise ValueError("has no query, fragment or user: https://memes.example.com")
        return str(url.origin())
