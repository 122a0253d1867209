"""Result shapes of a Resemble detect, per media type, as the seed's interfaces give them.

Plain functions of the verdict (probability, label), the facts read from the media bytes
(duration, frame rate, ...) and the request options. Every "random" number comes from ``u``:
a callable mapping key parts to a number in [0, 1), bound by the caller to (seed, media digest),
so the same media under the same seed always gets the same metrics.

Numbers the vendor writes as decimal strings (audio ``score`` entries, ``consistency``,
``aggregated_score``, ``duration``) are strings unless ``numeric`` is set (the List page's
example uses JSON numbers; the setting ``resemble.score_format`` picks).
"""

from __future__ import annotations

import math
import struct
import zlib
from dataclasses import dataclass
from typing import Callable

Unit = Callable[..., float]
Show = Callable[[str, bytes], str]   # (file name, PNG bytes) -> the URL the item shows

EPSILON = 1e-9
NO_SPEECH = -1.0          # the vendor's "no speech in the track" aggregated_score sentinel
DEFAULT_VIDEO_FPS = 1.0   # frames per second analysed when max_video_fps is not sent
DEFAULT_STREAM_FPS = 25.0  # a video stream whose rate the container does not give
TRACING_FAKE_LABELS = ("resemble_ai", "elevenlabs")


# --- numbers -----------------------------------------------------------------------------------

def decimal(x: float, numeric: bool = False) -> str | float:
    """A score as the vendor writes it: ``"0.91"``, ``"0.566"``, ``"1.0"``, ``"-1.0"``."""
    value = round(float(x), 3) + 0.0   # + 0.0 turns -0.0 into 0.0
    return value if numeric else str(value)


def duration_value(seconds: float | None, numeric: bool = False) -> str | float:
    value = round(float(seconds or 0.0), 2) + 0.0
    return value if numeric else str(value)


def clamp(x: float, lo: float = 0.001, hi: float = 0.999) -> float:
    return min(hi, max(lo, x))


def spread(target: float, n: int, u: Unit, *key: object, amplitude: float = 0.08) -> list[float]:
    """``n`` values scattered around ``target`` whose mean is ``target`` (before clamping)."""
    if n <= 0:
        return []
    if n == 1:
        return [clamp(target)]
    noise = [(u(*key, i) - 0.5) * 2 * amplitude for i in range(n)]
    mean = sum(noise) / n
    return [clamp(target + d - mean) for d in noise]


def certainty_of(score: float) -> float:
    """How sure a node is of its conclusion: 0.5 at a coin toss, 1.0 at either end."""
    return round(0.5 + abs(score - 0.5), 3)


def percent(certainty: float) -> str:
    return f"{round(certainty * 100, 1):g}%"


def conclusion(score: float) -> str:
    return "Fake" if score >= 0.5 else "Real"


# --- the analysed span -------------------------------------------------------------------------

@dataclass(frozen=True)
class Span:
    start: float
    end: float

    @property
    def length(self) -> float:
        return max(0.0, self.end - self.start)


def analysed_span(duration: float, start_region: float | None = None,
                  end_region: float | None = None, max_secs: float | None = None) -> Span | None:
    """The part of the media analysed: [start_region, end_region] cut to the media, then to
    ``max_secs`` (video). ``None`` when nothing is left (start_region at or past the end)."""
    start = float(start_region or 0.0)
    end = float(duration) if end_region is None else min(float(end_region), float(duration))
    if max_secs is not None:
        end = min(end, start + float(max_secs))
    if end - start <= EPSILON:
        return None
    return Span(round(start, 3), round(end, 3))


def window_count(length: float, frame_length: int) -> int:
    """One window per ``frame_length`` seconds of the span; the last may be partial."""
    return max(1, math.ceil(length / frame_length - EPSILON))


# --- visualisations: small real PNGs, shown at the URL ``show`` gives ------------------------

