import aiopg
from aiohttp import web

from api.media import MediaClient
from api.settings import ApiSettings
from api.workers import ImageWorkers

SETTINGS = web.AppKey("settings", ApiSettings)
POOL = web.AppKey("pool", aiopg.Pool)
MEDIA = web.AppKey("media", MediaClient)
SPEC = web.AppKey("spec", dict)
IMAGE_WORKERS = web.AppKey("image_workers", ImageWorkers)
