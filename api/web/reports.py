"""Reports (`POST /memes/{id}/reports`, anyone) and the moderators' queue of them (`GET
/reports`, `POST /reports/{meme_id}/close`). Docstrings become the descriptions in
openapi.json."""

from typing import Literal

import orjson
from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r201, r400, r401, r403, r404, r409, r415, r422, r503
from pydantic import BaseModel, ConfigDict, Field

from api.domain import reports
from api.domain.moderators import maybe_moderator
from api.values.meme_text import MAX_NOTE, Note
from api.values.row import Row
from api.web.base import BaseView, json_bytes, json_response, page_response, spec_notes
from api.web.json_body import json_model
from api.web.memes import Cursor, Limit, MemeId
from api.web.models import ProblemDetail
from api.web.moderation import ModeratorView
from api.web.moderation_models import ClosedReports, Reason, Report, ReportQueue


class NewReport(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="What is wrong with the meme", examples=["spam"])
    note: Note | None = Field(
        None, description=f"Anything to add, {MAX_NOTE} characters at most", examples=["a scam"]
    )


class Closing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal[tuple(reports.ACTIONS)] = Field(  # type: ignore[valid-type]
        description="`dismiss`: the reports were wrong, the meme stays; `hide`: the meme is"
        " hidden; `remove`: the meme is deleted; `ban`: the meme is deleted with every meme of"
        " its picture, and the picture and its near copies are refused at upload (`/bans`)",
        examples=["hide"],
    )
    reason: Note | None = Field(None, description="Why, for the moderation log", examples=["spam"])


class MemeReportsView(BaseView):
    @spec_notes(reads_json=NewReport)
    async def post(
        self, id: MemeId, /
    ) -> (
        r201[Report]
        | r400[ProblemDetail]
        | r404[ProblemDetail]
        | r409[ProblemDetail]
        | r415[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Report a meme to the moderators: a `reason` (`spam`, `nsfw`, `illegal`,
        `harassment` or `other`) and an optional `note`.

        A client (its address) has one open report per meme: a second is `409
        already-reported` until a moderator closes the first. Reports count against the
        client's write rate limit. With `REPORTS_TO_HIDE` set, the meme is hidden once that
        many clients have open reports on it.

        Tags: reports
        Status Codes:
            201: The report
            400: The body is malformed JSON
            404: No meme has this id (a hidden meme is 404 but to a moderator)
            409: This client has an open report on this meme already
            415: The body is not JSON
            422: The reason is unknown, the note too long, a field unknown, or the id out of range
            503: The database is unavailable; nothing was reported
        """
        body = await json_model(self.request, NewReport)
        moderator = maybe_moderator(self.services, self.request.headers.get("Authorization"))
        client = self.request.remote or "unknown"
        made = await reports.report(
            self.services, id, client, body.reason, body.note or None, moderator
        )
        return web.Response(
            status=201, body=json_bytes(made), content_type="application/json", charset="utf-8"
        )


def _queued(row: Row) -> dict:
    return {
        "meme_id": row["meme_id"],
        "reports": row["reports"],
        "clients": row["clients"],
        "by_reason": row["by_reason"],
        "notes": row["notes"],
        "first_reported": row["first_reported"],
        "last_reported": row["last_reported"],
        "meme": orjson.Fragment(row["json"]),  # as PostgreSQL wrote it, like /memes/{id}
    }


class ReportQueueView(ModeratorView):
    @spec_notes(secured=True, headers={"200": ("Link",)})
    async def get(
        self, limit: Limit = 20, cursor: Cursor = None
    ) -> (
        r200[ReportQueue]
        | r400[ProblemDetail]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """The memes with open reports, most reported first (then the newest report, then
        the newest meme): each with its open reports by reason, the newest notes, how many
        clients reported it, when first and last, and the meme itself (hidden ones too).
        Page with the `next` cursor (also in a `Link` header).

        Tags: reports
        Status Codes:
            200: The page
            400: The cursor is malformed, was changed, or is not the queue's
            401: No token was sent
            403: The token is not a moderator's
            422: The limit is out of range
            503: The database took too long to answer
        """
        self.moderator()
        rows, next_cursor = await reports.queue_page(self.services, limit, cursor)
        return page_response(self.request, [_queued(row) for row in rows], next_cursor)

    head = get  # the same headers, no body


class CloseReportsView(ModeratorView):
    @spec_notes(secured=True, reads_json=Closing)
    async def post(
        self, meme_id: MemeId, /
    ) -> (
        r200[ClosedReports]
        | r400[ProblemDetail]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r404[ProblemDetail]
        | r409[ProblemDetail]
        | r415[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Close every open report of the meme with an `action`, and do it: `dismiss` (the
        meme stays as it is), `hide` (the meme is hidden), `remove` (the meme is deleted) or
        `ban` (the meme is deleted and its picture banned: see `/bans`), with an optional
        `reason`. The reports are kept, closed, with who closed them and
        how; the action is in the moderation log with how many reports it closed. All of it
        happens, or none (a `ban` reads the picture from media first: `503` while it is
        down).

        Tags: reports
        Status Codes:
            200: The reports are closed and the action done
            400: The body is malformed JSON
            401: No token was sent
            403: The token is not a moderator's
            404: No meme has this id
            409: The meme has no open report
            415: The body is not JSON
            422: The action is unknown, the reason too long, or a field unknown
            503: The database (or, for a ban, media) is unavailable; nothing was changed
        """
        moderator = self.moderator()
        body = await json_model(self.request, Closing)
        closed = await reports.close(
            self.services, meme_id, body.action, moderator, body.reason or None
        )
        return json_response({"meme_id": meme_id, "action": body.action, "closed": closed})
