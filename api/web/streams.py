"""Lists of unbounded length, streamed from server-side cursors: the export and the tags.
Docstrings become the descriptions in openapi.json."""

from aiohttp_pydantic.oas.typing import r200, r422, r503

from api.domain.listing import every_meme, tags_in_use
from api.web.base import BaseView, json_bytes, spec_notes
from api.web.filters import MemeFilters
from api.web.models import Meme, ProblemDetail, TagList
from common.streaming import BodyStream, ChunkWriter, prefetched, streaming

NDJSON = "application/x-ndjson"


class MemeExportView(BaseView):
    @spec_notes(media_types={"200": NDJSON})
    async def get(
        self, filters: MemeFilters
    ) -> r200[Meme] | r422[ProblemDetail] | r503[ProblemDetail]:
        """Every meme matching the filters, as NDJSON: one JSON meme per line.

        Takes the same filters and sort as `GET /memes`. Streamed from a server-side cursor in
        batches, so the export of any number of memes runs in flat memory.

        Tags: memes
        Status Codes:
            200: `application/x-ndjson`, one meme per line
            422: A parameter is out of range
            503: The database took too long to answer
        """
        memes = await every_meme(self.services, filters.listing())
        response = BodyStream(headers={"Content-Type": NDJSON})
        response.enable_chunked_encoding()
        async with prefetched(memes) as batches, streaming(self.request, response):
            async for batch in batches:
                await response.write(b"".join(row["json"].encode() + b"\n" for row in batch))
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
        response = BodyStream(headers={"Content-Type": "application/json; charset=utf-8"})
        response.enable_chunked_encoding()
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
