import hashlib
import hmac
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.images import ImageLimits

MiB = 1024 * 1024


class ApiSettings(BaseSettings):
    """Read from the environment (and `.env`); see the README's settings table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    api_host: str = "127.0.0.1"
    api_port: int = Field(8080, ge=0, le=65535)
    # Unset: the api starts a PostgreSQL of its own (pgserver) with its data under data_dir.
    database_url: SecretStr | None = None
    data_dir: Path = Path(".data")
    db_pool_size: int = Field(10, ge=1)
    apply_migrations: bool = True
    # A line per request on stderr; off where a proxy in front logs requests already.
    access_log: bool = True

    media_url: str = "http://127.0.0.1:8081"
    media_token: SecretStr = Field(min_length=16)
    # Every call to the media service gives up after this, so an outage is a quick 503.
    media_timeout_seconds: float = Field(5.0, gt=0)

    max_upload_bytes: int = Field(10 * MiB, gt=0)
    # pict-rs's default caps; checked from the headers, before any decoding. For an
    # animation the pixel cap holds for all frames together.
    max_image_pixels: int = Field(40_000_000, gt=0)
    max_image_width: int = Field(10_000, gt=0)
    max_image_height: int = Field(10_000, gt=0)
    max_image_frames: int = Field(900, gt=0)
    # Processes that decode and re-encode pictures (and make thumbnails).
    image_workers: int = Field(2, ge=1)
    # Rows fetched from PostgreSQL per round trip while an export or the tags stream.
    export_batch_size: int = Field(1000, ge=1, le=100_000)
    # Signs pagination cursors; unset, a key derived from media_token is used.
    cursor_secret: SecretStr | None = None

    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            self.max_image_pixels,
            self.max_image_width,
            self.max_image_height,
            self.max_image_frames,
        )

    def cursor_key(self) -> bytes:
        if self.cursor_secret is not None:
            return self.cursor_secret.get_secret_value().encode()
        token = self.media_token.get_secret_value().encode()
        return hmac.new(token, b"memes cursor key", hashlib.sha256).digest()
