"""Media probing from the real bytes, on files made by deepfake_mock.testing.media."""

from __future__ import annotations

import pytest

from deepfake_mock.core.media import MediaInfo, probe
from deepfake_mock.testing import media

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"  # FFmpeg's name for the ISO-BMFF demuxer


@pytest.fixture
def write(tmp_path):
    def write(data: bytes, name: str = "upload.bin") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


def probe_bytes(write, data: bytes, name: str = "upload.bin") -> MediaInfo:
    return probe(write(data, name))


# ---- audio -----------------------------------------------------------------------------------

def test_wav(write):
    data = media.wav(seconds=5, sample_rate=16000, channels=1)
    assert len(data) == 44 + 5 * 16000 * 2
    assert probe_bytes(write, data) == MediaInfo(
        kind="audio", container="wav", codec="pcm_s16le", sample_rate=16000, channels=1,
        duration=5.0, has_audio=True, audio_codec="pcm_s16le", decoded=True)


def test_stereo_wav(write):
    data = media.wav(seconds=2.5, sample_rate=8000, channels=2)
    assert len(data) == 44 + int(2.5 * 8000) * 2 * 2
    info = probe_bytes(write, data)
    assert (info.kind, info.channels, info.sample_rate, info.duration) == ("audio", 2, 8000, 2.5)


@pytest.mark.parametrize("fmt, container, codec, tolerance", [
    ("wav", "wav", "pcm_s16le", 0.0),
    ("flac", "flac", "flac", 0.0),
    ("mp3", "mp3", "mp3float", 0.15),  # encoder delay and padding: whole MP3 frames
    ("ogg", "ogg", "opus", 0.05),      # Opus pre-skip
    ("m4a", MP4, "aac", 0.1),          # AAC priming frames
])
@pytest.mark.parametrize("channels, sample_rate", [(1, 16000), (2, 44100)])
def test_encoded_audio(write, fmt, container, codec, tolerance, channels, sample_rate):
    data = media.audio(fmt, seconds=4, sample_rate=sample_rate, channels=channels)
    info = probe_bytes(write, data, f"voice.{fmt}")
    assert (info.kind, info.container, info.codec, info.audio_codec) == \
        ("audio", container, codec, codec)
    assert info.channels == channels
    assert info.sample_rate == (48000 if fmt == "ogg" else sample_rate)  # Opus runs at 48 kHz
    assert 4.0 <= info.duration <= 4.0 + tolerance
    assert (info.has_audio, info.has_video, info.width, info.height) == (True, False, None, None)
    assert info.error is None


def test_exact_numbers_of_a_lossless_file(write):
    info = probe_bytes(write, media.audio("flac", seconds=3, sample_rate=44100, channels=2))
    assert (info.duration, info.sample_rate, info.channels) == (3.0, 44100, 2)


def test_the_file_name_is_never_trusted(write):
    info = probe_bytes(write, media.audio("flac", seconds=2), "not-really.mp3")
    assert (info.container, info.codec, info.duration) == ("flac", "flac", 2.0)
    assert probe_bytes(write, b"hello", "voice.wav").kind is None


# ---- video -----------------------------------------------------------------------------------

def test_mp4_video(write):
    info = probe_bytes(write, media.video(seconds=2, width=160, height=120, fps=10))
    assert info == MediaInfo(kind="video", container=MP4, codec="h264", duration=2.0,
                             width=160, height=120, frame_rate=10.0, has_video=True,
                             decoded=True, major_brand="isom",
                             compatible_brands=("isom", "iso2", "avc1", "mp41"))


def test_mp4_video_with_audio(write):
    info = probe_bytes(write, media.video(seconds=3, width=320, height=240, audio=True))
    assert (info.kind, info.codec, info.width, info.height, info.duration) == \
        ("video", "h264", 320, 240, 3.0)
    assert (info.has_video, info.has_audio, info.audio_codec, info.sample_rate,
            info.channels) == (True, True, "aac", 16000, 1)


# ---- images ----------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt, width, height", [("jpeg", 640, 480), ("png", 100, 50),
                                                ("jpeg", 17, 1001)])
def test_images(write, fmt, width, height):
    info = probe_bytes(write, media.image(fmt, width, height))
    assert info == MediaInfo(kind="image", container=fmt, codec=fmt, width=width,
                             height=height, decoded=True)


# ---- not media -------------------------------------------------------------------------------

def test_truncated_wav_reports_what_it_really_holds(write):
    data = media.wav(seconds=5)  # the header still says 5 s
    info = probe_bytes(write, data[: 44 + (len(data) - 44) // 2])
    assert (info.kind, info.duration, info.channels, info.sample_rate) == ("audio", 2.5, 1, 16000)


def test_truncated_flac_and_mp3_are_shorter(write):
    flac = media.audio("flac", seconds=4)
    mp3 = media.audio("mp3", seconds=4)
    flac_info = probe_bytes(write, flac[: len(flac) // 2], "a.flac")
    mp3_info = probe_bytes(write, mp3[: len(mp3) // 2], "a.mp3")
    assert flac_info.kind == "audio" and 0.5 < flac_info.duration < 3
    assert mp3_info.kind == "audio" and 1.5 < mp3_info.duration < 2.5


def test_a_wav_header_without_samples_is_not_media(write):
    info = probe_bytes(write, media.wav()[:44])
    assert (info.kind, info.container, info.error) == (None, "wav", "no decodable frame")


def test_truncated_mp4_is_not_media(write):
    data = media.video(seconds=2)
    info = probe_bytes(write, data[: len(data) // 2])
    assert info.kind is None
    assert info.error.startswith("unsupported or corrupted media")


@pytest.mark.parametrize("fmt", ["jpeg", "png"])
def test_truncated_images_are_not_media(write, fmt):
    data = media.image(fmt, 640, 480)
    info = probe_bytes(write, data[: len(data) // 2])
    assert info.kind is None
    assert info.error.startswith("corrupt image: image file is truncated")
    assert (info.width, info.height) == (None, None)


@pytest.mark.parametrize("data", [b"hello world, this is not media\n" * 10, b"",
                                  b"RIFF\x00\x00\x00\x00WAVE", b"\xff\xd8\xff" + b"\x00" * 50],
                         ids=["text", "empty", "riff-header", "jpeg-magic"])
def test_junk_is_not_media(write, data):
    info = probe_bytes(write, data)
    assert info.kind is None
    assert info.error
    assert (info.duration, info.channels, info.width, info.has_audio) == (None, None, None, False)


def test_as_dict_is_json_ready():
    info = MediaInfo(kind="audio", duration=1.5, channels=1)
    doc = info.as_dict()
    assert doc["kind"] == "audio" and doc["duration"] == 1.5 and doc["error"] is None
    assert set(doc) == {"kind", "container", "codec", "sample_rate", "channels", "duration",
                        "width", "height", "frame_rate", "has_audio", "has_video",
                        "audio_codec", "error", "refused_by", "decoded", "major_brand",
                        "compatible_brands"}


@pytest.mark.parametrize("size", [(1, 1), (7, 3), (3, 200)], ids=str)
def test_tiny_jpegs_are_images(write, size):
    """A side under eight pixels is still decoded (the draft size never reaches zero)."""
    info = probe_bytes(write, media.image("jpeg", *size))
    assert (info.kind, info.width, info.height) == ("image", *size)
