"""The settings that say when two pictures are the same meme again (a repost) or two memes of
one template (api.imaging.templates), by the Hamming distance of their 64-bit hashes. A part
of `ApiSettings`; each description is a row of the settings table in docs/settings.md."""

from pydantic import Field
from pydantic_settings import BaseSettings

# Multi-index hashing looks up every chunk value within distance // 4 bits of the hash's:
# 697 per 16-bit chunk at 15, thousands past it.
MAX_DISTANCE = 15


class TemplateSettings(BaseSettings):
    repost_distance: int = Field(
        6,
        ge=0,
        le=MAX_DISTANCE,
        description="largest Hamming distance (of 64 bits) between two pictures' perceptual"
        " hashes for one to be a `repost` of the other in `/memes/{id}/similar` (resized,"
        " recompressed, its caption included)",
    )
    template_distance: int = Field(
        10,
        ge=0,
        le=MAX_DISTANCE,
        description="largest Hamming distance between two pictures' template hashes (their"
        " words masked out) for them to share a template: a processed picture joins the"
        " nearest template within it, or makes a new one",
    )
