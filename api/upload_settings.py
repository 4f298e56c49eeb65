"""The settings that keep uploads in step with the clients sending them: how many at once,
how long one may wait for its turn and take, and the pace its body must keep. A part of
`ApiSettings`; each description is a row of the settings table in docs/settings.md."""

from pydantic import Field
from pydantic_settings import BaseSettings


class UploadSettings(BaseSettings):
    upload_timeout_seconds: float = Field(
        120,
        gt=0,
        description="longest a whole meme form may take to arrive, however steadily it trickles"
        " in, before it is cut off with a 408 (10 MiB in 120 s is 85 KB/s)",
    )
    max_uploads: int = Field(32, ge=1, description="uploads in progress at once, per process")
    max_uploads_per_client: int = Field(
        4,
        ge=1,
        description="uploads in progress or waiting for a slot at once from one client, per"
        " process; one more is a 429 at once",
    )
    upload_queue_length: int = Field(
        64,
        ge=0,
        description="uploads that may wait for a slot when all `MAX_UPLOADS` are taken, per"
        " process, each served in turn (its body is not read while it waits); one more is a"
        " 503 at once",
    )
    upload_queue_seconds: float = Field(
        30,
        ge=0,
        description="longest an upload waits for a slot before it is answered 503 (with"
        " `Retry-After`)",
    )
    upload_min_bytes_per_second: int = Field(
        20_000,
        ge=0,
        description="slowest an upload's body may come, on average since its slot was given,"
        " once `UPLOAD_GRACE_SECONDS` are over; slower, it is cut off with a 408 (20 KB/s lets"
        " a 50 KB/s mobile link through and cuts an 8 KB/s trickle); 0: no minimum",
    )
    upload_grace_seconds: float = Field(
        10,
        gt=0,
        description="how long an upload's body may come slower than"
        " `UPLOAD_MIN_BYTES_PER_SECOND` at its start (a radio waking up, TCP's slow start)",
    )
