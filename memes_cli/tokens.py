"""The edit tokens this user was given, kept in one JSON file only its owner may read:
`MEMES_TOKEN_FILE`, else `$XDG_CONFIG_HOME/memes/tokens.json` (`~/.config/memes/...`).
Keyed by the api's URL, then the meme's id: two apis both have a meme 1."""

import json
import os
import tempfile
from pathlib import Path

from memes_cli.client import Failure


def token_file() -> Path:
    if path := os.environ.get("MEMES_TOKEN_FILE"):
        return Path(path)
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "memes" / "tokens.json"


class Tokens:
    def __init__(self, api_url: str, path: Path | None = None):
        self.api_url = api_url.rstrip("/")
        self.path = path or token_file()
        # Read now: a command that cannot keep or find its token stops before it changes a meme.
        self._read()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            tokens = json.loads(self.path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:  # ValueError: not JSON, or not UTF-8
            raise self._unreadable(getattr(exc, "strerror", None) or str(exc)) from None
        if not isinstance(tokens, dict) or not all(isinstance(t, dict) for t in tokens.values()):
            raise self._unreadable("not an object of {api url: {meme id: token}}")
        return tokens

    def _unreadable(self, reason: str) -> Failure:
        return Failure("Unreadable token file", f"{self.path}: {reason}; repair or remove it")

    def _write(self, tokens: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # mkstemp makes the file 0600; replacing the old one in one step never leaves half a file.
        fd, name = tempfile.mkstemp(dir=self.path.parent, prefix=".tokens-")
        with os.fdopen(fd, "w") as file:
            json.dump(tokens, file, indent=1, sort_keys=True)
        os.replace(name, self.path)

    def get(self, meme_id: int) -> str | None:
        return self._read().get(self.api_url, {}).get(str(meme_id))

    def keep(self, meme_id: int, token: str) -> None:
        tokens = self._read()
        tokens.setdefault(self.api_url, {})[str(meme_id)] = token
        self._write(tokens)

    def forget(self, meme_id: int) -> None:
        tokens = self._read()
        if tokens.get(self.api_url, {}).pop(str(meme_id), None) is not None:
            self._write(tokens)
