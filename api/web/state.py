"""What the api's web.Application holds, under typed keys."""

from aiohttp import web

from api.domain.readiness import Readiness
from api.services import Services
from api.settings import ApiSettings
from api.web.exports import ExportSlots
from api.web.uploads import UploadSlots

SETTINGS = web.AppKey("settings", ApiSettings)
SERVICES = web.AppKey("services", Services)
SPEC = web.AppKey("openapi_spec", dict)
UPLOAD_SLOTS = web.AppKey("upload_slots", UploadSlots)
EXPORT_SLOTS = web.AppKey("export_slots", ExportSlots)
READINESS = web.AppKey("readiness", Readiness)
