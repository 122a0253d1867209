"""Hiya Audio Intelligence: unit tests of the pure domain logic (no HTTP)."""

from __future__ import annotations

import io
import math
from datetime import datetime, timezone

import av
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from deepfake_mock.testing import media
from deepfake_mock.vendors.hiya import analysis, handles, iso8601, paging, segments
from deepfake_mock.vendors.hiya.models import catalogue
from deepfake_mock.vendors.hiya.schemas import UpdateAudioBody


# --- media helpers -------------------------------------------------------------------------

def pcm(kind: str, seconds: float, rate: int, seed: int = 7) -> np.ndarray:
    n = int(round(seconds * rate))
    t = np.arange(n) / rate
    if kind == "tone":
        return 0.5 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 660 * t)
    if kind == "noise":
        return np.random.default_rng(seed).uniform(-0.5, 0.5, n)
    return np.zeros(n)


def wav_bytes(samples: np.ndarray, rate: int) -> bytes:
    return media.pcm_wav(samples, rate)


def encoded(samples: np.ndarray, rate: int, fmt: str, codec: str) -> bytes:
    buf = io.BytesIO()
    with av.open(buf, "w", format=fmt) as out:
        stream = out.add_stream(codec, rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray((np.clip(samples, -1, 1) * 32767).astype("<i2")
                                           .reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def analyse(data: bytes, tmp_path) -> analysis.AudioAnalysis | None:
    path = tmp_path / "upload.bin"
    path.write_bytes(data)
    return analysis.analyse_file(str(path))


# --- handles and aliases -------------------------------------------------------------------

@pytest.mark.parametrize("value", ["a", "audio-a", "th1s-1s-a-handle", "0", "x" * 50,
                                   "986b0cc0-e559-47a1-8226-bedf5002371f"])
def test_valid_handles(value):
    assert handles.is_handle(value)


@pytest.mark.parametrize("value", ["", "Audio-a", "audio a", "audio_a", "-a", "a-", "a--b",
                                   "x" * 51, "é", None, 5, "a\n"])
def test_invalid_handles(value):
    assert not handles.is_handle(value)


@given(st.from_regex(handles.HANDLE_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 50))
@settings(max_examples=50)
def test_every_pattern_match_up_to_50_chars_is_a_handle(value):
    assert handles.is_handle(value)


@pytest.mark.parametrize("value, ok", [(None, True), ("A", True), ("x" * 100, True),
                                       ("", False), ("x" * 101, False), (3, False)])
def test_aliases(value, ok):
    assert (not UpdateAudioBody().validate({"alias": value})) is ok


# --- timestamps ----------------------------------------------------------------------------

def test_timestamp_has_microseconds_and_z():
    assert iso8601.format_timestamp(1672531200.0) == "2023-01-01T00:00:00.000000Z"
    assert iso8601.format_timestamp(1672531200.123456) == "2023-01-01T00:00:00.123456Z"
    assert iso8601.format_timestamp(1672531199.9999996) == "2023-01-01T00:00:00.000000Z"


@pytest.mark.parametrize("text, epoch", [
    ("2023-01-01T00:00:00.000000Z", 1672531200.0),
    ("2023-01-01T00:00:00Z", 1672531200.0),
    ("2023-01-01T01:00:00+01:00", 1672531200.0),
    ("2023-01-01T00:00:00", 1672531200.0),
    ("2023-01-01", 1672531200.0),
    ("2023-01-01T00:00:00.5z", 1672531200.5),
])
def test_parse_timestamp(text, epoch):
    assert iso8601.parse_timestamp(text) == pytest.approx(epoch)


@pytest.mark.parametrize("text", ["", "yesterday", "2023-13-01T00:00:00Z", "1672531200"])
def test_parse_timestamp_rejects(text):
    with pytest.raises(ValueError):
        iso8601.parse_timestamp(text)


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.just(timezone.utc)))
@settings(max_examples=50)
def test_timestamp_round_trip(moment):
    epoch = moment.timestamp()
    text = iso8601.format_timestamp(epoch)
    assert text.endswith("Z") and len(text.split(".")[1]) == 7
    assert iso8601.parse_timestamp(text) == pytest.approx(epoch, abs=1e-6)


# --- durations -----------------------------------------------------------------------------

