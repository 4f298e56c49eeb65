"""The media service's settings, from the environment or `.env`. Each description is a row of
the settings table in docs/settings.md (a test keeps it in step)."""

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from common.run_settings import RunSettings

MiB = 1024 * 1024


class MediaSettings(RunSettings):
    # Secrets are among them: a refused value is named, never echoed (it would reach the logs).
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    media_host: str = Field("127.0.0.1", description="address to listen on")
    media_port: int = Field(8081, ge=0, le=65535, description="port to listen on")
    media_metrics_port: int = Field(
        # Below the api's 9180 and up (one port per api worker): no API_WORKERS count reaches it.
        9179,
        ge=0,
        le=65535,
        description="port of the Prometheus metrics (`/metrics`), apart from the service's own;"
        " the default is below the api's (`API_METRICS_PORT` and up), so both run on one host"
        " with any `API_WORKERS`",
    )
    media_storage_dir: Path = Field(
        Path(".data/media"),
        description="blobs on disk (when no S3 endpoint is set) and the upload spool",
    )
    max_upload_bytes: int = Field(
        10 * MiB,
        gt=0,
        description="the api's largest upload: set it to the api's `MAX_UPLOAD_BYTES`. Media"
        " stores blobs up to 4 times it, since a picture's clean re-encoding can be larger"
        " than its upload",
    )

    s3_endpoint_url: str | None = Field(
        None, description="S3 endpoint (e.g. MinIO); unset: the local disk"
    )
    s3_bucket: str = Field(
        "memes",
        description="bucket, created at start-up when missing, with a rule that drops"
        " incomplete multipart uploads after a day",
    )
    s3_region: str = Field("us-east-1", description="region")
    s3_access_key_id: SecretStr | None = Field(None, description="access key")
    s3_secret_access_key: SecretStr | None = Field(None, description="secret key")
    s3_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="connect and read timeout of each S3 call, so the api hears"
        ' "unavailable" within seconds',
    )
    s3_multipart_threshold_bytes: int = Field(
        8 * MiB, ge=5 * MiB, description="blobs above this go up as a multipart upload"
    )
