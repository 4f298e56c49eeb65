"""The token the api shows the media service, when none is given: made once at random and kept
in a file only its owner can read, so that both services and every command run by the same
user on the same machine find the same one without exporting anything."""

import os
import secrets
import tempfile
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings


def kept_token(path: Path) -> str:
    """The token kept at `path`, made now if there is none."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".token-")  # mode 0600
    try:
        with os.fdopen(fd, "w") as file:
            file.write(secrets.token_urlsafe(32))
        # A link never replaces: when both services start at once, the first one's token wins.
        os.link(name, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(name)
    return path.read_text().strip()


class ServiceTokenSettings(BaseSettings):
    """The service token's settings, the same in both services."""

    media_token_file: Path = Field(
        Path(".data/media-token"),
        description="where the service token is kept when `MEDIA_TOKEN` is unset: made with a"
        " random token (mode 0600) by the first process that needs it, then read by the api,"
        " media and every command alike",
    )
    media_token: SecretStr = Field(
        default_factory=lambda values: SecretStr(kept_token(values["media_token_file"])),
        min_length=16,
        description="the token the api shows the media service, and media asks of every"
        " request but the health checks, `/health` and `/ready` (16+ characters)",
        json_schema_extra={"shown_default": "from `MEDIA_TOKEN_FILE`"},
    )
