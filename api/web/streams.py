"""Lists of unbounded length, streamed in batches: the export and the tags. Each batch is a
short query of its own, so a client that reads slowly holds no database connection; one that
takes nothing for `STREAM_SEND_TIMEOUT_SECONDS` is cut off. Docstrings become the descriptions
in openapi.json."""

from aiohttp_pydantic.oas.typing import r200, r401, r403, r422, r503

from api.domain.listing import every_meme, tags_in_use
from api.services import Services
from api.web.base import BaseView, json_bytes, spec_notes
from api.web.filters import MemeFilters
from api.web.models import Meme, ProblemDetail, TagList
from api.web.state import EXPORT_SLOTS
from common.streaming import BodyStream, ChunkWriter, prefetched, streaming

NDJSON = "application/x-ndjson"


def _stream(services: Services, content_type: str) -> BodyStream:
    response = BodyStream(headers={"Content-Type": content_type})
    response.enable_chunked_encoding()
    response.send_timeout = services.settings.stream_send_timeout_seconds
    return response


class MemeExportView(BaseView):
    @spec_notes(media_types={"200": NDJSON})
    async def get(
        self, filters: MemeFilters
    ) -> (
        r200[Meme]
        | r401[ProblemDetail]
        | r403[ProblemDetail]
        | r422[ProblemDetail]
        | r503[ProblemDetail]
    ):
        """Every meme matching the filters, as NDJSON: one JSON meme per line.

        Takes the same filters and sort as `GET /memes` (hidden memes only with
        `visibility` and a moderator's token), and reads the memes in batches the
        way the pages of `next` cursors do: the export runs in flat memory whatever its size,
        and a meme added or deleted while it runs may or may not be in it. A client has at
        most `MAX_EXPORTS_PER_CLIENT` exports in progress.

        Tags: memes
        Status Codes:
            200: `application/x-ndjson`, one meme per line
            401: `visibility` is hidden or all, and no token was sent
            403: `visibility` is hidden or all, and the token is not a moderator's
            422: A parameter is out of range
            503: The database took too long to answer
        """
        with self.request.app[EXPORT_SLOTS].hold(self.request.remote or "unknown"):
            shown = filters.listing(self.services, self.request.headers.get("Authorization"))
            memes = every_meme(self.services, shown)
            response = _stream(self.services, NDJSON)
            async with prefetched(memes) as batches, streaming(self.request, response):
                out = ChunkWriter(response)
                async for batch in batches:
                    for row in batch:  # no copy of the whole batch: held while the client reads
                        await out.write(row["json"].encode() + b"\n")
                await out.flush()
            return response

    head = get  # the same headers, no body


class TagsView(BaseView):
    async def get(self) -> r200[TagList] | r503[ProblemDetail]:
        """The tags in use, with how many memes have each, most used first. Streamed.

        Tags: tags
        Status Codes:
            200: The tags
            503: The database took too long to answer
        """
        tags = tags_in_use(self.services)
        response = _stream(self.services, "application/json; charset=utf-8")
        async with prefetched(tags) as batches, streaming(self.request, response):
            out = ChunkWriter(response)
            await out.write(b'{"items":[')
            separator = b""
            async for batch in batches:
                for row in batch:
                    await out.write(separator + json_bytes(row))
                    separator = b","
            await out.write(b"]}")
            await out.flush()
        return response

    head = get  # the same headers, no body
