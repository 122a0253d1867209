"""Hiya Audio Intelligence: what the emulator hears in an audio, and how it chunks and scores it.

An uploaded file is decoded once (``core.media.PcmReader``); every 100 ms segment of its
samples is classified as voice (``v``), broadband noise (``n``) or silence (``.``) from its
energy and its spectral flatness in the speech band. The resulting profile string is stored
with the audio, and verifications derive their chunks, voice durations and labels from it: real
durations decide whether a verification has a score.

Scores are shaped here from numbers the caller decides (seeded verdicts or admin rules), so this
module stays deterministic and free of the store.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...core.media import MediaLimits, PcmReader

SEGMENT = 0.1                 # seconds per profile segment
VOICE, NOISE, SILENCE = "v", "n", "."
ACTIVE_DBFS = -45.0           # a segment louder than this holds sound
NOISE_FLATNESS = 0.4          # spectral flatness at or above which sound is noise, not voice
BAND = (100.0, 4000.0)        # the speech band the flatness is measured in
ANALYSIS_WINDOW = 4.0         # authenticity chunk length (emulator's choice)
MIN_CHUNK_VOICE = 1.5         # voice a chunk needs to be validVoice (emulator's choice)


@dataclass(frozen=True)
class AudioAnalysis:
    duration: float           # seconds of decoded samples
    sample_rate: int
    profile: str              # one character per SEGMENT, the last one possibly partial
    container: str = ""       # FFmpeg demuxer name (wav, flac, mp3, ogg, "mov,mp4,...")
    has_video: bool = False   # a video stream besides the audio (cover art not counted)

    @property
    def voice_duration(self) -> float:
        return span_voice(self.profile, self.duration, 0.0, self.duration)[0]


@dataclass(frozen=True)
class Chunk:
    start: float
    end: float
    voice: float
    noise: float
    label: str

    @property
    def duration(self) -> float:
        return self.end - self.start


# --- decoding ------------------------------------------------------------------------------

def analyse_file(path: str, limits: MediaLimits = MediaLimits()) -> AudioAnalysis | None:
    """Decode the first audio stream of ``path``; None when it holds no decodable audio, or
    its headers break ``limits`` (checked before decoding), or it decodes past their duration."""
    from .segments import StreamingClassifier  # numpy loads with the first analysis

    with PcmReader(path, limits) as pcm:
        classifier = None
        for block in pcm.blocks():
            classifier = classifier or StreamingClassifier(pcm.sample_rate)
            classifier.feed(block)
    if pcm.error is not None or classifier is None:
        return None
    return AudioAnalysis(duration=pcm.duration, sample_rate=pcm.sample_rate,
                         profile=classifier.finish(), container=pcm.container,
                         has_video=pcm.has_video)


# FFmpeg demuxer -> (audio mimetype, video mimetype, extension) for downloads
_FORMATS = {
    "wav": ("audio/wav", None, "wav"),
    "flac": ("audio/flac", None, "flac"),
    "mp3": ("audio/mpeg", None, "mp3"),
    "ogg": ("audio/ogg", "video/ogg", "ogg"),
    "aac": ("audio/aac", None, "aac"),
    "mov,mp4,m4a,3gp,3g2,mj2": ("audio/mp4", "video/mp4", "m4a"),
    "matroska,webm": ("audio/webm", "video/webm", "webm"),
    "aiff": ("audio/aiff", None, "aiff"),
    "amr": ("audio/amr", None, "amr"),
}


def media_type(container: str, has_video: bool) -> tuple[str, str]:
    """(Content-Type, file extension) of a stored file, from its demuxer name."""
    audio, video, ext = _FORMATS.get(container, ("application/octet-stream", None, "bin"))
    if has_video and video:
        return video, "mp4" if ext == "m4a" else ext
    return audio, ext


def span_voice(profile: str, duration: float, start: float, end: float) -> tuple[float, float]:
    """(voice seconds, noise seconds) of the profile between ``start`` and ``end``."""
    voice = noise = 0.0
    first = int(start / SEGMENT + 1e-9)
    for index in range(first, len(profile)):
        seg_start = index * SEGMENT
        if seg_start >= end - 1e-9:
            break
        overlap = min(end, (index + 1) * SEGMENT, duration) - max(start, seg_start)
        if overlap <= 0:
            continue
        if profile[index] == VOICE:
            voice += overlap
        elif profile[index] == NOISE:
            noise += overlap
    return round(voice, 6), round(noise, 6)


def label_for(voice: float, noise: float, min_voice: float = MIN_CHUNK_VOICE) -> str:
    if voice >= min_voice - 1e-9:
        return "validVoice"
    if noise >= min_voice - 1e-9 and noise > voice:
        return "excessiveNoise"
    return "insufficientVoice"


def split_chunks(profile: str, duration: float, window: float = ANALYSIS_WINDOW,
                 min_voice: float = MIN_CHUNK_VOICE) -> list[Chunk]:
    """The audio cut into ``window``-second chunks (the last one shorter), each labelled."""
    chunks = []
    count = math.ceil(round(duration / window, 9)) if duration > 0 else 0
    for i in range(count):
        start = i * window
        end = min(duration, start + window)
        voice, noise = span_voice(profile, duration, start, end)
        chunks.append(Chunk(start=start, end=end, voice=voice, noise=noise,
                            label=label_for(voice, noise, min_voice)))
    return chunks


# --- scores --------------------------------------------------------------------------------

def clamp01(value: float) -> float:
    return min(1.0, max(0.0, value))


def round_score(value: float | None) -> float | None:
    return None if value is None else round(clamp01(value), 4)


def chunk_scores(overall: float, jitters: list[float], labels: list[str],
                 spread: float = 0.1) -> list[float | None]:
    """Per-chunk scores around ``overall``: valid chunks get ``overall`` moved by
    ``(jitter - 0.5) * spread`` (jitters are in [0, 1)), the others no score."""
    return [round_score(overall + (j - 0.5) * spread) if label == "validVoice" else None
            for j, label in zip(jitters, labels)]


def partial_spoof(scores: list[float | None]) -> bool:
    """True when scored chunks fall on both sides of 0.5."""
    scored = [s for s in scores if s is not None]
    return any(s < 0.5 for s in scored) and any(s >= 0.5 for s in scored)


def identity_score(is_enrolled: bool, u: float) -> float:
    """An audio enrolled in the voiceprint matches it (>= 0.9); any other is uniform."""
    return round_score(0.9 + 0.1 * u if is_enrolled else u)