@pytest.mark.parametrize("seconds, text", [
    (0, "PT0S"), (0.0004, "PT0S"), (3.5, "PT3.500S"), (4, "PT4.000S"), (0.1, "PT0.100S"),
    (60, "PT1M"), (90.25, "PT1M30.250S"), (3600, "PT1H"), (3723.004, "PT1H2M3.004S"),
    (59.9996, "PT1M"),
])
def test_format_duration(seconds, text):
    assert iso8601.format_duration(seconds) == text


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), None])
def test_format_duration_rejects(bad):
    with pytest.raises(ValueError):
        iso8601.format_duration(bad)


@given(st.integers(min_value=0, max_value=10 * 3600 * 1000))
@settings(max_examples=100)
def test_duration_round_trip(millis):
    text = iso8601.format_duration(millis / 1000)
    assert iso8601.parse_duration(text) == pytest.approx(millis / 1000)


@pytest.mark.parametrize("text", ["", "PT", "P1D", "3.5", "PT3,5S", "pt3s"])
def test_parse_duration_rejects(text):
    with pytest.raises(ValueError):
        iso8601.parse_duration(text)


# --- models --------------------------------------------------------------------------------

def test_model_catalogue():
    phone = catalogue.AUTHENTICITY_MODELS["phone"]
    assert phone.name == "phone/v1" and not phone.deprecated_fields
    assert not phone.unmet(3.5, 8000, 3.0)
    assert phone.unmet(3.5, 7999, 3.0)
    assert phone.unmet(120.5, 8000, 3.0)
    assert not phone.unmet(120.0, 8000, 3.0)
    assert not phone.unmet(3.5, 8000, 0.0)  # authenticity scores no chunk instead
    digital = catalogue.AUTHENTICITY_MODELS["digital"]
    assert digital.unmet(10, 8000, 3.0) and not digital.unmet(10, 16000, 3.0)
    for identity in catalogue.IDENTITY_MODELS.values():  # DOCUMENTED: at least 1.5 s of voice
        rate = identity.min_sample_rate
        assert identity.unmet(3.5, rate, 1.49) and not identity.unmet(3.5, rate, 1.5)
    assert not catalogue.MESSAGE_MODELS["default"].unmet(3.5, 8000, 0.0)
    assert catalogue.AUTHENTICITY_MODELS["default"].deprecated_fields
    assert catalogue.AUTHENTICITY_MODELS["telephone"].deprecated_fields
    assert catalogue.IDENTITY_MODELS["phone"].name == "phone/v1.1"
    assert catalogue.IDENTITY_MODELS["default"].min_sample_rate == 16000
    assert catalogue.VOICEPRINT_MODELS["default"].min_sample_rate == 8000
    assert catalogue.MESSAGE_MODELS["default"].name == "default/v1"


# --- voice analysis ------------------------------------------------------------------------

def test_tone_is_voice_silence_is_not_and_noise_is_noise():
    rate = 8000
    assert segments.classify_segment(pcm("tone", 0.1, rate), rate) == analysis.VOICE
    assert segments.classify_segment(pcm("silence", 0.1, rate), rate) == analysis.SILENCE
    assert segments.classify_segment(pcm("noise", 0.1, rate), rate) == analysis.NOISE
    assert segments.classify_segment(np.zeros(0), rate) == analysis.SILENCE
    assert segments.classify_segment(pcm("tone", 0.1, rate) * 1e-4, rate) == analysis.SILENCE


def test_analyse_wav_reads_real_duration_rate_and_voice(tmp_path):
    samples = np.concatenate([pcm("tone", 2.0, 16000), pcm("silence", 1.5, 16000)])
    result = analyse(wav_bytes(samples, 16000), tmp_path)
    assert result.sample_rate == 16000
    assert result.duration == pytest.approx(3.5)
    assert len(result.profile) == 35
    assert result.profile == "v" * 20 + "." * 15
    assert result.voice_duration == pytest.approx(2.0)


def test_analyse_partial_last_segment(tmp_path):
    result = analyse(wav_bytes(pcm("tone", 1.05, 8000), 8000), tmp_path)
    assert result.duration == pytest.approx(1.05)
    assert len(result.profile) == 11
    assert result.voice_duration == pytest.approx(1.05)


@pytest.mark.parametrize("fmt, codec", [("flac", "flac"), ("mp3", "libmp3lame"), ("ogg", "libopus")])
def test_analyse_compressed_formats(tmp_path, fmt, codec):
    rate = {"mp3": 22050, "ogg": 48000}.get(fmt, 16000)
    samples = np.concatenate([pcm("tone", 2.0, rate), pcm("noise", 2.0, rate)])
    result = analyse(encoded(samples, rate, fmt, codec), tmp_path)
    assert result is not None and result.sample_rate == rate
    assert result.duration == pytest.approx(4.0, abs=0.1)
    voice, noise = analysis.span_voice(result.profile, result.duration, 0, result.duration)
    assert voice == pytest.approx(2.0, abs=0.3)
    assert noise == pytest.approx(2.0, abs=0.3)


