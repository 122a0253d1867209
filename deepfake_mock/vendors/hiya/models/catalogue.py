"""Hiya's catalogue of verification models (``phone/v1``...) and the audio each one requires."""

from __future__ import annotations

from dataclasses import dataclass

MAX_AUDIO_SECONDS = 120.0          # DOCUMENTED for identity and voiceprint models: 2 minutes
MIN_VOICE = 1.5                    # DOCUMENTED minimum voice duration of identity models
                                   # (below it: an error); message models score none below it
VOICEPRINT_MIN_VOICE = 4.5         # DOCUMENTED: 4.5 seconds over the minimum audios
MIN_AUDIOS_MAX = 10


@dataclass(frozen=True)
class Model:
    handle: str
    version: str
    min_sample_rate: int
    max_duration: float = MAX_AUDIO_SECONDS
    min_voice: float = 0.0           # a requirement of identity models only
    deprecated_fields: bool = False  # returns the deprecated score / subscores

    @property
    def name(self) -> str:
        """The ``handle/version`` form the API returns, e.g. ``phone/v1``."""
        return f"{self.handle}/{self.version}"

    def unmet(self, duration: float, sample_rate: int, voice: float) -> bool:
        """True when an audio of this duration, sample rate and voice duration breaks the
        requirements."""
        return (sample_rate < self.min_sample_rate or duration > self.max_duration
                or voice < self.min_voice - 1e-9)


AUTHENTICITY_MODELS = {m.handle: m for m in (
    Model("phone", "v1", 8000),
    Model("digital", "v1", 16000),
    Model("telephone", "v1", 8000, deprecated_fields=True),
    Model("default", "v1", 16000, deprecated_fields=True),
)}

# The identity model is chosen from the voiceprint's model (DOCUMENTED).
VOICEPRINT_MODELS = {m.handle: m for m in (
    Model("default", "v1", 8000),
    Model("phone", "v1.1", 8000),
    Model("digital", "v1.1", 16000),
)}
IDENTITY_MODELS = {m.handle: m for m in (
    Model("default", "v1", 16000, min_voice=MIN_VOICE),
    Model("phone", "v1.1", 8000, min_voice=MIN_VOICE),
    Model("digital", "v1.1", 16000, min_voice=MIN_VOICE),
)}

MESSAGE_MODELS = {m.handle: m for m in (
    Model("default", "v1", 8000),
)}
