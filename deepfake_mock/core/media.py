"""Media probing from the real bytes: what a file is, never what its name says.

What to ask. ``info = probe(source, limits)`` answers every vendor's question from one probe;
a vendor's media rules are conditions over ``info``, never a second opening of the file:

    question                                      answer
    audio, video, still image, or not media?      info.kind  "audio" | "video" | "image" | None
    why not media (text for a vendor's message)   info.error
    refused by a limit? which one?                info.refused_by  "max_image_pixels" |
                                                                   "sample_rate" | "max_seconds"
    container / image format                      info.container  FFmpeg demuxer ("wav",
                                                  "mov,mp4,m4a,3gp,3g2,mj2", ...) or "jpeg", "png"
    codec                                         info.codec (main stream), info.audio_codec
    duration (seconds really present)             info.duration
    channels, sample rate                         info.channels, info.sample_rate
    pixel size, read before decoding              info.width, info.height (over
                                                  limits.max_image_pixels: refused undecoded)
    do the first (video) frames decode?           info.decoded
    audio track, video track                      info.has_audio, info.has_video
    frame rate                                    info.frame_rate
    MP4 brands (a leading ftyp box)               info.major_brand, info.compatible_brands,
                                                  info.brands (both, major first)
    an image field (Pillow only, never FFmpeg)    probe_image(source, limits) -> the same answer
    PCM samples for analysis                      with PcmReader(source, limits) as pcm:
                                                      for block in pcm.blocks(): ...
                                                  (mono float32 at pcm.sample_rate; pcm.error,
                                                  pcm.duration once read)

A source is a path, bytes, or a seekable binary file (read from its start). A probe never
raises for what a file holds: anything it cannot use is ``kind=None`` with ``error`` set.

PyAV (FFmpeg's libraries, shipped inside its wheels) reads audio and video containers, so every
format a standard FFmpeg build reads is recognised; Pillow reads still images. Both are imported
by the functions that use them, so an idle worker does not carry them. Durations come from the
demuxed packets, so a truncated file reports what it really holds, and the first frames are
decoded so that a file with a valid header but broken data is not taken for media.

Hostile files are refused from their headers before anything is decoded (MediaLimits): images
over a pixel cap (a 657 KB PNG can declare 169 megapixels), sample rates no recording has (a
1 Hz WAV declares 22 hours in 160 KB) and durations over a cap. FFmpeg's own probing decodes
no frame over the pixel cap, and demuxing stops once past the duration cap.
"""

from __future__ import annotations

import io
import os
import struct
import warnings
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, BinaryIO, Iterator, Union

if TYPE_CHECKING:
    import numpy

Source = Union[str, os.PathLike, bytes, BinaryIO]

IMAGE_FORMATS = {"JPEG": "jpeg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp",
                 "TIFF": "tiff", "MPO": "jpeg"}
# The same formats by their leading bytes: names a refused image that Pillow would not open.
_IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
                     (b"GIF89a", "gif"), (b"BM", "bmp"), (b"II*\x00", "tiff"), (b"MM\x00*", "tiff"))
# FFmpeg names containers by demuxer; these are the still-image demuxers it would also accept.
_IMAGE_DEMUXERS = ("image2", "_pipe", "mjpeg")
HEAD_BYTES = 256             # read for signatures and the ftyp box (58 compatible brands)
FIRST_FRAME_PACKETS = 512    # packets demuxed, at most, before the first frame must decode


@dataclass(frozen=True)
class Refusal:
    """A limit a file's header breaks: the MediaLimits field, and the message."""

    limit: str                        # "max_image_pixels" | "sample_rate" | "max_seconds"
    message: str


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
    refused_by: str | None = None     # the MediaLimits field that refused it (Refusal.limit)
    decoded: bool = False             # the first frames (an image: its pixels) decoded
    major_brand: str | None = None    # of a leading ISO-BMFF ftyp box
    compatible_brands: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "compatible_brands", tuple(self.compatible_brands))  # from JSON

    @property
    def brands(self) -> tuple[str, ...]:
        """The ftyp box's major brand then its compatible brands; () without one."""
        return (self.major_brand, *self.compatible_brands) if self.major_brand else ()

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

    def image_problem(self, width: int, height: int) -> Refusal | None:
        if width * height > self.max_image_pixels:
            return Refusal("max_image_pixels", f"image too large: {width}x{height} pixels "
                                               f"(at most {self.max_image_pixels} accepted)")
        return None

    def stream_problem(self, container) -> Refusal | None:
        """Why an opened container's headers are refused, or None: sample rates, frame sizes
        and the declared duration."""
        import av

        for audio in container.streams.audio:
            rate = audio.codec_context.sample_rate
            if rate and not self.min_sample_rate <= rate <= self.max_sample_rate:
                return Refusal("sample_rate", f"unsupported sample rate: {rate} Hz (accepted: "
                                              f"{self.min_sample_rate}..{self.max_sample_rate} Hz)")
        for video in container.streams.video:
            problem = self.image_problem(video.codec_context.width, video.codec_context.height)
            if problem:
                return problem
        if container.duration and container.duration / av.time_base > self.max_seconds:
            return self.duration_problem(container.duration / av.time_base)
        return None

    def duration_problem(self, seconds: float) -> Refusal:
        return Refusal("max_seconds", f"media too long: {seconds:.0f} s "
                                      f"(at most {self.max_seconds:.0f} s accepted)")


