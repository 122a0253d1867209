"""Media probing from the real bytes: what a file is, never what its name says.

PyAV (FFmpeg's libraries, shipped inside its wheels) reads audio and video containers, so every
format a standard FFmpeg build reads is recognised; Pillow reads still images. Durations come
from the demuxed packets, so a truncated file reports what it really holds, and the first frames
are decoded so that a file with a valid header but broken data is not taken for media.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import av
from PIL import Image, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp",
                 "TIFF": "tiff", "MPO": "jpeg"}
# FFmpeg names containers by demuxer; these are the still-image demuxers it would also accept.
_IMAGE_DEMUXERS = ("image2", "_pipe", "mjpeg")


@dataclass(frozen=True)
class MediaInfo:
    kind: str | None                  # "audio" | "video" | "image" | None (not media)
    container: str | None = None      # FFmpeg demuxer name, or the image format
    codec: str | None = None          # audio codec (audio), video codec (video), image format
    sample_rate: int | None = None
    channels: int | None = None
    duration: float | None = None     # seconds
    width: int | None = None
    height: int | None = None
    frame_rate: float | None = None
    has_audio: bool = False
    has_video: bool = False
    audio_codec: str | None = None
    error: str | None = None          # why it is not media

    def as_dict(self) -> dict:
        return asdict(self)


def probe(path: str) -> MediaInfo:
    image = _probe_image(path)
    if image is not None:
        return image
    return _probe_av(path)


def _probe_image(path: str) -> MediaInfo | None:
    try:
        with Image.open(path) as img:
            fmt = IMAGE_FORMATS.get(img.format or "")
            if fmt is None:
                return None
            img.load()  # decode the pixels: a truncated image fails here
            return MediaInfo(kind="image", container=fmt, codec=fmt, width=img.width,
                             height=img.height)
    except (UnidentifiedImageError, Image.DecompressionBombError):
        return None
    except (OSError, SyntaxError, ValueError) as exc:
        return MediaInfo(kind=None, error=f"corrupt image: {exc}")


def _probe_av(path: str) -> MediaInfo:
    try:
        with av.open(path, metadata_errors="ignore") as container:
            return _describe(container)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, IndexError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return MediaInfo(kind=None, error=f"unsupported or corrupted media: {reason}")


def _describe(container) -> MediaInfo:
    name = container.format.name
    videos = [s for s in container.streams.video
              if not s.disposition & av.stream.Disposition.attached_pic]
    audios = list(container.streams.audio)
    if any(part in name for part in _IMAGE_DEMUXERS) or (not videos and not audios):
        return MediaInfo(kind=None, container=name, error="no audio or video stream")
    main = videos[0] if videos else audios[0]
    duration = _demuxed_duration(container, main)
    if duration is None:
        return MediaInfo(kind=None, container=name, error="no decodable frame")
    audio = audios[0] if audios else None
    info = dict(container=name, duration=duration, has_audio=audio is not None,
                has_video=bool(videos))
    if audio is not None:
        info.update(sample_rate=audio.codec_context.sample_rate,
                    channels=audio.codec_context.channels, audio_codec=audio.codec_context.name)
    if videos:
        video = videos[0]
        rate = video.average_rate or video.guessed_rate
        return MediaInfo(kind="video", codec=video.codec_context.name,
                         width=video.codec_context.width, height=video.codec_context.height,
                         frame_rate=float(rate) if rate else None, **info)
    return MediaInfo(kind="audio", codec=audio.codec_context.name, **info)


def _demuxed_duration(container, stream) -> float | None:
    """Seconds of ``stream`` really present, or None when its first packets do not decode."""
    decoded = False
    start = end = None
    for packet in container.demux(stream):
        if packet.pts is None and packet.dts is None:
            continue  # the flush packet
        if not decoded:
            try:
                decoded = bool(packet.decode()) or decoded
            except av.error.FFmpegError:
                return None
        ts = packet.pts if packet.pts is not None else packet.dts
        start = ts if start is None else min(start, ts)
        end = max(end or ts, ts + (packet.duration or 0))
    if not decoded:
        try:
            decoded = any(True for _ in stream.codec_context.decode(None))
        except av.error.FFmpegError:
            decoded = False
    if not decoded or start is None:
        return None
    return float((end - start) * stream.time_base)
