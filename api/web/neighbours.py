"""The memes either side of one (`/memes/{id}/neighbours`), for a page's previous and next.
The docstring becomes the description in openapi.json."""

import json

from aiohttp_pydantic.oas.typing import r200, r404, r422, r503

from api.domain.listing import neighbours
from api.web.base import BaseView, json_response
from api.web.memes import MemeId
from api.web.models import MemeNeighbours, ProblemDetail


class MemeNeighboursView(BaseView):
    async def get(
        self, id: MemeId, /
    ) -> r200[MemeNeighbours] | r404[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """The memes just before and after this one in the gallery's first order (`GET /memes`
        unfiltered: newest first, public memes only): `newer` and `older`, each null at its end.

        Tags: memes
        Status Codes:
            200: The two neighbours
            404: No meme has this id, or it is hidden
            422: The id is out of range
            503: The database took too long to answer
        """
        newer, older = await neighbours(self.services, id)
        return json_response({
            "newer": newer and json.loads(newer["json"]),
            "older": older and json.loads(older["json"]),
        })  # fmt: skip

    head = get  # the same headers, no body