def refused(refusal: Refusal, **facts) -> MediaInfo:
    """Not media, because of ``refusal``; ``facts`` are what the header told before it."""
    return MediaInfo(kind=None, error=refusal.message, refused_by=refusal.limit, **facts)


# ---- probing ---------------------------------------------------------------------------------

def probe(source: Source, limits: MediaLimits = MediaLimits(), *,
          decode_images: bool = True) -> MediaInfo:
    """What ``source`` holds. ``decode_images=False`` (for vendors that refuse images anyway)
    reads an image's header only."""
    head = _head(source)
    info = _probe_image(source, limits, decode_images, head)
    if info is None:
        info = _probe_av(source, limits)
    brands = mp4_brands(head)
    if brands:
        info = replace(info, major_brand=brands[0], compatible_brands=brands[1:])
    return info


def probe_image(source: Source, limits: MediaLimits = MediaLimits(), *,
                decode: bool = True) -> MediaInfo:
    """What a still image ``source`` is, through Pillow only (FFmpeg never sees it): for fields
    that take nothing but images. Anything else is ``kind=None``, error "not an image"."""
    head = _head(source)
    info = _probe_image(source, limits, decode, head)
    if info is None:
        return MediaInfo(kind=None, container=_image_format(head), error="not an image")
    return info


def mp4_brands(head: bytes) -> tuple[str, ...] | None:
    """Major and compatible brands of a leading ``ftyp`` box, or None when there is none."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return None
    size = struct.unpack(">I", head[:4])[0]
    if size < 16:  # includes 1 (a 64-bit box size), which no muxer writes for ftyp
        return None
    end = min(size, len(head))
    brands = [head[8:12]] + [head[i:i + 4] for i in range(16, end - 3, 4)]
    return tuple(b.decode("latin-1") for b in brands)


def _readable(source: Source):
    """What Pillow and PyAV open: a path as it is, bytes as a file, a file from its start."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    source.seek(0)
    return source


def _head(source: Source) -> bytes:
    readable = _readable(source)
    if not isinstance(readable, str):
        return readable.read(HEAD_BYTES)
    try:
        with open(readable, "rb") as file:
            return file.read(HEAD_BYTES)
    except OSError:
        return b""  # the probe itself says why


def _image_format(head: bytes) -> str | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return next((fmt for magic, fmt in _IMAGE_SIGNATURES if head.startswith(magic)), None)


