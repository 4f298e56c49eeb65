"""Response models; their JSON schemas are the ones in openapi.json."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

SHA256_PATTERN = r"^[0-9a-f]{64}$"
EXAMPLE_SHA256 = "6b1f0ab2c97e4d3e1d9f3c0a8b7e5d4c3b2a19087f6e5d4c3b2a190876543210"


class Meme(BaseModel):
    id: int = Field(examples=[1])
    title: str = Field(examples=["Distracted boyfriend"])
    description: str = Field(examples=["He looks at the new framework"])
    tags: list[str] = Field(
        description="Sorted, without duplicates", examples=[["classic", "work"]]
    )
    created_at: datetime
    updated_at: datetime
    image_url: str = Field(
        description="The meme's picture, whichever it is now (revalidated)",
        examples=["/memes/1/image"],
    )
    content_url: str = Field(
        description="The picture at a URL naming its content (cached a year)",
        examples=[f"/images/{EXAMPLE_SHA256}"],
    )
    content_type: str = Field(examples=["image/jpeg"])
    size: int = Field(description="The picture's size in bytes", examples=[48213])
    width: int = Field(examples=[640])
    height: int = Field(examples=[480])
    sha256: str = Field(
        description="The sha256 of the picture's bytes, also its ETag", examples=[EXAMPLE_SHA256]
    )
    processing: Literal["pending", "done", "failed"] = Field(
        description="Whether the picture's background processing (thumbnails, `text`,"
        " `placeholder`, the hash `/similar` compares) is still to come, done, or failed",
        examples=["done"],
    )
    processing_error: str | None = Field(
        None, description="Why processing failed, when it did", examples=[None]
    )
    text: str | None = Field(
        None,
        description="The words read in the picture (OCR), a line each; null until processed",
        examples=["ONE DOES NOT SIMPLY\nWRITE SQL BY HAND"],
    )
    placeholder: str | None = Field(
        None,
        description="A BlurHash of the picture (4×3 components), for a gallery to paint"
        " before the thumbnail arrives; null until processed",
        examples=["LWC+IBkC7*bXy,fjbqj@AQa{:_n,"],
    )
    template_id: int | None = Field(
        None,
        description="The picture's template (`/templates/{id}`): pictures alike once their"
        " words are masked out share one; null until processed, and when processing failed",
        examples=[7],
    )
    visibility: Literal["public", "hidden"] = Field(
        description="`hidden`: a moderator hid the meme; it is then shown to moderators only",
        examples=["public"],
    )
    nsfw: float | None = Field(
        None,
        ge=0,
        le=1,
        description="How likely the picture is not safe for work (the open_nsfw model, 0-1);"
        " null until processed",
        examples=[0.012],
    )
    sensitive: bool = Field(
        description="The picture's `nsfw` is over `NSFW_THRESHOLD`, or the poster or a"
        " moderator marked the meme sensitive (a moderator's unmarking overrules the score);"
        " a picture not scored yet counts as not sensitive unless marked. The gallery blurs a"
        " sensitive picture until clicked",
        examples=[False],
    )


class CreatedMeme(Meme):
    edit_token: str = Field(
        description="The secret that changes or deletes this meme (`Authorization: Bearer"
        " <edit_token>`). Keep it: it is shown only here, and stored only as a hash",
        examples=["q3mV9Yw1n0cJcE3x2l8Hk1sQ4YvT7bR0uPzA6dG5fNw"],
    )


class MemePage(BaseModel):
    items: list[Meme]
    total: int | None = Field(
        description="How many memes match, in all: null on pages reached with a cursor and"
        " for filters matching 100 or more, where counting costs more than the page"
    )
    limit: int
    offset: int
    next: str | None = Field(
        description="Pass as `cursor` for the next page (also in the Link header); null on the last"
    )


class SimilarMeme(Meme):
    distance: int = Field(
        description="Bits (of 64) in which the two pictures' perceptual hashes differ: 0 for the"
        " same picture or a close copy",
        examples=[3],
    )
    relation: Literal["same-picture", "repost", "same-template"] = Field(
        description="The strongest way the two memes are alike: the same picture (sha256), a"
        " repost (the same template with the same words), or the same template with another"
        " caption",
        examples=["repost"],
    )


class SimilarMemes(BaseModel):
    processing: Literal["pending", "done", "failed"] = Field(
        description="The meme's own processing: until `done` it has no hash, and no similar memes"
    )
    items: list[SimilarMeme] = Field(
        description="Strongest relation first, then nearest, then by id"
    )


class Template(BaseModel):
    id: int = Field(examples=[7])
    memes: int = Field(description="How many memes use the template", examples=[42])
    example: int | None = Field(
        description="The example meme's id: the first meme of the template's example picture"
        " (its first picture, or the oldest left once that one is gone)",
        examples=[1],
    )
    example_url: str | None = Field(
        description="The example meme's thumbnail", examples=["/memes/1/image?size=thumb"]
    )


class TemplatePage(BaseModel):
    items: list[Template] = Field(description="Most used first, then by id")
    next: str | None = Field(
        description="Pass as `cursor` for the next page (also in the Link header); null on the last"
    )


class TagCount(BaseModel):
    name: str = Field(examples=["cats"])
    memes: int = Field(description="How many memes have the tag", examples=[42])


class TagList(BaseModel):
    items: list[TagCount]


class ProblemDetail(BaseModel):
    """Every error of both services (RFC 9457, `application/problem+json`)."""

    type: str = Field("about:blank")
    title: str = Field(examples=["Not Found"])
    status: int = Field(examples=[404])
    code: str = Field(
        description="Stable, machine-readable kebab-case code", examples=["not-found"]
    )
    detail: str = Field(examples=["No meme has id 42"])
    errors: list[dict[str, Any]] | None = Field(
        None,
        description="One entry per broken rule, for validation failures; one per dependency"
        " that failed (`loc`), for `not-ready`",
    )


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class Readiness(BaseModel):
    status: str = Field(examples=["ready"])


class MemeNeighbours(BaseModel):
    newer: Meme | None = Field(description="The meme just newer (the gallery's previous)")
    older: Meme | None = Field(description="The meme just older (the gallery's next)")
