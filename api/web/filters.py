"""The query parameters that pick memes, shared by the list and the export."""

from typing import Annotated

from aiohttp_pydantic.injectors import Group
from pydantic import Field

from api.values.listing import MAX_SEARCH_WORDS, Listing, Processing, Sort, listing
from api.values.meme_text import Tag
from api.web.models import SHA256_PATTERN

# Each tag of a filter is one more index lookup and join: 300 tags took 45 s of database time.
MAX_FILTER_TAGS = 10


class MemeFilters(Group):
    """Filters shared by the list and the export; all combine with AND."""

    q: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            pattern=r"\w",  # at least one word (letters, digits, `_`) to search for
            description=f"Words to find, each as a prefix; the first {MAX_SEARCH_WORDS} count",
            examples=["distrac"],
        ),
    ] = None
    tag: Annotated[Tag | None, Field(description="Only memes with this tag")] = None
    # Plain list annotations: aiohttp-pydantic reads a repeated query parameter only for those.
    tags_all: list[Tag] = Field(
        [], max_length=MAX_FILTER_TAGS, description="Only memes with all these tags"
    )
    tags_any: list[Tag] = Field(
        [], max_length=MAX_FILTER_TAGS, description="Only memes with any of these tags"
    )
    sha256: Annotated[
        str | None, Field(pattern=SHA256_PATTERN, description="Only memes using this picture")
    ] = None
    processing: Annotated[
        Processing | None,
        Field(description="Only memes whose picture's processing is pending, done or failed"),
    ] = None
    sort: Annotated[
        Sort | None,
        Field(description="Default: -created_at, or relevance when q is given"),
    ] = None

    def listing(self) -> Listing:
        return listing(
            self.q, self.tag, self.tags_all, self.tags_any, self.sha256, self.sort, self.processing
        )
