"""Memes related to one (`/memes/{id}/similar`): its very picture, reposts (recompressed and
resized copies) and memes of its template. The docstring becomes the description in
openapi.json."""

import json
from typing import Annotated, Literal

from aiohttp_pydantic.oas.typing import r200, r404, r422, r503
from pydantic import Field

from api.domain.moderators import maybe_moderator
from api.domain.similar import similar
from api.web.base import BaseView, json_response
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
        - `repost`: the same meme again, resized, recompressed or watermarked: the same
          template, and the same words read on it (`REPOST_WORDS`);
        - `same-template`: the same `template_id`, with another caption.

        A picture's template and what it is a repost of are found once, when it is processed.
        A meme is listed once, under the strongest relation it has; `relation=repost` keeps
        those listed as reposts. `distance` is between the whole pictures' 64-bit perceptual
        hashes (pHash).
        The meme itself is not listed. Until the meme's picture is processed (`processing` is
        not `done`), the list is empty. Hidden memes are left out, and a hidden meme's list is
        404, unless a moderator's token is sent.

        Tags: memes
        Status Codes:
            200: The related memes
            404: No meme has this id (or it is hidden, and the token is not a moderator's)
            422: The id or the limit is out of range, or the relation is none of the three
            503: The database took too long to answer
        """
        moderator = maybe_moderator(self.services, self.request.headers.get("Authorization"))
        processing, rows = await similar(
            self.services, id, limit, relation, hidden=moderator is not None
        )
        items = [
            {**json.loads(row["json"]), "distance": row["distance"], "relation": row["relation"]}
            for row in rows
        ]
        body = {"processing": processing, "items": items}
        return json_response(body)

    head = get  # the same headers, no body
