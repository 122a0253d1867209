"""PCM samples for analysis: the first audio stream decoded block by block, mixed to mono
float32 at its own rate, under the same header checks and duration cap as a probe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from .containers import audio_streams, open_container, read_errors, unreadable, video_streams
from .info import MediaLimits
from .sources import Source

if TYPE_CHECKING:
    import numpy


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
            self._file = open_container(source, limits)
            self._open_stream()
        except read_errors() as exc:
            self.error = unreadable(exc)

    def _open_stream(self) -> None:
        self.container = self._file.format.name
        self.has_video = bool(video_streams(self._file))
        audios = audio_streams(self._file)
        if not audios:
            self.error = "no audio stream"
            return
        problem = self.limits.stream_problem(self._file)
        if problem:
            self.error = problem.message
            return
        stream = audios[0]
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
        except read_errors() as exc:
            self.error = unreadable(exc)
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
