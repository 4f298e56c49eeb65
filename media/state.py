"""What the media service's web.Application holds, under typed keys."""

from pathlib import Path

from aiohttp import web

from media.settings import MediaSettings
from media.store.base import Store

SETTINGS = web.AppKey("settings", MediaSettings)
STORE = web.AppKey("store", Store)
SPOOL = web.AppKey("spool", Path)  # this process's own scratch directory (common.scratch)
