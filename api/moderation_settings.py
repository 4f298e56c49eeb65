"""Who moderates: the moderators' tokens (`ADMIN_TOKEN`, `MODERATOR_TOKENS`). A part of
`ApiSettings`; each description is a row of the settings table in docs/settings.md."""

import hashlib

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings

from api.imaging.copies import MAX_DISTANCE

# The name the moderation log gives whoever holds `ADMIN_TOKEN`, and the server's own.
ADMIN_NAME, AUTOMATIC = "admin", "auto"
MIN_TOKEN_LENGTH = 16
DEFAULT_NSFW_THRESHOLD = 0.8  # open_nsfw's own line for NSFW (see nsfw_threshold)


def token_digest(token: str) -> bytes:
    # A header's bytes that are not UTF-8 reach us as surrogates: such a token is just wrong.
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()


class ModerationSettings(BaseSettings):
    admin_token: SecretStr | None = Field(
        None,
        min_length=MIN_TOKEN_LENGTH,
        description="a moderator's token, named `admin` in the moderation log: changes, hides"
        " or deletes any meme and works the reports' queue (`Authorization: Bearer ...`);"
        " unset (and no `MODERATOR_TOKENS`): nobody can change a meme but with its own edit"
        " token",
    )
    moderator_tokens: SecretStr | None = Field(
        None,
        description="named moderators, `name:token` pairs separated by commas (`alice:"
        "<token>,bob:<token>`; names of letters, digits, `-` and `_`, tokens of 16 characters"
        " or more, without spaces; not `admin` nor `auto`, the log's own names): each token"
        " does what `ADMIN_TOKEN` does, and the moderation log names who acted. Only the"
        " tokens' sha256 is kept once read",
    )
    reports_to_hide: int | None = Field(
        None,
        ge=1,
        description="hide a meme by itself once this many distinct clients have open reports"
        " on it (logged as moderator `auto`); after a moderator dismisses them it takes this"
        " many new ones; unset: reports never hide a meme, moderators do",
    )

    nsfw_threshold: float = Field(
        DEFAULT_NSFW_THRESHOLD,
        ge=0,
        le=1,
        description="a meme is `sensitive` when its picture's NSFW score (open_nsfw, 0-1) is"
        " over this, or when its poster or a moderator marked it: the gallery blurs it and"
        " `sensitive=false` leaves it out of lists. 0.8 is the model's own line for NSFW;"
        " plain meme pictures score under 0.3 (docs/benchmarks.md)",
    )

    ban_distance: int = Field(
        8,
        ge=0,
        le=MAX_DISTANCE,
        description="how near a new picture's near-copy hash (256 bits) may be to a banned"
        " picture's for it to be refused as a copy (`422 picture-banned`), in bits: copies"
        " recompressed or resized to 50-150% measured within 8, the same template with other"
        " words 10 or more apart (docs/benchmarks.md); at most 15. The same bytes are refused"
        " whatever it is",
    )

    @field_validator("moderator_tokens")
    @classmethod
    def _pairs(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            _parse(value.get_secret_value())
        return value

    def moderators(self) -> dict[bytes, str]:
        """Each moderator's name by the sha256 of their token."""
        named = _parse(self.moderator_tokens.get_secret_value() if self.moderator_tokens else "")
        if self.admin_token is not None:
            named.setdefault(token_digest(self.admin_token.get_secret_value()), ADMIN_NAME)
        return named


def _parse(pairs: str) -> dict[bytes, str]:
    named: dict[bytes, str] = {}
    for pair in filter(None, (part.strip() for part in pairs.split(","))):
        name, _, token = pair.partition(":")
        if not name or not name.replace("-", "").replace("_", "").isalnum() or not name.isascii():
            raise ValueError("each moderator is name:token, the name of letters, digits, - or _")
        if name in (ADMIN_NAME, AUTOMATIC):
            raise ValueError(f"{name} is the log's own name (of ADMIN_TOKEN, of the server)")
        if any(char.isspace() for char in token):
            raise ValueError(f"{name}'s token has a space in it")
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"{name}'s token is shorter than {MIN_TOKEN_LENGTH} characters")
        if token_digest(token) in named or name in named.values():
            raise ValueError(f"{name} or their token is given twice")
        named[token_digest(token)] = name
    return named
