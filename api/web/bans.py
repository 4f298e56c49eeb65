"""The ban list (`/bans`), for moderators: pictures banned with their meme (and refused at
upload, near copies too). Docstrings become the descriptions in openapi.json."""

from typing import Annotated

from aiohttp import web
from aiohttp_pydantic.oas.typing import (
    r200,
    r201,
    r204,
    r400,
    r401,
    r403,
    r404,
    r415,
    r422,
    r503,
)
from pydantic import BaseModel, ConfigDict, Field

from api.domain import bans
from api.values.meme_text import Note
from api.web.base import json_response, page_response, spec_notes
from api.web.json_body import json_model
from api.web.memes import Cursor, Limit
from api.web.models import ProblemDetail
from api.web.moderation import ModeratorView
from api.web.moderation_models import Ban, BanPage

BanId = Annotated[int, Field(ge=1, le=2**63 - 1, description="The ban's id", examples=[3])]


class NewBan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    meme_id: int = Field(ge=1, le=2**63 - 1, description="The meme to ban", examples=[1])
    reason: Note | None = Field(None, description="Why, for the moderation log", examples=["spam"])


class BanCollectionView(ModeratorView):
    @spec_notes(secured=True, headers={"200": ("Link",)})
    async def get(
        self, limit: Limit = 20, cursor: Cursor = None
    ) -> (
        r200[BanPage]
        | r400[ProblemDetail]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """The banned pictures, newest first: each with who banned it, when, why and the meme
        it came from. An upload of a banned picture, or of a near copy of it (recompressed,
        resized), is `422 picture-banned`. Page with the `next` cursor (also in a `Link`
        header).

        Tags: moderation
        Status Codes:
            200: The page
            400: The cursor is malformed, was changed, or is not the ban list's
            401: No token was sent
            403: The token is not a moderator's
            422: The limit is out of range
            503: The database took too long to answer
        """
        self.moderator()
        items, next_cursor = await bans.page(self.services, limit, cursor)
        return page_response(self.request, items, next_cursor)

    head = get  # the same headers, no body

    @spec_notes(secured=True, reads_json=NewBan)
    async def post(
        self,
    ) -> (
        r201[Ban]
        | r400[ProblemDetail]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r404[ProblemDetail]
        | r415[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Ban a meme, reported or not (`{"meme_id": ..., "reason": ...}`): the meme is
        deleted with every meme of its picture, the picture goes on the ban list, and its open
        reports are closed. Closing a meme's reports with `{"action": "ban"}` does the same.
        Logged as `ban`; all of it happens, or none.

        Tags: moderation
        Status Codes:
            201: The ban
            400: The body is malformed JSON
            401: No token was sent
            403: The token is not a moderator's
            404: No meme has this id
            415: The body is not JSON
            422: A field breaks a rule (an unknown field too)
            503: The database or media is unavailable; nothing was changed
        """
        moderator = self.moderator()
        body = await json_model(self.request, NewBan)
        made = await bans.ban(self.services, body.meme_id, moderator, body.reason or None)
        return json_response(made, status=201)


class BanView(ModeratorView):
    @spec_notes(secured=True)
    async def delete(
        self, id: BanId, /
    ) -> (
        r204
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r404[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Lift a ban: its picture and near copies may be posted again (the memes it removed
        stay gone). Logged as `unban`.

        Tags: moderation
        Status Codes:
            204: The ban is lifted
            401: No token was sent
            403: The token is not a moderator's
            404: No ban has this id
            422: The id is not a positive integer
            503: The database took too long to answer
        """
        await bans.unban(self.services, id, self.moderator())
        return web.Response(status=204)