@pytest.mark.parametrize("data", [b"", b"not audio at all" * 100, b"RIFF\x00\x00\x00\x00WAVE"])
def test_analyse_rejects_non_audio(tmp_path, data):
    assert analyse(data, tmp_path) is None


def test_analyse_rejects_image(tmp_path):
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, "PNG")
    assert analyse(buf.getvalue(), tmp_path) is None


# --- chunks --------------------------------------------------------------------------------

def test_chunks_follow_the_analysis_window():
    profile = "v" * 100  # 10 s of voice
    chunks = analysis.split_chunks(profile, 10.0)
    assert [(c.start, c.end) for c in chunks] == [(0, 4), (4, 8), (8, 10)]
    assert [c.label for c in chunks] == ["validVoice"] * 3
    assert chunks[-1].duration == pytest.approx(2.0)


def test_chunk_labels():
    # 0-4 s: 1 s voice; 4-8 s: 3 s noise; 8-12 s: 1.5 s voice + 2.5 s noise; 12-13 s: 1 s voice
    profile = "v" * 10 + "." * 30 + "n" * 30 + "." * 10 + "v" * 15 + "n" * 25 + "v" * 10
    chunks = analysis.split_chunks(profile, 13.0)
    assert [c.label for c in chunks] == ["insufficientVoice", "excessiveNoise", "validVoice",
                                         "insufficientVoice"]
    assert chunks[2].voice == pytest.approx(1.5) and chunks[2].noise == pytest.approx(2.5)


def test_short_audio_is_one_chunk_and_empty_audio_none():
    assert [c.end for c in analysis.split_chunks("v" * 35, 3.5)] == [3.5]
    assert analysis.split_chunks("", 0.0) == []
    assert analysis.split_chunks("v" * 40, 4.0)[0].end == 4.0
    assert len(analysis.split_chunks("v" * 40, 4.0)) == 1


def test_span_voice_counts_partial_segments():
    assert analysis.span_voice("vvvv", 0.35, 0, 0.35) == (pytest.approx(0.35), 0)
    assert analysis.span_voice("v.n.", 0.4, 0.05, 0.25) == (pytest.approx(0.05), pytest.approx(0.05))


@given(st.text(alphabet="vn.", max_size=400), st.floats(min_value=0.5, max_value=8))
@settings(max_examples=60)
def test_chunks_cover_the_audio(profile, window):
    duration = len(profile) * analysis.SEGMENT
    chunks = analysis.split_chunks(profile, duration, window)
    if duration == 0:
        assert chunks == []
        return
    assert chunks[0].start == 0 and chunks[-1].end == pytest.approx(duration)
    for a, b in zip(chunks, chunks[1:]):
        assert a.end == pytest.approx(b.start)
    total_voice, total_noise = analysis.span_voice(profile, duration, 0, duration)
    assert sum(c.voice for c in chunks) == pytest.approx(total_voice, abs=1e-6)
    assert sum(c.noise for c in chunks) == pytest.approx(total_noise, abs=1e-6)
    for c in chunks:
        assert c.voice + c.noise <= c.duration + 1e-6


# --- scores --------------------------------------------------------------------------------

def test_chunk_scores_and_partial_spoof():
    scores = analysis.chunk_scores(0.8, [0.0, 0.5, 0.99], ["validVoice", "insufficientVoice",
                                                           "validVoice"])
    assert scores == [0.75, None, pytest.approx(0.849, abs=1e-4)]
    assert not analysis.partial_spoof(scores)
    assert analysis.partial_spoof([0.49, None, 0.51])
    assert not analysis.partial_spoof([None, None])
    assert analysis.chunk_scores(0.99, [0.99], ["validVoice"]) == [1.0]
    assert analysis.chunk_scores(0.01, [0.0], ["validVoice"]) == [0.0]


def test_identity_score():
    assert analysis.identity_score(True, 0.0) == 0.9
    assert analysis.identity_score(True, 0.99999) <= 1.0
    assert analysis.identity_score(False, 0.3) == 0.3


# --- lists ---------------------------------------------------------------------------------

