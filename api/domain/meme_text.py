"""What a meme's words may be: the rules every form and JSON body is checked against."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_TAGS = 20
TAG_PATTERN = r"^[a-z0-9_-]{1,50}$"


def printable_text(value: str) -> str:
    # PostgreSQL refuses NUL, and a lone surrogate cannot be encoded as UTF-8.
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must not contain lone surrogates")
    return value


Title = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_TITLE),
    AfterValidator(printable_text),
]
Description = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=MAX_DESCRIPTION),
    AfterValidator(printable_text),
]

Tag = Annotated[
    str,
    StringConstraints(pattern=TAG_PATTERN),
    Field(description="Lower-case letters, digits, - and _; 1-50 characters", examples=["cats"]),
]


def _unique_sorted(tags: list[str]) -> list[str]:
    return sorted(set(tags))


Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS), AfterValidator(_unique_sorted)]


class MemeText(BaseModel):
    """The words of a meme: a title (1-200 characters after trimming), a description (at most
    2000) and 0-20 tags."""

    model_config = ConfigDict(extra="forbid")

    title: Title = Field(examples=["Distracted boyfriend"])
    description: Description = Field("", examples=["He looks at the new framework"])
    tags: Tags = Field([], examples=[["classic", "work"]])
