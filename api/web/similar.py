"""Memes whose pictures look like this one's (`/memes/{id}/similar`): reposts, recompressed
and resized copies. The docstring becomes the description in openapi.json."""

import json

from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r404, r422, r503

from api.domain.similar import similar
from api.web.base import BaseView, json_bytes
from api.web.memes import Limit, MemeId
from api.web.models import ProblemDetail, SimilarMemes


class SimilarMemesView(BaseView):
    async def get(
        self, id: MemeId, /, limit: Limit = 20
    ) -> r200[SimilarMemes] | r404[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """The memes whose picture looks like this meme's: nearest first, then by id.

        Pictures are compared by their 64-bit perceptual hashes (pHash): two pictures are
        similar when their hashes differ in at most `SIMILAR_DISTANCE` bits (10 by default),
        which finds resized, recompressed and lightly edited copies. Memes sharing this meme's
        very picture come first (`distance` 0). The meme itself is not listed. Until the
        meme's picture is processed (`processing` is not `done`), the list is empty.

        Tags: memes
        Status Codes:
            200: The similar memes
            404: No meme has this id
            422: The id or the limit is out of range
            503: The database took too long to answer
        """
        processing, rows = await similar(self.services, id, limit)
        items = [{**json.loads(row["json"]), "distance": row["distance"]} for row in rows]
        distance = self.services.settings.similar_distance
        body = {"processing": processing, "distance": distance, "items": items}
        return web.Response(
            body=json_bytes(body), content_type="application/json", charset="utf-8"
        )

    head = get  # the same headers, no body
