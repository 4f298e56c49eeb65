"""The moderators' response bodies, as openapi.json shows them."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from api.web.models import Meme


class LogEntry(BaseModel):
    id: int = Field(examples=[12])
    at: datetime
    moderator: str = Field(
        description="The name of the moderator's token (`MODERATOR_TOKENS`), `admin` for"
        " `ADMIN_TOKEN`, or `auto` for what the server did itself",
        examples=["alice"],
    )
    action: str = Field(
        description="`hide`, `restore`, `remove`, `ban`, `unban`, `dismiss`, `mark-sensitive`"
        " or `unmark-sensitive`",
        examples=["hide"],
    )
    meme_id: int | None = Field(description="The meme acted on, if any", examples=[1])
    reason: str | None = Field(description="Why, as the moderator said", examples=["spam"])
    details: dict[str, Any] = Field(
        description="What else the action touched (the picture, a ban's id, reports closed)",
        examples=[{"reports": 3}],
    )


class LogPage(BaseModel):
    items: list[LogEntry] = Field(description="Newest first")
    next: str | None = Field(
        description="Pass as `cursor` for the next page (also in the Link header); null on the last"
    )


Reason = Literal["spam", "nsfw", "illegal", "harassment", "other"]


class Report(BaseModel):
    id: int = Field(examples=[5])
    meme_id: int = Field(examples=[1])
    reason: Reason = Field(examples=["spam"])
    note: str | None = Field(description="What the reporter added", examples=["a scam link"])
    created_at: datetime


class ReportNote(BaseModel):
    reason: Reason = Field(examples=["spam"])
    note: str = Field(examples=["a scam link"])
    at: datetime


class ByReason(BaseModel):
    """Open reports by reason, every reason named."""

    spam: int = Field(examples=[2])
    nsfw: int = Field(examples=[0])
    illegal: int = Field(examples=[0])
    harassment: int = Field(examples=[1])
    other: int = Field(examples=[0])


class ReportedMeme(BaseModel):
    """A meme with open reports; `meme` is the meme as `/memes/{id}` shows it, hidden or
    not."""

    meme_id: int = Field(examples=[1])
    reports: int = Field(description="Open reports", examples=[3])
    clients: int = Field(description="Distinct clients that reported it", examples=[3])
    by_reason: ByReason
    notes: list[ReportNote] = Field(description="The newest notes (3 at most), newest first")
    first_reported: datetime
    last_reported: datetime
    meme: Meme


class ReportQueue(BaseModel):
    items: list[ReportedMeme] = Field(
        description="Most reported first, then the newest report, then the newest meme"
    )
    next: str | None = Field(
        description="Pass as `cursor` for the next page (also in the Link header); null on the last"
    )


class ClosedReports(BaseModel):
    meme_id: int = Field(examples=[1])
    action: str = Field(examples=["hide"])
    closed: int = Field(description="How many open reports this closed", examples=[3])
class Ban(BaseModel):
    id: int = Field(examples=[3])
    sha256: str = Field(
        description="The banned picture's sha256; its near copies are refused too",
        examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
    )
    created_at: datetime
    moderator: str = Field(description="Who banned it (the token's name)", examples=["alice"])
    reason: str | None = Field(description="Why, as the moderator said", examples=["spam"])
    meme_id: int | None = Field(description="The meme it was banned from", examples=[1])


class BanPage(BaseModel):
    items: list[Ban] = Field(description="Newest first")
    next: str | None = Field(
        description="Pass as `cursor` for the next page (also in the Link header); null on the last"
    )