def _probe_image(source: Source, limits: MediaLimits, decode: bool,
                 head: bytes) -> MediaInfo | None:
    """An image's answer, or None when Pillow does not take it for one of IMAGE_FORMATS."""
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(_readable(source)) as img:  # lazy: reads the header only
                fmt = IMAGE_FORMATS.get(img.format or "")
                if fmt is None:
                    return None
                width, height = img.size
                problem = limits.image_problem(width, height)
                if problem:
                    return refused(problem, container=fmt, width=width, height=height)
                if decode:
                    # JPEG: decode an eighth of the pixels, enough to find broken data
                    img.draft(None, (max(1, width // 8), max(1, height // 8)))
                    img.load()  # decode the pixels: a truncated image fails here
                return MediaInfo(kind="image", container=fmt, codec=fmt, width=width,
                                 height=height, decoded=decode)
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError as exc:  # past Pillow's own cap, before ours is asked
        return refused(Refusal("max_image_pixels", f"image too large: {exc}"),
                       container=_image_format(head))
    except (OSError, SyntaxError, ValueError) as exc:
        return MediaInfo(kind=None, error=f"corrupt image: {exc}")


def _av_errors(av) -> tuple[type[BaseException], ...]:
    """What PyAV raises for a file it cannot read (a hostile one included)."""
    return av.error.FFmpegError, UnicodeDecodeError, ValueError, IndexError, MemoryError


def _unreadable(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    return f"unsupported or corrupted media: {reason}"


def _probe_av(source: Source, limits: MediaLimits) -> MediaInfo:
    import av

    try:
        with av.open(_readable(source), metadata_errors="ignore",
                     options=limits.av_options()) as container:
            return _describe(container, limits)
    except _av_errors(av) as exc:
        return MediaInfo(kind=None, error=_unreadable(exc))


def _video_streams(container) -> list:
    """The container's video streams, cover art (an attached picture) not counted."""
    import av

    return [s for s in container.streams.video
            if not s.disposition & av.stream.Disposition.attached_pic]


def _describe(container, limits: MediaLimits) -> MediaInfo:
    name = container.format.name
    videos = _video_streams(container)
    audios = list(container.streams.audio)
    if any(part in name for part in _IMAGE_DEMUXERS) or (not videos and not audios):
        return MediaInfo(kind=None, container=name, error="no audio or video stream")
    problem = limits.stream_problem(container)
    if problem:
        return refused(problem, container=name)
    main = videos[0] if videos else audios[0]
    duration = _demuxed_duration(container, main, limits.max_seconds)
    if duration is None:
        return MediaInfo(kind=None, container=name, error="no decodable frame")
    if duration > limits.max_seconds:
        return refused(limits.duration_problem(duration), container=name)
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


# ---- PCM for analysis ------------------------------------------------------------------------

class PcmReader:
    """The first audio stream's samples, mono float32 at the stream's own rate, decoded block
    by block (one decoded frame in memory, whatever the file's length).

        with PcmReader(path, limits) as pcm:
            for block in pcm.blocks():    # nothing when refused
                ...
        pcm.error, pcm.duration           # final once blocks() is exhausted

    The header is checked (``limits.stream_problem``) before anything is decoded; decoding
    stops, with ``error`` set, as soon as the samples pass ``limits.max_seconds``.
    """

    def __init__(self, source: Source, limits: MediaLimits = MediaLimits()):
        import av

        self.limits = limits
        self.container: str | None = None     # FFmpeg demuxer name
        self.codec: str | None = None
        self.sample_rate: int | None = None
        self.channels: int | None = None
        self.has_video = False                 # a video stream besides (cover art not counted)
        self.samples = 0                       # decoded so far
        self.error: str | None = None          # why there are no (more) samples
        self._file = self._stream = None
        try:
            self._file = av.open(_readable(source), metadata_errors="ignore",
                                 options=limits.av_options())
            self._open_stream()
        except _av_errors(av) as exc:
            self.error = _unreadable(exc)

    def _open_stream(self) -> None:
        self.container = self._file.format.name
        self.has_video = bool(_video_streams(self._file))
        if not self._file.streams.audio:
            self.error = "no audio stream"
            return
        problem = self.limits.stream_problem(self._file)
        if problem:
            self.error = problem.message
            return
        stream = self._file.streams.audio[0]
        context = stream.codec_context
        self.codec, self.channels = context.name, context.channels
        self.sample_rate = int(context.sample_rate or 0) or None
        if self.sample_rate is None:
            self.error = "no sample rate"
            return
        self._stream = stream

    @property
    def duration(self) -> float:
        """Seconds of samples decoded so far."""
        return self.samples / self.sample_rate if self.sample_rate else 0.0

    def blocks(self) -> Iterator[numpy.ndarray]:
        """Mono float32 sample blocks, in order; stops early, with ``error`` set, on broken
        data or past the duration cap."""
        if self._stream is None or self.error is not None:
            return
        import av

        cap = self.limits.max_seconds * self.sample_rate
        resampler = av.AudioResampler(format="flt", layout="mono", rate=self.sample_rate)
        try:
            for frame in self._file.decode(self._stream):
                for out in resampler.resample(frame):
                    yield self._counted(out)
                if self.samples > cap:
                    self.error = self.limits.duration_problem(self.duration).message
                    return
            for out in resampler.resample(None):
                yield self._counted(out)
        except _av_errors(av) as exc:
            self.error = _unreadable(exc)
            return
        if self.samples == 0:
            self.error = "no decodable frame"

    def _counted(self, frame) -> numpy.ndarray:
        block = frame.to_ndarray().reshape(-1)
        self.samples += len(block)
        return block

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = self._stream = None

    def __enter__(self) -> PcmReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
