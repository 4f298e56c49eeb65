from aiohttp import web

from media.settings import MediaSettings
from media.storage import Storage

SETTINGS = web.AppKey("settings", MediaSettings)
STORAGE = web.AppKey("storage", Storage)
