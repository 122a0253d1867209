"""The voice, noise and silence profile of decoded audio, one 100 ms segment at a time. numpy
is imported here only: it loads with a worker's first analysis, not with the app."""

from __future__ import annotations

import math

import numpy as np

from .analysis import ACTIVE_DBFS, BAND, NOISE, NOISE_FLATNESS, SEGMENT, SILENCE, VOICE


class StreamingClassifier:
    """Classifies 100 ms segments as samples arrive, holding at most one segment in memory."""

    def __init__(self, sample_rate: int):
        self.sample_rate = sample_rate
        self.segment_len = max(1, round(sample_rate * SEGMENT))
        self._buffer = np.zeros(0, dtype=np.float32)
        self._labels: list[str] = []

    def feed(self, samples: np.ndarray) -> None:
        buffer = np.concatenate([self._buffer, samples.astype(np.float32, copy=False)])
        whole = len(buffer) // self.segment_len
        for i in range(whole):
            segment = buffer[i * self.segment_len:(i + 1) * self.segment_len]
            self._labels.append(classify_segment(segment, self.sample_rate))
        self._buffer = buffer[whole * self.segment_len:]

    def finish(self) -> str:
        if len(self._buffer):
            self._labels.append(classify_segment(self._buffer, self.sample_rate))
            self._buffer = np.zeros(0, dtype=np.float32)
        return "".join(self._labels)


def classify_segment(samples: np.ndarray, sample_rate: int) -> str:
    """``v`` voice, ``n`` noise or ``.`` silence for one segment of mono float samples."""
    if len(samples) == 0:
        return SILENCE
    x = samples.astype(np.float64)
    rms = math.sqrt(float(np.mean(x * x)))
    if rms <= 0 or 20 * math.log10(rms) < ACTIVE_DBFS:
        return SILENCE
    return NOISE if spectral_flatness(x, sample_rate) >= NOISE_FLATNESS else VOICE


def spectral_flatness(samples: np.ndarray, sample_rate: int) -> float:
    """Geometric over arithmetic mean of the power spectrum in the speech band (0..1).

    A pure tone or voiced speech is far below 0.1; white noise is about 0.56.
    """
    windowed = samples * np.hanning(len(samples))
    power = np.abs(np.fft.rfft(windowed)) ** 2
    freqs = np.fft.rfftfreq(len(samples), d=1.0 / sample_rate)
    band = power[(freqs >= BAND[0]) & (freqs <= min(BAND[1], sample_rate / 2))]
    if band.size < 4:
        return 0.0
    band = band + 1e-20
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


# --- profiles and chunks -------------------------------------------------------------------
