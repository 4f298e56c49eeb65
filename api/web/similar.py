"""Memes related to one (`/memes/{id}/similar`): its very picture, reposts (recompressed and
resized copies) and memes of its template. The docstring becomes the description in
openapi.json."""

import json
from typing import Annotated, Literal

from aiohttp import web
from aiohttp_pydantic.oas.typing import r200, r404, r422, r503
from pydantic import Field

from api.domain.similar import similar
from api.web.base import BaseView, json_bytes
from api.web.memes import Limit, MemeId
from api.web.models import ProblemDetail, SimilarMemes

Relation = Annotated[
    Literal["same-picture", "repost", "same-template"] | None,
    Field(description="Only memes of this relation"),
]


class SimilarMemesView(BaseView):
    async def get(
        self, id: MemeId, /, limit: Limit = 20, relation: Relation = None
    ) -> r200[SimilarMemes] | r404[ProblemDetail] | r422[ProblemDetail] | r503[ProblemDetail]:
        """The memes related to this one, each with its `relation`: strongest first
        (`same-picture`, then `repost`, then `same-template`), then nearest, then by id.

        - `same-picture`: the very same picture (its sha256), `distance` 0;
        - `repost`: a picture whose 64-bit perceptual hash (pHash) differs in at most
          `REPOST_DISTANCE` bits (6 by default): the same meme resized, recompressed or
          lightly edited, its caption included;
        - `same-template`: the same template with another caption: the same `template_id`,
          or template hashes (the pictures with their words masked out) within
          `TEMPLATE_DISTANCE` bits (10 by default).

        A meme is listed once, under the strongest relation it has; `relation=repost` keeps
        those listed as reposts. `distance` is always between the whole pictures' hashes.
        The meme itself is not listed. Until the meme's picture is processed (`processing` is
        not `done`), the list is empty.

        Tags: memes
        Status Codes:
            200: The related memes
            404: No meme has this id
            422: The id or the limit is out of range, or the relation is none of the three
            503: The database took too long to answer
        """
        processing, rows = await similar(self.services, id, limit, relation)
        items = [
            {**json.loads(row["json"]), "distance": row["distance"], "relation": row["relation"]}
            for row in rows
        ]
        settings = self.services.settings
        body = {
            "processing": processing,
            "distance": settings.repost_distance,
            "template_distance": settings.template_distance,
            "items": items,
        }
        return web.Response(body=json_bytes(body), content_type="application/json", charset="utf-8")

    head = get  # the same headers, no body
