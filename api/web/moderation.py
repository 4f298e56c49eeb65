"""The moderators' routes (`/moderation/...`): each needs a moderator's token
(`MODERATOR_TOKENS` or `ADMIN_TOKEN`). Docstrings become the descriptions in openapi.json."""

from typing import Annotated

from aiohttp_pydantic.oas.typing import r200, r400, r401, r403, r422, r503
from pydantic import Field

from api.domain import moderation
from api.domain.moderators import require_moderator
from api.web.base import BaseView, page_response, spec_notes
from api.web.memes import Cursor, Limit
from api.web.models import ProblemDetail
from api.web.moderation_models import LogPage

MemeFilter = Annotated[
    int | None, Field(ge=1, le=2**63 - 1, description="Only this meme's entries")
]


class ModeratorView(BaseView):
    def moderator(self) -> str:
        """The moderator sending the request, or 401/403."""
        return require_moderator(self.services, self.request.headers.get("Authorization"))


class ModerationLogView(ModeratorView):
    @spec_notes(secured=True, headers={"200": ("Link",)})
    async def get(
        self, limit: Limit = 20, cursor: Cursor = None, meme_id: MemeFilter = None
    ) -> (
        r200[LogPage]
        | r400[ProblemDetail]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Every moderator's action, newest first: who (the token's name), what, to which
        meme, when and why. Page with the `next` cursor (also in a `Link` header).

        Tags: moderation
        Status Codes:
            200: The page
            400: The cursor is malformed, was changed, or is not the log's
            401: No token was sent
            403: The token is not a moderator's
            422: The limit or meme_id is out of range
            503: The database took too long to answer
        """
        self.moderator()
        items, next_cursor = await moderation.log_page(self.services, limit, cursor, meme_id)
        return page_response(self.request, items, next_cursor)

    head = get  # the same headers, no body
