"""The settings that say when two pictures are the same meme again (a repost) or two memes of
one template (api.imaging.templates). A part of `ApiSettings`; each description is a row of the
settings table in docs/settings.md. The defaults are what `python -m bench templates` measured
best (docs/benchmarks.md)."""

from pydantic import Field
from pydantic_settings import BaseSettings

from api.imaging.templates import REPOST_WORDS, SAME_TEMPLATE_DISTANCE


class TemplateSettings(BaseSettings):
    template_distance: int = Field(
        SAME_TEMPLATE_DISTANCE,
        ge=0,
        le=64,
        description="largest Hamming distance (of 64 bits) between a processed picture's"
        " template hash (its words filled in from around them, then pHash) and a template's"
        " for the picture to join it; none that near: the picture starts a new template",
    )
    repost_words: float = Field(
        REPOST_WORDS,
        ge=0,
        le=1,
        description="how much of the words read on two pictures of one template must be the"
        " same (the share of the shorter text's letter trigrams) for one to be a `repost` of"
        " the other in `/memes/{id}/similar`, not another caption on the template",
    )
