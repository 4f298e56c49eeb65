from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

MiB = 1024 * 1024


class MediaSettings(BaseSettings):
    """Read from the environment (and `.env`); see the README's settings table."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    media_host: str = "127.0.0.1"
    media_port: int = Field(8081, ge=0, le=65535)
    media_token: SecretStr = Field(min_length=16)
    # Blobs live here when no S3 endpoint is set; uploads are spooled under it in any case.
    media_storage_dir: Path = Path(".data/media")
    max_upload_bytes: int = Field(10 * MiB, gt=0)

    s3_endpoint_url: str | None = None
    s3_bucket: str = "memes"
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    # Each S3 call gives up after this, so the api hears "unavailable" within seconds.
    s3_timeout_seconds: float = Field(5.0, gt=0)
    # Larger blobs go to S3 as a multipart upload.
    s3_multipart_threshold_bytes: int = Field(8 * MiB, ge=5 * MiB)
