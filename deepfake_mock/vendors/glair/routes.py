"""GLAIR Vision face deepfake: one thin view per operation of openapi/glair.yaml."""

from __future__ import annotations

from flask import Blueprint, request

from ...web.uploads import spooled_file
from ...web.vendor import runtime, vendor_settings
from . import errors, models
from .models import Config
from .schemas import (DemoDetectDeepfakeResponse, DetectDeepfakeFramesResponse,
                      DetectDeepfakeVideoResponse)

blueprint = Blueprint("glair", __name__)

video_response = DetectDeepfakeVideoResponse()
frames_response = DetectDeepfakeFramesResponse()
demo_response = DemoDetectDeepfakeResponse()


@blueprint.post("/face/v1/deepfake")
def detect_deepfake_video():
    config = Config.from_settings(vendor_settings())
    if config.demo and request.mimetype != "multipart/form-data":
        return _demo_frames(config)  # the older contract took frames here too
    upload = spooled_file("video") if request.mimetype == "multipart/form-data" else None
    if upload is None or upload.size == 0:
        raise errors.no_file(config.error_status)
    if upload.size > config.max_input_bytes:
        raise errors.too_large(errors.VIDEO_TOO_LARGE_REASON, config.oversize_status)
    models.check_video(upload.path)
    body = models.detect(runtime(), upload.digest, "detect_deepfake_video", frames=False,
                         demo=config.demo)
    return demo_response.dump(body) if config.demo else video_response.dump(body)


@blueprint.post("/face/v1/deepfake/images")
def detect_deepfake_frames():
    config = Config.from_settings(vendor_settings())
    if config.demo:
        raise errors.gateway(404, errors.NOT_FOUND)  # the older contract had no /images path
    # The vendor's curl sample sends this JSON with curl's default form Content-Type: the raw
    # body is read as JSON whatever the header says.
    raw = request.get_data(cache=False)
    frames = models.read_frames(raw, config)
    body = models.detect(runtime(), models.frames_digest(frames), "detect_deepfake_frames",
                         frames=True)
    return frames_response.dump(body)


def _demo_frames(config: Config):
    frames = models.read_frames(request.get_data(cache=False), config)
    body = models.detect(runtime(), models.frames_digest(frames), "detect_deepfake_video",
                         frames=True, demo=True)
    return demo_response.dump(body)
