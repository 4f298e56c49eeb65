"""What the media service's web.Application holds, under typed keys."""

from aiohttp import web

from media.services import MediaServices
from media.settings import MediaSettings

SETTINGS = web.AppKey("settings", MediaSettings)
SERVICES = web.AppKey("services", MediaServices)
