"""The settings that say who a client is and how much it may ask: the rate limits of its
reads and writes, and the proxies trusted to name it. A part of `ApiSettings`; each
description is a row of the settings table in docs/settings.md."""

from pydantic import Field
from pydantic_settings import BaseSettings


class ClientLimitSettings(BaseSettings):
    rate_limit_reads: int = Field(
        1200,
        ge=0,
        description="reads (GET and HEAD of memes, tags, pictures) a client may make per"
        " window, in all api processes together; 0: no limit",
    )
    rate_limit_writes: int = Field(
        60,
        ge=0,
        description="writes (create, change, delete) a client may make per window; 0: no limit",
    )
    rate_limit_window_seconds: float = Field(
        60, gt=0, description="the window of both rate limits; a quota refills evenly over it"
    )
    rate_limit_flush_seconds: float = Field(
        0.5,
        gt=0,
        description="how often each api process adds the reads it counted to the shared rate"
        " limits, in one statement, and learns what the other processes counted; a client may"
        " get beyond its quota what each other process serves it in this time",
    )
    trusted_proxies: str = Field(
        "",
        description="comma-separated addresses or networks of reverse proxies whose"
        " `X-Forwarded-For` names the client (e.g. `10.0.0.0/8`); unset: the socket's peer"
        " is the client",
    )