def items():
    return [
        {"handle": "c-audio", "alias": "Call 42", "createdAt": 100.0, "performedAt": 300.0, "score": 0.9},
        {"handle": "a-audio", "alias": None, "createdAt": 200.0, "performedAt": 200.0, "score": None},
        {"handle": "b-audio", "alias": "Other", "createdAt": 300.0, "performedAt": 100.0, "score": 0.2},
    ]


def test_parse_query_defaults_and_values():
    q = paging.parse_query({}, paging.VERIFICATION_SORTS, scores=True)
    assert q == paging.ListQuery()
    q = paging.parse_query({"page": "2", "page-size": "50", "sort": "handle", "search": "x",
                             "after": "2023-01-01T00:00:00.000000Z", "min-score": "0.5",
                             "max-score": "1", "unknown": "1"}, paging.VERIFICATION_SORTS,
                            scores=True)
    assert (q.page, q.page_size, q.sort, q.search, q.min_score, q.max_score) == (2, 50, "handle", "x", 0.5, 1.0)
    assert q.after == 1672531200.0
    assert paging.parse_query({}, paging.RECORD_SORTS).sort == "performedAt"


@pytest.mark.parametrize("args, bad", [
    ({"page": "0"}, "page"), ({"page": "x"}, "page"), ({"page": "1.5"}, "page"),
    ({"page-size": "51"}, "page-size"), ({"page-size": "0"}, "page-size"),
    ({"sort": "score"}, "sort"), ({"sort": "-createdAt"}, "sort"),
    ({"after": "tomorrow"}, "after"), ({"before": ""}, "before"),
    ({"min-score": "1.5"}, "min-score"), ({"max-score": "nan"}, "max-score"),
    ({"min-score": "-0.1"}, "min-score"),
])
def test_parse_query_rejects(args, bad):
    with pytest.raises(paging.QueryError) as info:
        paging.parse_query(args, paging.VERIFICATION_SORTS, scores=True)
    assert list(info.value.errors) == [bad]


def test_score_params_ignored_where_no_scores():
    q = paging.parse_query({"min-score": "bad"}, paging.AUDIO_SORTS)
    assert q.min_score is None


def test_select_sorts_ascending_and_filters():
    q = paging.ListQuery
    assert [i["handle"] for i in paging.select(items(), q())] == ["c-audio", "a-audio", "b-audio"]
    assert [i["handle"] for i in paging.select(items(), q(sort="handle"))] == ["a-audio", "b-audio", "c-audio"]
    assert [i["handle"] for i in paging.select(items(), q(sort="performedAt"))] == ["b-audio", "a-audio", "c-audio"]
    assert [i["handle"] for i in paging.select(items(), q(search="CALL"))] == ["c-audio"]
    assert [i["handle"] for i in paging.select(items(), q(search="a-aud"))] == ["a-audio"]
    assert [i["handle"] for i in paging.select(items(), q(after=200.0))] == ["a-audio", "b-audio"]
    assert [i["handle"] for i in paging.select(items(), q(before=200.0))] == ["c-audio", "a-audio"]
    assert [i["handle"] for i in paging.select(items(), q(min_score=0.2))] == ["c-audio", "b-audio"]
    assert [i["handle"] for i in paging.select(items(), q(max_score=0.5))] == ["b-audio"]
    by_performed = paging.select(items(), q(after=150.0), date_field="performedAt")
    assert [i["handle"] for i in by_performed] == ["c-audio", "a-audio"]


def test_select_keeps_creation_order_on_ties():
    same = [{"handle": f"h{i}", "alias": None, "createdAt": 5.0} for i in range(5)]
    assert paging.select(same, paging.ListQuery()) == same


def test_paginate_headers():
    page, headers = paging.paginate(list(range(45)), 3, 20)
    assert page == list(range(40, 45))
    assert headers == {"Page-Total": "3", "Page-Size": "20", "Page-Current": "3", "Item-Total": "45"}
    page, headers = paging.paginate(list(range(45)), 4, 20)
    assert page == [] and headers["Page-Total"] == "3" and headers["Page-Current"] == "4"
    page, headers = paging.paginate([], 1, 20)
    assert page == [] and headers["Page-Total"] == "0" and headers["Item-Total"] == "0"


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=1, max_value=50))
@settings(max_examples=60)
def test_pages_partition_the_items(total, size):
    data = list(range(total))
    pages = math.ceil(total / size)
    collected = []
    for page in range(1, pages + 2):
        chunk, headers = paging.paginate(data, page, size)
        assert int(headers["Page-Total"]) == pages
        collected += chunk
    assert collected == data
