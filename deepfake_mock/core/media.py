"""Media probing from the real bytes: what a file is, never what its name says.

PyAV (FFmpeg's libraries, shipped inside its wheels) reads audio and video containers, so every
format a standard FFmpeg build reads is recognised; Pillow reads still images. Durations come
from the demuxed packets, so a truncated file reports what it really holds, and the first frames
are decoded so that a file with a valid header but broken data is not taken for media.

Hostile files are refused from their headers before anything is decoded (MediaLimits): images
over a pixel cap (a 657 KB PNG can declare 169 megapixels), sample rates no recording has (a
1 Hz WAV declares 22 hours in 160 KB) and durations over a cap. FFmpeg's own probing decodes
no frame over the pixel cap, and demuxing stops once past the duration cap.
"""

from __future__ import annotations

import warnings
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


@dataclass(frozen=True)
class MediaLimits:
    """What a probe refuses from the header alone (settings ``max_image_pixels`` and
    ``max_media_seconds``); sample rates outside 1 kHz..384 kHz belong to no recording."""

    max_image_pixels: int = 40_000_000
    max_seconds: float = 14_400.0
    min_sample_rate: int = 1_000
    max_sample_rate: int = 384_000

    @classmethod
    def from_settings(cls, settings) -> MediaLimits:
        return cls(settings.max_image_pixels, settings.max_media_seconds)

    def av_options(self) -> dict[str, str]:
        """FFmpeg options for ``av.open``: its stream probing decodes no larger frame."""
        return {"max_pixels": str(self.max_image_pixels)}

    def image_problem(self, width: int, height: int) -> str | None:
        if width * height > self.max_image_pixels:
            return (f"image too large: {width}x{height} pixels "
                    f"(at most {self.max_image_pixels} accepted)")
        return None

    def stream_problem(self, container) -> str | None:
        """Why an opened container's headers are refused, or None: sample rates, frame sizes
        and the declared duration."""
        for audio in container.streams.audio:
            rate = audio.codec_context.sample_rate
            if rate and not self.min_sample_rate <= rate <= self.max_sample_rate:
                return (f"unsupported sample rate: {rate} Hz (accepted: "
                        f"{self.min_sample_rate}..{self.max_sample_rate} Hz)")
        for video in container.streams.video:
            problem = self.image_problem(video.codec_context.width, video.codec_context.height)
            if problem:
                return problem
        if container.duration and container.duration / av.time_base > self.max_seconds:
            return self.duration_problem(container.duration / av.time_base)
        return None

    def duration_problem(self, seconds: float) -> str:
        return f"media too long: {seconds:.0f} s (at most {self.max_seconds:.0f} s accepted)"


def probe(path: str, limits: MediaLimits = MediaLimits(), *,
          decode_images: bool = True) -> MediaInfo:
    """What ``path`` holds. ``decode_images=False`` (for vendors that refuse images anyway)
    reads an image's header only."""
    image = _probe_image(path, limits, decode_images)
    if image is not None:
        return image
    return _probe_av(path, limits)


def _probe_image(path: str, limits: MediaLimits, decode: bool) -> MediaInfo | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as img:  # lazy: reads the header only
                fmt = IMAGE_FORMATS.get(img.format or "")
                if fmt is None:
                    return None
                width, height = img.size
                problem = limits.image_problem(width, height)
                if problem:
                    return MediaInfo(kind=None, container=fmt, width=width, height=height,
                                     error=problem)
                if decode:
                    img.draft(None, (max(1, width // 8), max(1, height // 8)))  # JPEG: an eighth of the pixels
                    img.load()  # decode the pixels: a truncated image fails here
                return MediaInfo(kind="image", container=fmt, codec=fmt, width=width,
                                 height=height)
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError as exc:
        return MediaInfo(kind=None, error=f"image too large: {exc}")
    except (OSError, SyntaxError, ValueError) as exc:
        return MediaInfo(kind=None, error=f"corrupt image: {exc}")


def _probe_av(path: str, limits: MediaLimits) -> MediaInfo:
    try:
        with av.open(path, metadata_errors="ignore", options=limits.av_options()) as container:
            return _describe(container, limits)
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError, IndexError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        return MediaInfo(kind=None, error=f"unsupported or corrupted media: {reason}")


def _describe(container, limits: MediaLimits) -> MediaInfo:
    name = container.format.name
    videos = [s for s in container.streams.video
              if not s.disposition & av.stream.Disposition.attached_pic]
    audios = list(container.streams.audio)
    if any(part in name for part in _IMAGE_DEMUXERS) or (not videos and not audios):
        return MediaInfo(kind=None, container=name, error="no audio or video stream")
    problem = limits.stream_problem(container)
    if problem:
        return MediaInfo(kind=None, container=name, error=problem)
    main = videos[0] if videos else audios[0]
    duration = _demuxed_duration(container, main, limits.max_seconds)
    if duration is None:
        return MediaInfo(kind=None, container=name, error="no decodable frame")
    if duration > limits.max_seconds:
        return MediaInfo(kind=None, container=name, error=limits.duration_problem(duration))
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


def _demuxed_duration(container, stream, max_seconds: float) -> float | None:
    """Seconds of ``stream`` really present, or None when its first packets do not decode;
    demuxing stops as soon as the seconds pass ``max_seconds``."""
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
        if decoded and (end - start) * stream.time_base > max_seconds:
            break
    if not decoded:
        try:
            decoded = any(True for _ in stream.codec_context.decode(None))
        except av.error.FFmpegError:
            decoded = False
    if not decoded or start is None:
        return None
    return float((end - start) * stream.time_base)
