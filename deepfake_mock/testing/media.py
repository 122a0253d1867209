"""Real media bytes for tests: audio, video and images that the emulator (and a real vendor)
will decode. ``variant`` changes the content, so two files get different digests and verdicts.

    from deepfake_mock.testing import media
    media.wav(seconds=5, channels=2)
    media.audio("mp3", seconds=4)
    media.video(seconds=3, audio=True)
    media.image("png", 640, 480)
"""

from __future__ import annotations

import io
import wave

import av
import numpy as np
from PIL import Image

AUDIO_CODECS = {"wav": ("wav", "pcm_s16le"), "flac": ("flac", "flac"), "mp3": ("mp3", "libmp3lame"),
                "ogg": ("ogg", "libopus"), "m4a": ("ipod", "aac")}


def _tone(seconds: float, sample_rate: int, variant: int) -> np.ndarray:
    t = np.arange(int(seconds * sample_rate)) / sample_rate
    return (0.3 * np.sin(2 * np.pi * (220 + 37 * variant) * t)).astype(np.float32)


def wav(seconds: float = 5.0, sample_rate: int = 16000, channels: int = 1, variant: int = 0) -> bytes:
    """16-bit PCM WAV, written with the standard library."""
    mono = _tone(seconds, sample_rate, variant)
    return pcm_wav(np.repeat(mono, channels) if channels > 1 else mono, sample_rate, channels)


def pcm_wav(samples, sample_rate: int, channels: int = 1) -> bytes:
    """A 16-bit WAV of ``samples``: floats in [-1, 1] (clipped), or raw little-endian PCM bytes
    (a header may declare any rate, however absurd, for the bytes given)."""
    frames = samples if isinstance(samples, bytes) else (
        np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(frames)
    return buf.getvalue()


def audio(fmt: str = "flac", seconds: float = 5.0, sample_rate: int = 16000, channels: int = 1,
          variant: int = 0) -> bytes:
    """Encoded audio: ``wav``, ``flac``, ``mp3``, ``ogg`` (Opus) or ``m4a`` (AAC)."""
    container_format, codec = AUDIO_CODECS[fmt]
    if codec == "libopus":
        sample_rate = 48000
    layout = "mono" if channels == 1 else "stereo"
    buf = io.BytesIO()
    with av.open(buf, "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=sample_rate, layout=layout)
        _encode_audio(container, stream, _tone(seconds, sample_rate, variant), channels, sample_rate)
    return buf.getvalue()


def _encode_audio(container, stream, samples, channels, sample_rate):
    layout = "mono" if channels == 1 else "stereo"
    fmt = stream.codec_context.format.name
    size = stream.codec_context.frame_size or 1024
    for pos in range(0, len(samples), size):
        chunk = samples[pos:pos + size]
        data = np.tile(chunk, (channels, 1)) if fmt.endswith("p") else np.repeat(chunk, channels)[None, :]
        if fmt.startswith("s16"):
            data = (data * 32767).astype(np.int16)
        elif fmt.startswith("s32"):
            data = (data * (2**31 - 1)).astype(np.int32)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format=fmt, layout=layout)
        frame.sample_rate = sample_rate
        for packet in stream.encode(frame):
            container.mux(packet)
    for packet in stream.encode(None):
        container.mux(packet)


def video(seconds: float = 2.0, width: int = 160, height: int = 120, fps: int = 10,
          audio: bool = False, fmt: str = "mp4", variant: int = 0,
          codec: str = "libx264") -> bytes:
    """H.264 video in an MP4 (or another container and encoder FFmpeg has: ``fmt="webm",
    codec="libvpx"``), optionally with an AAC track."""
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as container:
        vstream = container.add_stream(codec, rate=fps)
        vstream.width, vstream.height, vstream.pix_fmt = width, height, "yuv420p"
        astream = container.add_stream("aac", rate=16000, layout="mono") if audio else None
        for i in range(int(seconds * fps)):
            pixels = np.full((height, width, 3), (i * 7 + variant * 50) % 256, dtype=np.uint8)
            pixels[:, : width // 2, 1] = (variant * 91) % 256
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            for packet in vstream.encode(frame):
                container.mux(packet)
        for packet in vstream.encode(None):
            container.mux(packet)
        if astream is not None:
            _encode_audio(container, astream, _tone(seconds, 16000, variant), 1, 16000)
    return buf.getvalue()


def image(fmt: str = "jpeg", width: int = 256, height: int = 256, variant: int = 0) -> bytes:
    """A JPEG, PNG or other Pillow-writable image of the given pixel size."""
    img = Image.new("RGB", (width, height), ((variant * 53) % 256, 120, 200))
    for x in range(0, width, 16):
        for y in range(0, height, 16):
            img.putpixel((x, y), (255 - (variant * 53) % 256, x % 256, y % 256))
    buf = io.BytesIO()
    img.save(buf, format=fmt.upper())
    return buf.getvalue()
