from concurrent.futures import Executor

import aiopg
from aiohttp import web

from api.media import MediaClient
from api.settings import ApiSettings

SETTINGS = web.AppKey("settings", ApiSettings)
POOL = web.AppKey("pool", aiopg.Pool)
MEDIA = web.AppKey("media", MediaClient)
SPEC = web.AppKey("spec", dict)
# Pictures are decoded in worker processes: a decoder's memory and crashes stay out of the api.
IMAGE_WORKERS = web.AppKey("image_workers", Executor)
