"""The service token kept in a file, when none is given."""

import stat
from concurrent.futures import ThreadPoolExecutor

from api.settings import ApiSettings
from common.service_token import kept_token
from media.settings import MediaSettings


def test_processes_starting_at_once_all_get_the_one_token(tmp_path):
    path = tmp_path / "data" / "media-token"
    with ThreadPoolExecutor(8) as pool:
        tokens = set(pool.map(lambda _: kept_token(path), range(32)))
    assert tokens == {path.read_text()} and len(path.read_text()) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # a secret: its owner's only
    assert [p.name for p in path.parent.iterdir()] == ["media-token"]  # no temporary left


def test_both_services_read_the_kept_token(tmp_path):
    path = tmp_path / "media-token"
    api = ApiSettings(_env_file=None, media_token_file=path)
    media = MediaSettings(_env_file=None, media_token_file=path)
    assert api.media_token.get_secret_value() == media.media_token.get_secret_value()
    assert path.read_text() == api.media_token.get_secret_value()


def test_a_given_token_wins_and_no_file_is_made(tmp_path):
    path = tmp_path / "media-token"
    settings = ApiSettings(_env_file=None, media_token_file=path, media_token="t" * 16)
    assert settings.media_token.get_secret_value() == "t" * 16
    assert not path.exists()
