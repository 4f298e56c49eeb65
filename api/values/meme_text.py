"""What a meme's words may be: the rules every form and JSON body is checked against."""

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_TAGS = 20
TAG_PATTERN = r"^[a-z0-9_-]{1,50}$"


# Trimmed from both ends. Spelled out rather than `\s`, so that openapi.json's patterns mean the
# same to every regex engine (pydantic's, a client's, a fuzzer's).
SPACE = " \t\n\r\f\v"
# PostgreSQL refuses NUL; a title needs one character that is not a space.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = rf"^[^\x00]*[^\x00{SPACE}][^\x00]*$"


# What a pattern asks, in words, for the error a client reads.
PATTERN_MEANINGS = {
    NO_NUL: "must not contain NUL characters",
    NOT_BLANK: "must not be blank, nor contain NUL characters",
    TAG_PATTERN: "must be 1-50 lower-case letters, digits, - or _",
}


def printable_text(value: str) -> str:
    # A lone surrogate cannot be encoded as UTF-8.
    if any("\ud800" <= char <= "\udfff" for char in value):
        raise ValueError("must not contain lone surrogates")
    return value.strip(SPACE)


MAX_NOTE = 500  # characters: a reporter's note, a moderator's reason
# A reporter's note, a moderator's reason for the log: free text, as a description is.
Note = Annotated[
    str, StringConstraints(max_length=MAX_NOTE, pattern=NO_NUL), AfterValidator(printable_text)
]


class Why(BaseModel):
    """A moderator's `reason` that comes with another field of a JSON body."""

    reason: Note | None = None


Title = Annotated[
    str,
    StringConstraints(max_length=MAX_TITLE, pattern=NOT_BLANK),
    AfterValidator(printable_text),
]
Description = Annotated[
    str,
    StringConstraints(max_length=MAX_DESCRIPTION, pattern=NO_NUL),
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
    """The words of a meme: a title (at most 200 characters, not only spaces; trimmed), a
    description (at most 2000) and 0-20 tags."""

    model_config = ConfigDict(extra="forbid")

    title: Title = Field(examples=["Distracted boyfriend"])
    description: Description = Field("", examples=["He looks at the new framework"])
    tags: Tags = Field([], examples=[["classic", "work"]])