def _png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    rows = b"".join(b"\x00" + bytes(c for x in range(width) for c in pixel(x, y))
                    for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


def heat(score: float) -> tuple[int, int, int]:
    """Red for fake, green for real."""
    s = min(1.0, max(0.0, score))
    return int(255 * s), int(255 * (1 - s)), 40


def strip_heatmap(scores: list[float], height: int = 16) -> bytes:
    """A strip with one column per window or frame (at most 512)."""
    columns = scores[:512] or [0.0]
    return _png(len(columns), height, lambda x, y: heat(columns[x]))


def grid_heatmap(score: float, u: Unit, *key: object, size: int = 16) -> bytes:
    cells = spread(score, size * size, u, *key, amplitude=0.3)
    return _png(size, size, lambda x, y: heat(cells[y * size + x]))


# --- audio -------------------------------------------------------------------------------------

def audio_metrics(*, score: float, label: str, span: Span, frame_length: int, u: Unit,
                  show: Show | None = None, numeric: bool = False, no_speech: bool = False,
                  name: str = "audio.png") -> dict:
    """``item.metrics``: one score per frame_length window, their consistency, the aggregate;
    with ``show`` (visualize), the heatmap's URL as ``image``."""
    n = window_count(span.length, frame_length)
    if no_speech:
        scores = [NO_SPEECH] * n
        metrics = {"label": "real", "score": [decimal(s, numeric) for s in scores],
                   "consistency": decimal(NO_SPEECH, numeric),
                   "aggregated_score": decimal(NO_SPEECH, numeric)}
    else:
        scores = spread(score, n, u, "audio-window")
        deviation = (sum((s - score) ** 2 for s in scores) / n) ** 0.5
        metrics = {"label": label, "score": [decimal(s, numeric) for s in scores],
                   "consistency": decimal(clamp(1 - 2 * deviation, 0.0, 1.0), numeric),
                   "aggregated_score": decimal(score, numeric)}
    if show is not None:
        metrics["image"] = show(name, strip_heatmap([max(0.0, s) for s in scores]))
    return metrics


def audio_track_score(score: float, u: Unit) -> float:
    """The audio track of a video: near the video's verdict, on the same side of 0.5."""
    jitter = (u("audio-track") - 0.5) * 0.1
    moved = clamp(score + jitter)
    return moved if (moved >= 0.5) == (score >= 0.5) else clamp(score)


# --- image -------------------------------------------------------------------------------------

IMAGE_LABELS = ((0.8, "Fake"), (0.6, "Likely fake"), (0.4, "Neutral/Uncertain"),
                (0.2, "Likely real"))


def image_label(score: float) -> str:
    """The five labels seen on real traffic, by score band (the bands are the emulator's)."""
    for floor, label in IMAGE_LABELS[:2]:
        if score >= floor:
            return label
    for floor, label in IMAGE_LABELS[2:]:
        if score > floor:
            return label
    return "Real"


REVERSE_SEARCH_REASONS = (
    "Same image listed as AI-generated.",
    "Visually similar image flagged as synthetic by its publisher.",
    "Earlier copy found on a gallery of generated images.",
)


def reverse_search_sources(score: float, u: Unit) -> list[dict]:
    """Matches of a reverse image search: known fakes for images judged fake, none otherwise."""
    if score < 0.5:
        return []
    count = 1 + int(u("ris-count") * 3)
    sources = []
    for i in range(count):
        ref = int(u("ris-ref", i) * 16**8)
        similarity = 1.0 if i == 0 else round(0.75 + 0.24 * u("ris-similarity", i), 3)
        sources.append({"url": f"https://images.example.com/generated/{ref:08x}.jpg",
                        "title": "images.example.com",
                        "reason": REVERSE_SEARCH_REASONS[i % len(REVERSE_SEARCH_REASONS)],
                        "verdict": "known_fake", "similarity": similarity})
    return sources


def image_metrics(*, score: float, u: Unit, show: Show | None = None,
                  reverse_search: bool = False) -> dict:
    """``item.image_metrics``; with ``show`` (visualize), the URLs of the visualisation and of
    the IFL heatmap."""
    metrics = {"type": "FinalResult", "label": image_label(score),
               "image": (show("image.png", grid_heatmap(score, u, "image-vis"))
                         if show is not None else ""),
               "score": round(score, 3), "children": []}
    if show is not None:
        metrics["ifl"] = {"score": round(clamp(score + (u("ifl") - 0.5) * 0.1), 3),
                          "heatmap": show("ifl.png", grid_heatmap(score, u, "ifl-heatmap"))}
    if reverse_search:
        metrics["reverse_image_search_sources"] = reverse_search_sources(score, u)
    return metrics


# --- video -------------------------------------------------------------------------------------

def frame_times(span: Span, *, stream_fps: float | None, max_video_fps: float | None,
                default_fps: float = DEFAULT_VIDEO_FPS, max_frames: int = 1000) -> list[float]:
    """Timestamps of the frames analysed: min(stream fps, max_video_fps) per second, or
    ``default_fps`` when max_video_fps is not sent; at least one frame, at most ``max_frames``."""
    native = stream_fps if stream_fps and stream_fps > 0 else DEFAULT_STREAM_FPS
    rate = min(native, max_video_fps if max_video_fps else default_fps)
    count = min(max_frames, max(1, math.ceil(span.length * rate - EPSILON)))
    return [round(span.start + i / rate, 3) for i in range(count)]


def _node(kind: str, score: float) -> dict:
    certainty = certainty_of(score)
    return {"type": kind, "conclusion": conclusion(score), "score": round(score, 3),
            "certainty": certainty, "certainty (%)": percent(certainty)}


def video_metrics(*, score: float, span: Span, u: Unit, stream_fps: float | None,
                  max_video_fps: float | None = None, show: Show | None = None,
                  default_fps: float = DEFAULT_VIDEO_FPS, max_frames: int = 1000) -> dict:
    """``item.video_metrics``: VideoResult -> ImageResult (one per sampled frame, with its
    timestamp) -> Segment (one per tracked face)."""
    times = frame_times(span, stream_fps=stream_fps, max_video_fps=max_video_fps,
                        default_fps=default_fps, max_frames=max_frames)
    frame_scores = spread(score, len(times), u, "video-frame", amplitude=0.1)
    faces = 1 + (u("faces") < 0.3)
    frames = []
    for i, (t, fs) in enumerate(zip(times, frame_scores)):
        segments = [_node("Segment", s)
                    for s in spread(fs, faces, u, "video-segment", i, amplitude=0.05)]
        frames.append({**_node("ImageResult", fs), "timestamp": t, "children": segments})
    video = {**_node("VideoResult", score), "children": frames}
    metrics = {"label": conclusion(score), "score": round(score, 3),
               "certainty": certainty_of(score)}
    if show is not None:
        metrics["treeview"] = show("treeview.png", strip_heatmap(frame_scores))
    metrics["children"] = [video]
    return metrics


# --- satellites: source tracing, intelligence, question answers --------------------------------

def tracing_label(is_fake: bool, u: Unit) -> str:
    if not is_fake:
        return "real"
    return TRACING_FAKE_LABELS[int(u("tracing") * len(TRACING_FAKE_LABELS))]


def _channels(n: int | None) -> str:
    return {1: "mono", 2: "stereo"}.get(n or 0, f"{n} channels" if n else "unknown channel layout")


INTELLIGENCE_DEFAULT_JSON = {"audio": False, "video": False, "image": True}


def media_facts(info) -> dict:
    """What an intelligence report says of the media, read from its bytes (a MediaInfo)."""
    return {"duration": info.duration, "channels": info.channels,
            "sample_rate": info.sample_rate, "width": info.width, "height": info.height,
            "has_audio": info.has_audio}


def intelligence_description(media_type: str, facts: dict, is_fake: bool,
                             as_json: bool | None = None) -> str | dict:
    """Prose, or with ``as_json`` the vendor's named fields for the media type; by default
    prose for audio and video and fields for images, as the vendor documents ``json``."""
    if as_json is None:
        as_json = INTELLIGENCE_DEFAULT_JSON[media_type]
    fields = (_image_findings(facts, is_fake) if media_type == "image"
              else _speech_findings(media_type, facts, is_fake))
    if as_json:
        return fields
    if media_type == "image":
        return " ".join(fields[k] for k in ("scene_description", "subjects",
                                            "authenticity_analysis"))
    return f"{_media_summary(media_type, facts)} {fields['abnormalities']}"


def _media_summary(media_type: str, facts: dict) -> str:
    seconds = float(facts.get("duration") or 0.0)
    if media_type == "video":
        return (f"Video of {seconds:.1f} seconds at {facts.get('width', '?')}x"
                f"{facts.get('height', '?')}"
                + (" with an audio track." if facts.get("has_audio") else " without audio."))
    return (f"Audio recording of {seconds:.1f} seconds ({_channels(facts.get('channels'))}"
            + (f", {facts['sample_rate']} Hz" if facts.get("sample_rate") else "") + ").")


def _image_findings(facts: dict, is_fake: bool) -> dict:
    size = f"{facts.get('width', '?')}x{facts.get('height', '?')}"
    return {
        "scene_description": f"A still image of {size} pixels.",
        "subjects": "One main subject in the foreground.",
        "authenticity_analysis": (
            "Texture and lighting are unusually uniform, consistent with a generated image."
            if is_fake else "Noise, lighting and edges are consistent with a camera capture."),
        "context_and_setting": "No identifying context was found in the image.",
        "abnormalities": ("Smoothed skin texture and inconsistent reflections."
                          if is_fake else "None found."),
        "misinformation": "No claims were found in the image.",
    }


def _speech_findings(media_type: str, facts: dict, is_fake: bool) -> dict:
    """The vendor's audio/video keys, in its order."""
    if media_type == "video":
        abnormal = ("Facial regions show blending artefacts and unstable edges between frames,"
                    " consistent with a face swap." if is_fake else
                    "Faces move naturally and no blending artefacts were found between frames.")
    else:
        abnormal = ("The voice has unusually uniform pitch and energy across the analysed"
                    " windows, consistent with synthetic speech." if is_fake else
                    "The voice shows natural variation in pitch, pacing and breathing; no traits"
                    " of synthetic speech were found.")
    return {
        "speaker_info": "One adult speaker.",
        "language": "en",
        "dialect": "en-US",
        "emotion": "neutral",
        "speaking_style": "conversational",
        "context": _media_summary(media_type, facts),
        "message": "No spoken claims of note.",
        "abnormalities": abnormal,
        "transcription": "",
        "translation": None,
        "misinformation": "No misinformation detected",
    }


def question_answer(item: dict, query: str) -> str:
    """A deterministic answer to a question about a completed detect."""
    media_type = item.get("media_type", "media")
    if media_type == "image":
        metrics = item.get("image_metrics") or {}
        verdict = f"labelled {metrics.get('label', 'unknown')} with a score of {metrics.get('score')}"
    elif media_type == "video":
        metrics = item.get("video_metrics") or {}
        verdict = f"labelled {metrics.get('label', 'unknown')} with a score of {metrics.get('score')}"
    else:
        metrics = item.get("metrics") or {}
        verdict = (f"labelled {metrics.get('label', 'unknown')} with an aggregated score of "
                   f"{metrics.get('aggregated_score')}")
    return (f'You asked: "{query.strip()}". The {media_type} in this detection was {verdict} '
            f"(scores near 1 mean likely synthetic, near 0 likely authentic).")
