"""The api's settings, from the environment or `.env`. Each description is a row of the
settings table in docs/settings.md and of `python -m api --help` (a test keeps them in step)."""

import hashlib
import hmac
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from api.client_limit_settings import ClientLimitSettings
from api.imaging.clean import ImageLimits
from api.link_settings import LinkSettings
from api.moderation_settings import ModerationSettings
from api.template_settings import TemplateSettings
from api.upload_settings import UploadSettings
from common.run_settings import RunSettings

MiB = 1024 * 1024


class ApiSettings(
    UploadSettings,
    ClientLimitSettings,
    LinkSettings,
    TemplateSettings,
    ModerationSettings,
    RunSettings,
):
    # Secrets are among them: a refused value is named, never echoed (it would reach the logs).
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, hide_input_in_errors=True
    )

    api_host: str = Field("127.0.0.1", description="address to listen on")
    api_port: int = Field(8080, ge=0, le=65535, description="port to listen on")
    api_workers: int = Field(
        1,
        ge=1,
        le=64,
        description="api processes serving `API_PORT` together (SO_REUSEPORT: the kernel shares"
        " out the connections); each has its own pool, image workers, metrics port and"
        " `LOG_FILE` (`api.log` becomes `api.0.log`, `api.1.log`, ...)",
    )
    api_metrics_port: int = Field(
        9180,
        ge=0,
        le=65535,
        description="port of the Prometheus metrics (`/metrics`), never the public one; with"
        " `API_WORKERS` above 1, worker *i* (from 0) listens on `API_METRICS_PORT` + *i*",
    )
    picture_cache_bytes: int = Field(
        64 * MiB,
        ge=0,
        description="memory for the most requested pictures and thumbnails (their bytes never"
        " change under their sha256), per process; 0: no cache",
    )
    picture_row_seconds: float = Field(
        1.0,
        ge=0,
        description="how long a process answers picture requests from the rows it read (which"
        " picture a meme has, whether a meme still uses it) before reading them again: a picture"
        " replaced or deleted through another process may be served that much longer (the"
        " process that made the change serves it at once); 0: read them for every request",
    )
    database_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL; unset: a PostgreSQL of the api's own (pgserver) in"
        " `DATA_DIR/postgres`, started by the first process that needs it",
    )
    database_replica_url: SecretStr | None = Field(
        None,
        description="PostgreSQL URL of a streaming replica of `DATABASE_URL`; set: lists,"
        " search, `/tags` and the export read from it, except for a client whose last write it"
        " has not replayed yet, and the primary answers them while it is down; unset: every"
        " read goes to the primary",
    )
    data_dir: Path = Field(
        Path(".data"), description="where the api's own PostgreSQL keeps its data"
    )
    db_pool_size: int = Field(10, ge=1, description="database connections at most, per process")
    db_acquire_timeout_seconds: float = Field(
        2.0,
        gt=0,
        description="longest a request waits for a free database connection (or for a new one"
        " to connect) before it is a 503 `database-unavailable`",
    )
    # Long enough for any query the api makes on a million memes (an export runs one short
    # FETCH per batch), short enough that a stuck query frees its connection.
    db_statement_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="longest a database statement may run before it is cancelled (a 503"
        " `query-timeout`); each batch of an export is a statement of its own",
    )
    apply_migrations: bool = Field(
        True, description="apply pending migrations when the server or a command starts"
    )
    access_log: bool = Field(
        True,
        description="a log line per request: request id, method, route template, path, status,"
        " duration, bytes, client",
    )

    media_url: str = Field("http://127.0.0.1:8081", description="the media service")
    media_timeout_seconds: float = Field(
        5.0,
        gt=0,
        description="time budget of each call to media, retries included, so an outage is a 503"
        " within it",
    )
    media_breaker_threshold: int = Field(
        5, ge=1, description="failed calls to media in a row that open the circuit breaker"
    )
    media_breaker_cooldown_seconds: float = Field(
        10.0,
        gt=0,
        description="how long an open breaker answers 503 at once before one probe call goes"
        " through to media",
    )

    outbox_interval_seconds: float = Field(
        30.0,
        gt=0,
        description="how often the server carries out deletions of stored pictures that are"
        " due (those media could not confirm are tried again, with a growing delay)",
    )
    reconcile_interval_seconds: float = Field(
        3600.0,
        ge=0,
        description="how often the server runs `reconcile` (at start-up, then at this"
        " interval); 0: never",
    )
    reconcile_grace_seconds: float = Field(
        3600.0,
        gt=0,
        description="how old an object nothing refers to must be before reconcile deletes it,"
        " so that an upload in flight is never removed",
    )

    max_upload_bytes: int = Field(
        10 * MiB, gt=0, description="largest picture (10 MiB), enforced while it streams in"
    )
    # pict-rs's default caps; checked from the headers, before any decoding.
    max_image_pixels: int = Field(
        40_000_000,
        gt=0,
        description="largest width × height (× frames, for an animation), checked from the"
        " headers before decoding",
    )
    max_image_width: int = Field(10_000, gt=0, description="largest width")
    max_image_height: int = Field(10_000, gt=0, description="largest height")
    max_image_frames: int = Field(900, gt=0, description="most frames in an animation")
    image_workers: int = Field(
        2, ge=1, description="processes that decode and re-encode pictures and make thumbnails"
    )
    worker_jobs: int = Field(
        2,
        ge=1,
        description="pictures a `python -m api worker` process works on at once (each job's"
        " OCR and hashing run in its image workers)",
    )
    job_lease_seconds: float = Field(
        30.0,
        gt=0,
        description="how long a job stays claimed by its worker without a sign of life (the"
        " worker renews it while it works); past it, another worker takes the job over",
    )
    job_max_attempts: int = Field(
        4, ge=1, description="tries of a picture's job before it is marked `failed`"
    )
    job_retry_seconds: float = Field(
        5.0,
        gt=0,
        description="wait before a failed job is tried again; doubled at each further try (at"
        " most an hour)",
    )
    job_timeout_seconds: float = Field(
        120.0, gt=0, description="longest one try of a picture's job may take"
    )
    job_poll_seconds: float = Field(
        0.5, gt=0, description="how often an idle worker looks for a job"
    )
    export_batch_size: int = Field(
        1000,
        ge=1,
        le=100_000,
        description="rows fetched per round trip while an export or the tags stream",
    )
    stream_send_timeout_seconds: float = Field(
        30, gt=0, description="longest an export or `/tags` waits for its client to read more"
    )
    max_exports_per_client: int = Field(
        2, ge=1, description="exports in progress at once from one client, per process"
    )
    body_read_timeout_seconds: float = Field(
        10,
        gt=0,
        description="longest a request body (an upload) may stall between two chunks before"
        " it is cut off with a 408",
    )
    idle_timeout_seconds: float = Field(
        15,
        gt=0,
        description="longest a connection may go without sending a whole request head, at its"
        " start or between requests, before it is closed",
    )
    cursor_secret: SecretStr | None = Field(
        None,
        description="key that signs pagination cursors; unset: derived from the media token."
        " Set it to keep cursors valid across a token change",
    )

    def image_limits(self) -> ImageLimits:
        return ImageLimits(
            self.max_image_pixels,
            self.max_image_width,
            self.max_image_height,
            self.max_image_frames,
        )

    def edit_token_key(self) -> bytes:
        """Derives the edit tokens of idempotent creates (api.domain.idempotency)."""
        return hmac.new(self.cursor_key(), b"memes edit token key", hashlib.sha256).digest()

    def cursor_key(self) -> bytes:
        if self.cursor_secret is not None:
            return self.cursor_secret.get_secret_value().encode()
        token = self.media_token.get_secret_value().encode()
        return hmac.new(token, b"memes cursor key", hashlib.sha256).digest()
