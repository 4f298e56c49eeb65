"""The card a chat or a social site unfurls a meme's link into: OpenGraph
(https://ogp.me) and Twitter's card tags, put in the <head> of the meme's page (/m/{id}).

Every value is escaped for an attribute: a title is the poster's own text. A sensitive meme's
card has no picture: a chat would show it unblurred, where the gallery veils it.
"""

from html import escape
from typing import Any

SITE_NAME = "memes"
DESCRIPTION_CHARACTERS = 200  # about what chats show before they cut it
FALLBACK = "A meme on memes"  # nothing written and nothing read on it (yet)


def description_of(meme: dict[str, Any]) -> str:
    """Its description, or else the words read on the picture, on one line and not too long."""
    words = " ".join((meme["description"] or meme.get("text") or FALLBACK).split())
    if len(words) > DESCRIPTION_CHARACTERS:
        words = words[: DESCRIPTION_CHARACTERS - 1].rstrip() + "…"
    return words


def _tag(kind: str, name: str, content: object) -> str:
    return f'<meta {kind}="{name}" content="{escape(str(content), quote=True)}">'


def card_head(meme: dict[str, Any], page_url: str, base: str) -> str:
    """The <head> lines of the meme's page: its description, canonical URL and card.
    `meme` is the api's JSON of it; `base` the api's public address."""
    title, description = meme["title"], description_of(meme)
    lines = [
        _tag("name", "description", description),
        f'<link rel="canonical" href="{escape(page_url, quote=True)}">',
        _tag("property", "og:type", "website"),
        _tag("property", "og:site_name", SITE_NAME),
        _tag("property", "og:title", title),
        _tag("property", "og:description", description),
        _tag("property", "og:url", page_url),
    ]
    picture = not meme["sensitive"]
    if picture:
        # The URL that names the content: cached a year, as a card's picture is.
        image = base + meme["content_url"]
        lines += [
            _tag("property", "og:image", image),
            _tag("property", "og:image:type", meme["content_type"]),
            _tag("property", "og:image:width", meme["width"]),
            _tag("property", "og:image:height", meme["height"]),
            _tag("property", "og:image:alt", title),
        ]
    lines += [
        _tag("name", "twitter:card", "summary_large_image" if picture else "summary"),
        _tag("name", "twitter:title", title),
        _tag("name", "twitter:description", description),
    ]
    if picture:
        lines += [_tag("name", "twitter:image", image), _tag("name", "twitter:image:alt", title)]
    return "".join(f"  {line}\n" for line in lines)
