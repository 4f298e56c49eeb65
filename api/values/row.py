"""A row as the db layer hands it up: column names to values (a meme's `json`, a picture's
`sha256`, `size`, `content_type`, `stored_at`, ...)."""

from typing import Any

Row = dict[str, Any]
