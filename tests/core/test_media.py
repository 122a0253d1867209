"""Media probing from the real bytes, on files made by deepfake_mock.testing.media."""

from __future__ import annotations

import ast
import io
import json
import pathlib
import struct
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deepfake_mock.core import media as core_media
from deepfake_mock.core.media import (MediaInfo, MediaLimits, PcmReader, mp4_brands, probe,
                                      probe_image)
from deepfake_mock.testing import media

MP4 = "mov,mp4,m4a,3gp,3g2,mj2"  # FFmpeg's name for the ISO-BMFF demuxer


@pytest.fixture
def write(tmp_path):
    def write(data: bytes, name: str = "upload.bin") -> str:
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` x ``height`` and whose pixel data is two bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"xx")
            + chunk(b"IEND", b""))


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


# ---- sources: a path, bytes or a file give one answer ----------------------------------------

def test_every_kind_of_source_gets_the_same_answer(write):
    data = media.audio("flac", seconds=2)
    path = write(data)
    moved = io.BytesIO(data)
    moved.seek(100)  # read from its start, wherever it stands
    answers = [probe(path), probe(pathlib.Path(path)), probe(data), probe(moved)]
    assert answers[0].kind == "audio" and all(a == answers[0] for a in answers)


def test_a_missing_file_is_an_answer_not_an_exception(tmp_path):
    info = probe(str(tmp_path / "missing"))
    assert info.kind is None and info.error


# ---- refusals: which limit, before decoding --------------------------------------------------

def test_an_image_over_the_pixel_cap_is_refused_from_its_header():
    info = probe(png_header_only(5000, 4000), MediaLimits(max_image_pixels=19_999_999))
    assert (info.kind, info.refused_by, info.container, info.width, info.height, info.decoded) \
        == (None, "max_image_pixels", "png", 5000, 4000, False)
    # the pixel data is broken: under the cap it is decoded, and fails
    assert probe(png_header_only(5000, 4000)).error.startswith("corrupt image")


def test_an_image_past_pillows_own_cap_still_names_its_format():
    info = probe(png_header_only(60_000, 60_000))
    assert (info.kind, info.refused_by, info.container) == (None, "max_image_pixels", "png")
    assert info.error.startswith("image too large")


def test_video_frames_over_the_pixel_cap_are_refused():
    info = probe(media.video(seconds=1, width=160, height=120), MediaLimits(max_image_pixels=100))
    assert (info.kind, info.refused_by, info.container) == (None, "max_image_pixels", MP4)
    assert info.error == "image too large: 160x120 pixels (at most 100 accepted)"


def test_sample_rate_and_duration_refusals_say_which_limit():
    assert probe(media.pcm_wav(b"\x01\x02" * 2000, 1)).refused_by == "sample_rate"
    info = probe(media.wav(seconds=3, sample_rate=8000), MediaLimits(max_seconds=2))
    assert (info.kind, info.refused_by, info.error) == (
        None, "max_seconds", "media too long: 3 s (at most 2 s accepted)")
    assert probe(media.wav(seconds=1)).refused_by is None


def test_what_is_not_media_was_refused_by_no_limit():
    for data in (b"hello", media.wav()[:44], media.image("png")[:60]):
        info = probe(data)
        assert info.kind is None and info.error and info.refused_by is None


# ---- do the frames decode? -------------------------------------------------------------------

def test_decoded_says_the_first_frames_or_pixels_decoded():
    assert probe(media.video(seconds=1)).decoded
    assert probe(media.wav(seconds=1)).decoded
    assert probe(media.image("jpeg", 64, 64)).decoded
    header_only = probe(media.image("png", 64, 64), decode_images=False)
    assert (header_only.kind, header_only.decoded) == ("image", False)
    assert not probe(media.video(seconds=2)[:300]).decoded


# ---- MP4 brands ------------------------------------------------------------------------------

def test_brands_of_an_mp4_video_and_an_m4a():
    video = probe(media.video(seconds=1))
    assert video.major_brand == "isom"
    assert video.compatible_brands == ("isom", "iso2", "avc1", "mp41")
    assert video.brands == ("isom", "isom", "iso2", "avc1", "mp41")
    assert probe(media.audio("m4a", seconds=1)).brands == ("M4A ", "M4A ", "isom", "iso2")
    assert probe(media.video(seconds=1, fmt="mov")).brands == ("qt  ", "qt  ")


def test_brands_are_read_even_when_the_rest_is_broken():
    info = probe(media.video(seconds=2)[:300])
    assert info.kind is None and info.major_brand == "isom"


def test_no_ftyp_box_no_brands():
    for data in (media.wav(seconds=1), media.image("png"), media.video(seconds=1, fmt="matroska")):
        info = probe(data)
        assert (info.major_brand, info.compatible_brands, info.brands) == (None, (), ())


@pytest.mark.parametrize("head, brands", [
    (b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  ", ("qt  ", "qt  ")),
    (b"\x00\x00\x00\x10ftypisom\x00\x00\x02\x00", ("isom",)),
    (b"\x00\x00\x01\x00ftypmp42\x00\x00\x00\x00mp42isom", ("mp42", "mp42", "isom")),  # cut short
    (b"\x00\x00\x00\x08ftypisom", None),                 # a box too small for a version
    (b"\x00\x00\x00\x01ftypisom\x00\x00\x00\x00", None),  # a 64-bit box size
    (b"RIFF....AVI LIST", None),
    (b"", None),
])
def test_mp4_brands_from_a_head(head, brands):
    assert mp4_brands(head) == brands


# ---- images only -----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["jpeg", "png", "gif", "webp", "bmp"])
def test_probe_image_reads_images(fmt):
    info = probe_image(media.image(fmt, 40, 30))
    assert (info.kind, info.container, info.width, info.height, info.decoded) == \
        ("image", fmt, 40, 30, True)


@pytest.mark.parametrize("data", [media.wav(seconds=1), media.video(seconds=1), b"", b"text"],
                         ids=["wav", "mp4", "empty", "text"])
def test_probe_image_never_takes_audio_or_video(data):
    info = probe_image(data)
    assert (info.kind, info.error, info.refused_by) == (None, "not an image", None)


def test_probe_image_applies_the_limits_and_reads_headers_only_on_request():
    data = media.image("jpeg", 400, 300)
    assert probe_image(data, MediaLimits(max_image_pixels=119_999)).refused_by == "max_image_pixels"
    half = data[: len(data) // 2]
    assert probe_image(half).error.startswith("corrupt image")
    assert (probe_image(half, decode=False).kind, probe_image(half, decode=False).decoded) == \
        ("image", False)  # its header is whole


# ---- PCM for analysis ------------------------------------------------------------------------

def read_pcm(source, limits: MediaLimits = MediaLimits()) -> tuple[PcmReader, np.ndarray]:
    with PcmReader(source, limits) as pcm:
        blocks = list(pcm.blocks())
    return pcm, np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


def test_pcm_of_a_wav_is_its_samples():
    samples = np.sin(np.arange(8000) / 5.0).astype(np.float32) * 0.5
    pcm, got = read_pcm(media.pcm_wav(samples, 8000))
    assert (pcm.error, pcm.sample_rate, pcm.channels, pcm.container, pcm.codec) == \
        (None, 8000, 1, "wav", "pcm_s16le")
    assert (pcm.samples, pcm.duration, got.dtype) == (8000, 1.0, np.float32)
    assert np.abs(got - samples).max() < 1e-4  # 16-bit quantisation


def test_pcm_of_stereo_is_mixed_to_mono_at_the_files_rate():
    pcm, got = read_pcm(media.wav(seconds=2, sample_rate=22050, channels=2))
    assert (pcm.channels, pcm.sample_rate, len(got), pcm.duration) == (2, 22050, 44100, 2.0)
    assert got.ndim == 1


@pytest.mark.parametrize("fmt", ["flac", "mp3", "m4a"])
def test_pcm_of_encoded_audio(fmt):
    pcm, got = read_pcm(media.audio(fmt, seconds=2, sample_rate=16000))
    assert pcm.error is None and pcm.sample_rate == 16000
    assert 2.0 <= pcm.duration <= 2.2 and len(got) == pcm.samples


def test_pcm_of_a_video_is_its_sound_track():
    pcm, got = read_pcm(media.video(seconds=2, audio=True))
    assert (pcm.error, pcm.container, pcm.has_video, pcm.codec) == (None, MP4, True, "aac")
    assert 2.0 <= pcm.duration <= 2.2
    silent, _ = read_pcm(media.video(seconds=1))
    assert (silent.error, silent.has_video, silent.samples) == ("no audio stream", True, 0)


def test_pcm_is_refused_from_the_header_without_decoding():
    pcm, got = read_pcm(media.pcm_wav(b"\x01\x02" * 80_000, 1))
    assert pcm.error == "unsupported sample rate: 1 Hz (accepted: 1000..384000 Hz)"
    assert (pcm.samples, len(got)) == (0, 0)


def test_pcm_decoding_stops_past_the_duration_cap():
    pcm, got = read_pcm(media.wav(seconds=10, sample_rate=8000), MediaLimits(max_seconds=5))
    assert pcm.error == "media too long: 10 s (at most 5 s accepted)"  # the header said so
    assert len(got) == 0
    streamed = bytearray(media.audio("flac", seconds=10, sample_rate=8000))
    streamed[21] &= 0xF0  # STREAMINFO's total samples: 0, "unknown" (a streamed FLAC)
    streamed[22:26] = bytes(4)
    pcm, got = read_pcm(bytes(streamed), MediaLimits(max_seconds=5))
    assert pcm.error.startswith("media too long")
    assert 5 * 8000 < pcm.samples < 6 * 8000 and len(got) == pcm.samples


@pytest.mark.parametrize("data, error", [
    (b"", "unsupported or corrupted media"),
    (b"junk" * 100, "unsupported or corrupted media"),
    (media.wav()[:44], "no decodable frame"),
])
def test_pcm_of_what_holds_no_sound(data, error):
    pcm, got = read_pcm(data)
    assert pcm.error.startswith(error) and len(got) == 0 and pcm.duration == 0.0


def test_pcm_of_a_truncated_wav_is_what_it_holds():
    data = media.wav(seconds=4, sample_rate=8000)
    pcm, got = read_pcm(data[: 44 + 8000 * 2])
    assert (pcm.error, pcm.duration) == (None, 1.0)


# ---- hostile and arbitrary bytes: an answer, never an exception ------------------------------

HOSTILE = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def assert_an_answer(info: MediaInfo) -> None:
    assert (info.kind is None) == (info.error is not None)
    assert info.kind in (None, "audio", "video", "image")
    assert info.refused_by in (None, "max_image_pixels", "sample_rate", "max_seconds")


@HOSTILE
@given(st.binary(max_size=2048))
def test_random_bytes_get_an_answer(data):
    assert_an_answer(probe(data))
    assert_an_answer(probe_image(data))
    pcm, got = read_pcm(data)
    assert (pcm.error is None) == (len(got) > 0)


SAMPLES = {"wav": media.wav(seconds=1, sample_rate=8000), "mp3": media.audio("mp3", seconds=1),
           "mp4": media.video(seconds=1, width=64, height=48, audio=True),
           "png": media.image("png", 64, 48), "jpeg": media.image("jpeg", 64, 48)}


@HOSTILE
@given(st.sampled_from(sorted(SAMPLES)), st.data())
def test_damaged_real_files_get_an_answer(name, data):
    original = SAMPLES[name]
    cut = data.draw(st.integers(0, len(original)), label="cut")
    flips = data.draw(st.lists(st.tuples(st.integers(0, len(original) - 1), st.integers(0, 255)),
                               max_size=8), label="flips")
    damaged = bytearray(original[:cut] if data.draw(st.booleans(), label="truncate") else original)
    for at, value in flips:
        if at < len(damaged):
            damaged[at] = value
    assert_an_answer(probe(bytes(damaged)))
    assert_an_answer(probe_image(bytes(damaged)))
    read_pcm(bytes(damaged))


def test_json_round_trip_keeps_the_answer():
    info = probe(media.video(seconds=1))
    assert MediaInfo(**json.loads(json.dumps(info.as_dict()))) == info


def top_level_imports(path: pathlib.Path) -> set[str]:
    """The packages a module imports when it is imported (not inside functions)."""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_media_libraries_are_imported_only_by_the_functions_that_use_them():
    """Importing core.media costs an idle worker no PyAV, Pillow or numpy."""
    modules = sorted(pathlib.Path(core_media.__file__).parent.glob("*.py"))
    imported = set().union(*map(top_level_imports, modules))
    assert len(modules) > 1 and "dataclasses" in imported
    assert not imported & {"av", "PIL", "numpy"}
