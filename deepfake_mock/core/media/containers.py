"""Audio and video containers, read by FFmpeg (PyAV): the header checked against the limits,
then the main stream demuxed for the seconds it really holds, its first frames decoded."""

from __future__ import annotations

from .info import MediaInfo, MediaLimits
from .sources import Source, readable

# FFmpeg names containers by demuxer; these are the still-image demuxers it would also accept.
_IMAGE_DEMUXERS = ("image2", "_pipe", "mjpeg")
FIRST_FRAME_PACKETS = 512  # packets demuxed, at most, before the first frame must decode


def open_container(source: Source, limits: MediaLimits):
    """An opened PyAV input container; raises one of ``read_errors()``."""
    import av

    return av.open(readable(source), metadata_errors="ignore", options=limits.av_options())


def read_errors() -> tuple[type[BaseException], ...]:
    """What PyAV raises for a file it cannot read (a hostile one included)."""
    import av

    return av.error.FFmpegError, UnicodeDecodeError, ValueError, IndexError, MemoryError


def unreadable(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return f"unsupported or corrupted media: {reason}"


def video_streams(container) -> list:
    """The container's video streams, cover art (an attached picture) and streams with no
    codec (a damaged header) not counted."""
    import av

    return [s for s in container.streams.video if s.codec_context is not None
            and not s.disposition & av.stream.Disposition.attached_pic]


def audio_streams(container) -> list:
    """The container's audio streams with a codec (a damaged header may leave none)."""
    return [s for s in container.streams.audio if s.codec_context is not None]


def probe_container(source: Source, limits: MediaLimits) -> MediaInfo:
    """The answer for anything that is not a still image."""
    try:
        with open_container(source, limits) as container:
            return _describe(container, limits)
    except read_errors() as exc:
        return MediaInfo(kind=None, error=unreadable(exc))


def _describe(container, limits: MediaLimits) -> MediaInfo:
    name = container.format.name
    videos = video_streams(container)
    audios = audio_streams(container)
    if any(part in name for part in _IMAGE_DEMUXERS) or (not videos and not audios):
        return MediaInfo(kind=None, container=name, error="no audio or video stream")
    problem = limits.stream_problem(container)
    if problem:
        return MediaInfo.refused(problem, container=name)
    main = videos[0] if videos else audios[0]
    duration = _demuxed_duration(container, main, limits.max_seconds)
    if duration is None:
        return MediaInfo(kind=None, container=name, error="no decodable frame")
    if duration > limits.max_seconds:
        return MediaInfo.refused(limits.duration_problem(duration), container=name)
    audio = audios[0] if audios else None
    info = dict(container=name, duration=duration, has_audio=audio is not None,
                has_video=bool(videos), decoded=True)
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
    """Seconds of ``stream`` really present, or None when no frame decodes within its first
    FIRST_FRAME_PACKETS packets; demuxing stops as soon as the seconds pass ``max_seconds``."""
    import av

    decoded = False
    start = end = None
    for count, packet in enumerate(container.demux(stream)):
        if packet.pts is None and packet.dts is None:
            continue  # the flush packet
        if not decoded:
            if count >= FIRST_FRAME_PACKETS:
                return None
            try:
                decoded = bool(packet.decode())
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
