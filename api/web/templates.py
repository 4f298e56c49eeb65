"""Templates (`/templates`): pictures alike once their words are masked out share one, and a
meme's JSON names its picture's (`template_id`). Docstrings become the descriptions in
openapi.json."""

from typing import Annotated

from aiohttp_pydantic.injectors import CONTEXT
from aiohttp_pydantic.oas.typing import r200, r400, r404, r422, r503
from pydantic import Field, ValidationError

from api.domain import templates
from api.errors import InvalidTemplateId
from api.web.base import BaseView, json_response, page_response, spec_notes, validation_problem
from api.web.memes import Cursor, Limit
from api.web.models import ProblemDetail, Template, TemplatePage
from common.problems import from_problem

TemplateId = Annotated[
    int, Field(ge=1, le=2**63 - 1, description="The template's id", examples=[1])
]


class TemplateCollectionView(BaseView):
    @spec_notes(headers={"200": ("Link",)})
    async def get(
        self, limit: Limit = 20, cursor: Cursor = None
    ) -> r200[TemplatePage] | r400[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """The templates in use, most used first, then by id; each with how many memes use
        it and its example meme (the first meme of its first picture still stored) with that
        meme's thumbnail. `GET /memes?template=ID` lists a template's memes.

        The order is by the counts as of the last fold of the counts (the server's
        housekeeping, every `OUTBOX_INTERVAL_SECONDS`); each `memes` shown is exact. Page with
        the `next` cursor of the previous page (also in a `Link: <...>; rel="next"` header).

        Tags: templates
        Status Codes:
            200: The page
            400: The cursor is malformed, was changed, or is not a page of templates'
            422: The limit is out of range
            503: The database took too long to answer
        """
        items, next_cursor = await templates.page(self.services, limit, cursor)
        return page_response(self.request, items, next_cursor)

    head = get  # the same headers, no body


class TemplateView(BaseView):
    async def get(
        self, id: TemplateId, /
    ) -> r200[Template] | r400[ProblemDetail] | r404[ProblemDetail] | r503[ProblemDetail]:
        """One template: how many memes use it, and its example meme.

        Tags: templates
        Status Codes:
            200: The template
            400: The id is not a positive integer
            404: No template has this id
            503: The database took too long to answer
        """
        return json_response(await templates.one(self.services, id))

    head = get  # the same headers, no body

    async def on_validation_error(self, exception: ValidationError, context: CONTEXT):
        if context == "path":  # as the contract has it: a bad template id is a 400
            problem = InvalidTemplateId(validation_problem(exception, context).detail)
            return from_problem(problem)
        return await super().on_validation_error(exception, context)
