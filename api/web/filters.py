"""The query parameters that pick memes, shared by the list and the export."""

from typing import Annotated

from aiohttp_pydantic.injectors import Group
from pydantic import AfterValidator, Field, StringConstraints

from api.domain.moderators import require_moderator
from api.services import Services
from api.values.listing import MAX_SEARCH_WORDS, Listing, Processing, Sort, Visibility, listing
from api.values.meme_text import TAG_PATTERN
from api.web.models import SHA256_PATTERN

# Each tag of a filter is one more index lookup and join: 300 tags took 45 s of database time.
MAX_FILTER_TAGS = 10
# Text with no control character and something besides ASCII spaces and punctuation, spelled
# in ranges every regex engine reads alike (JSON Schema's, that of every client checking against
# openapi.json, Python's). A regex cannot say "a letter of any script" to all of them (`\w` is
# ASCII to JSON Schema, `\p{L}` unknown to Python's `re`): that words are there is checked after
# (api.values.listing.search_words), a 422 too.
NOT_CONTROL = r"[^\x00-\x1F\x7F]*"
NOT_ASCII_PUNCTUATION = r"[^\x00-\x2F\x3A-\x40\x5B-\x5E\x60\x7B-\x7F]"
SEARCH_TEXT = f"^{NOT_CONTROL}{NOT_ASCII_PUNCTUATION}{NOT_CONTROL}$"
# The filters carry no example: Swagger UI's "Try it out" fills each parameter with its example,
# and examples that filter (a word, a tag, a template) matched nothing on a fresh database.
Tag = Annotated[
    str,
    StringConstraints(pattern=TAG_PATTERN),
    Field(description="Lower-case letters, digits, - and _; 1-50 characters"),
]


def _only_false(value: bool | None) -> bool | None:
    if value:
        raise ValueError(
            "only false is offered: sensitive memes are few, and finding them alone would read"
            " every meme"
        )
    return value


class MemeFilters(Group):
    """Filters shared by the list and the export; all combine with AND."""

    q: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=200,
            pattern=SEARCH_TEXT,
            description="Words to find (letters and digits of any script), each as a prefix;"
            f" the first {MAX_SEARCH_WORDS} count. Text with no word in it (`°`), or with a"
            " control character, is refused (422)",
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
    template: Annotated[
        int | None,
        Field(
            ge=1,
            le=2**63 - 1,
            description="Only memes whose picture has this template (`/templates`)",
        ),
    ] = None
    sensitive: Annotated[
        bool | None,
        AfterValidator(_only_false),
        Field(
            description="`false`: leave out sensitive memes (an NSFW score over `NSFW_THRESHOLD`,"
            " or marked by the poster or a moderator); a meme whose picture is not scored yet"
            " is kept unless marked"
        ),
    ] = None
    sort: Annotated[
        Sort | None,
        Field(description="Default: -created_at, or relevance when q is given"),
    ] = None
    visibility: Annotated[
        Visibility,
        Field(
            description="`public` (the default): the memes everyone sees; `hidden`: the memes"
            " moderators hid; `all`: both. `hidden` and `all` need a moderator's token"
            " (`Authorization: Bearer <token>`; 401 without one, 403 with another)",
        ),
    ] = "public"

    def listing(self, services: Services, authorization: str | None) -> Listing:
        """The listing asked for; 401/403 if it shows hidden memes and the request does not
        come from a moderator."""
        if self.visibility != "public":
            require_moderator(services, authorization)
        return listing(
            self.q,
            self.tag,
            self.tags_all,
            self.tags_any,
            self.sha256,
            self.sort,
            self.processing,
            self.template,
            self.sensitive,
            self.visibility,
        )
