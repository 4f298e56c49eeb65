"""What the api's web.Application holds, under typed keys."""

from aiohttp import web

from api.services import Services
from api.settings import ApiSettings
from api.web.uploads import UploadSlots

SETTINGS = web.AppKey("settings", ApiSettings)
SERVICES = web.AppKey("services", Services)
SPEC = web.AppKey("openapi_spec", dict)
UPLOAD_SLOTS = web.AppKey("upload_slots", UploadSlots)
