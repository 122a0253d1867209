"""The answer a probe gives (MediaInfo) and the limits it applies from headers (MediaLimits)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


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

    @classmethod
    def refused(cls, refusal: Refusal, **facts) -> MediaInfo:
        """Not media, because of ``refusal``; ``facts`` are what the header told before it."""
        return cls(kind=None, error=refusal.message, refused_by=refusal.limit, **facts)

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
            if audio.codec_context is None:  # a damaged header: no codec, nothing to decode
                continue
            rate = audio.codec_context.sample_rate
            if rate and not self.min_sample_rate <= rate <= self.max_sample_rate:
                return Refusal("sample_rate", f"unsupported sample rate: {rate} Hz (accepted: "
                                              f"{self.min_sample_rate}..{self.max_sample_rate} Hz)")
        for video in container.streams.video:
            if video.codec_context is None:
                continue
            problem = self.image_problem(video.codec_context.width, video.codec_context.height)
            if problem:
                return problem
        if container.duration and container.duration / av.time_base > self.max_seconds:
            return self.duration_problem(container.duration / av.time_base)
        return None

    def duration_problem(self, seconds: float) -> Refusal:
        return Refusal("max_seconds", f"media too long: {seconds:.0f} s "
                                      f"(at most {self.max_seconds:.0f} s accepted)")
