"""Unit tests of Resemble's pure domain logic: result shapes, upload rules, media tokens,
request schemas, auth parsing and paging (the callback outbox: tests/core/test_outbox.py)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from deepfake_mock.core.rng import unit_interval
from deepfake_mock.vendors.resemble import models, schemas
from deepfake_mock.vendors.resemble.models import (batches, callbacks, detects, files, intake,
                                                   intelligences, media_tokens, questions,
                                                   results, tracings, watermarks)


def unit(*parts):
    return unit_interval("seed", "resemble", "digest-1", *parts)


def other_unit(*parts):
    return unit_interval("seed", "resemble", "digest-2", *parts)


class Shown(dict):
    """A ``show`` that keeps each visualisation's PNG and gives it a URL."""

    def __call__(self, name: str, png: bytes) -> str:
        self[name] = png
        return f"https://files.test/{name}"


def png_of(shown: Shown, url: str) -> Image.Image:
    return Image.open(io.BytesIO(shown[url.rsplit("/", 1)[1]]))


# ----------------------------------------------------------------------------- spans, windows

class TestSpan:
    def test_whole_media_by_default(self):
        assert results.analysed_span(6.1) == results.Span(0.0, 6.1)

    def test_start_and_end_region_cut_the_span(self):
        span = results.analysed_span(10.0, start_region=2, end_region=5.5)
        assert (span.start, span.end, span.length) == (2.0, 5.5, 3.5)

    def test_end_region_past_the_media_is_cut_to_the_media(self):
        assert results.analysed_span(4.0, end_region=30).end == 4.0

    def test_max_secs_caps_from_the_start(self):
        assert results.analysed_span(60.0, start_region=10, max_secs=5) == results.Span(10.0, 15.0)

    def test_start_at_or_past_the_end_leaves_nothing(self):
        assert results.analysed_span(3.0, start_region=3.0) is None
        assert results.analysed_span(3.0, start_region=7.5) is None

    @pytest.mark.parametrize("length,frame,windows", [
        (6.1, 2, 4), (6.0, 2, 3), (4.0, 4, 1), (0.4, 2, 1), (7.0, 1, 7), (8.01, 4, 3)])
    def test_one_window_per_frame_length(self, length, frame, windows):
        assert results.window_count(length, frame) == windows


# ----------------------------------------------------------------------------- audio

class TestAudioMetrics:
    def metrics(self, **kw):
        args = dict(score=0.91, label="fake", span=results.Span(0, 6.1), frame_length=2, u=unit)
        args.update(kw)
        return results.audio_metrics(**args)

    def test_shape_is_the_seeds(self):
        m = self.metrics()
        assert set(m) == {"label", "score", "consistency", "aggregated_score"}
        assert m["label"] == "fake"
        assert len(m["score"]) == 4
        assert all(isinstance(s, str) for s in m["score"])
        assert m["aggregated_score"] == "0.91"
        assert 0 <= float(m["consistency"]) <= 1

    def test_window_scores_average_to_the_aggregate(self):
        m = self.metrics(score=0.3, label="real", span=results.Span(0, 40), frame_length=1)
        scores = [float(s) for s in m["score"]]
        assert len(scores) == 40
        assert sum(scores) / len(scores) == pytest.approx(0.3, abs=0.002)
        assert len(set(scores)) > 1

    def test_frame_length_sizes_the_score_list(self):
        assert len(self.metrics(frame_length=1)["score"]) == 7
        assert len(self.metrics(frame_length=4)["score"]) == 2

    def test_numbers_when_asked(self):
        m = self.metrics(numeric=True)
        assert isinstance(m["aggregated_score"], float)
        assert all(isinstance(s, float) for s in m["score"])

    def test_deterministic_per_media(self):
        assert self.metrics() == self.metrics()
        assert self.metrics()["score"] != self.metrics(u=other_unit)["score"]

    def test_visualize_adds_a_real_png_heatmap(self):
        shown = Shown()
        m = self.metrics(show=shown)
        assert m["image"] == "https://files.test/audio.png"
        assert png_of(shown, m["image"]).size == (4, 16)
        assert "image" not in self.metrics()

    def test_no_speech_sentinel(self):
        m = self.metrics(no_speech=True)
        assert m["aggregated_score"] == "-1.0"
        assert m["label"] == "real"
        assert set(m["score"]) == {"-1.0"}

    def test_audio_track_score_keeps_the_side_of_the_verdict(self):
        for p in (0.01, 0.49, 0.5, 0.51, 0.99):
            assert (results.audio_track_score(p, unit) >= 0.5) == (p >= 0.5)

    @settings(max_examples=40, deadline=None)
    @given(st.floats(0, 1), st.floats(0.1, 120), st.integers(1, 4))
    def test_scores_stay_in_range(self, p, length, frame):
        m = results.audio_metrics(score=p, label="fake" if p >= 0.5 else "real",
                                  span=results.Span(0, length), frame_length=frame, u=unit)
        assert all(0 < float(s) < 1 for s in m["score"])
        assert len(m["score"]) == results.window_count(length, frame)


# ----------------------------------------------------------------------------- image

class TestImageMetrics:
    @pytest.mark.parametrize("score,label", [
        (0.97, "Fake"), (0.8, "Fake"), (0.7, "Likely fake"), (0.6, "Likely fake"),
        (0.5, "Neutral/Uncertain"), (0.41, "Neutral/Uncertain"), (0.4, "Likely real"),
        (0.21, "Likely real"), (0.2, "Real"), (0.003, "Real")])
    def test_label_bands(self, score, label):
        assert results.image_label(score) == label

    def test_plain_shape(self):
        m = results.image_metrics(score=0.97, u=unit)
        assert m == {"type": "FinalResult", "label": "Fake", "image": "", "score": 0.97,
                     "children": []}

    def test_visualize_adds_image_and_ifl(self):
        shown = Shown()
        m = results.image_metrics(score=0.3, u=unit, show=shown)
        assert png_of(shown, m["image"]).size == (16, 16)
        assert set(m["ifl"]) == {"score", "heatmap"}
        assert 0 < m["ifl"]["score"] < 1
        assert png_of(shown, m["ifl"]["heatmap"]).size == (16, 16)
        assert sorted(shown) == ["ifl.png", "image.png"]

    def test_reverse_search_finds_known_fakes_for_fake_images(self):
        sources = results.image_metrics(score=0.9, u=unit, reverse_search=True)[
            "reverse_image_search_sources"]
        assert 1 <= len(sources) <= 3
        for s in sources:
            assert set(s) == {"url", "title", "reason", "verdict", "similarity"}
            assert s["verdict"] == "known_fake"
            assert 0 <= s["similarity"] <= 1
        assert sources[0]["similarity"] == 1.0

    def test_reverse_search_empty_for_real_images(self):
        m = results.image_metrics(score=0.1, u=unit, reverse_search=True)
        assert m["reverse_image_search_sources"] == []


# ----------------------------------------------------------------------------- video

class TestVideoMetrics:
    def test_one_frame_per_second_by_default(self):
        times = results.frame_times(results.Span(0, 10.5), stream_fps=30, max_video_fps=None)
        assert times == [float(i) for i in range(11)]

    def test_max_video_fps_sets_the_rate_but_never_above_the_stream(self):
        span = results.Span(0, 2)
        assert len(results.frame_times(span, stream_fps=30, max_video_fps=5)) == 10
        assert len(results.frame_times(span, stream_fps=10, max_video_fps=60)) == 20

    def test_frames_start_at_the_span_and_are_capped(self):
        times = results.frame_times(results.Span(3, 100), stream_fps=25, max_video_fps=25,
                                    max_frames=50)
        assert times[0] == 3.0 and len(times) == 50

    def test_unknown_stream_rate_and_tiny_span_still_give_a_frame(self):
        assert results.frame_times(results.Span(0, 0.01), stream_fps=None,
                                   max_video_fps=None) == [0.0]

    def test_tree(self):
        m = results.video_metrics(score=0.93, span=results.Span(0, 4), u=unit, stream_fps=25,
                                  max_video_fps=2)
        assert m["label"] == "Fake" and m["score"] == 0.93 and m["certainty"] == 0.93
        assert "treeview" not in m
        (video,) = m["children"]
        assert video["type"] == "VideoResult" and video["conclusion"] == "Fake"
        assert video["certainty (%)"] == "93%"
        frames = video["children"]
        assert [f["timestamp"] for f in frames] == [0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5]
        faces = {len(f["children"]) for f in frames}
        assert len(faces) == 1 and faces <= {1, 2}
        for f in frames:
            assert f["type"] == "ImageResult"
            assert f["conclusion"] == ("Fake" if f["score"] >= 0.5 else "Real")
            for seg in f["children"]:
                assert set(seg) == {"type", "conclusion", "score", "certainty", "certainty (%)"}
                assert seg["type"] == "Segment"

    def test_real_video_and_treeview(self):
        shown = Shown()
        m = results.video_metrics(score=0.12, span=results.Span(0, 3), u=unit, stream_fps=25,
                                  show=shown)
        assert m["label"] == "Real" and m["certainty"] == 0.88
        assert png_of(shown, m["treeview"]).size == (3, 16)

    def test_percent_format(self):
        assert results.percent(0.9) == "90%"
        assert results.percent(0.955) == "95.5%"


# ----------------------------------------------------------------------------- satellites

class TestSatellites:
    def test_tracing_label(self):
        assert results.tracing_label(False, unit) == "real"
        assert results.tracing_label(True, unit) in results.TRACING_FAKE_LABELS

    def test_intelligence_prose_for_audio_and_video_object_for_images(self):
        audio = results.intelligence_description("audio", {"duration": 6.1, "channels": 1,
                                                           "sample_rate": 16000}, True)
        assert "6.1 seconds" in audio and "mono" in audio and "synthetic" in audio
        video = results.intelligence_description("video", {"duration": 2, "width": 64,
                                                           "height": 48, "has_audio": True}, False)
        assert "64x48" in video and "audio track" in video
        image = results.intelligence_description("image", {"width": 32, "height": 24}, True)
        assert set(image) == {"scene_description", "subjects", "authenticity_analysis",
                              "context_and_setting", "abnormalities", "misinformation"}

    def test_question_answer_quotes_the_result(self):
        item = {"media_type": "audio", "metrics": {"label": "fake", "aggregated_score": "0.91"}}
        answer = results.question_answer(item, " Is it fake? ")
        assert '"Is it fake?"' in answer and "fake" in answer and "0.91" in answer


# ----------------------------------------------------------------------------- upload rules

class TestUploadRules:
    @pytest.mark.parametrize("name,ctype", [
        ("clip.wav", "audio/wav"), ("CLIP.MP3", "audio/mpeg"), ("a.m4a", "audio/x-m4a"),
        ("v.mp4", "video/mp4"), ("v.mp4", "audio/mp4"), ("x.webm", "audio/webm"),
        ("p.jpeg", "image/jpeg"), ("p.png", None), ("p.gif", "application/octet-stream"),
        ("a.ogg", "video/ogg"), ("a.amr", "audio/amr; rate=8000")])
    def test_accepted(self, name, ctype):
        assert intake.check_declared(name, ctype) == name.rsplit(".", 1)[1].lower()

    @pytest.mark.parametrize("name,ctype,message", [
        ("notes.txt", "text/plain", "Unsupported file type .txt; supported extensions: .wav"),
        ("noext", "audio/wav", "Unsupported file type; supported"),
        (None, "audio/wav", "Unsupported file type; supported"),
        ("clip.wav", "image/png", "Content type image/png does not match file extension .wav"),
        ("clip.wav", "text/plain", "Content type text/plain does not match file extension .wav"),
        ("p.jpg", "video/mp4", "does not match file extension .jpg")])
    def test_rejected(self, name, ctype, message):
        with pytest.raises(intake.UploadRejected) as exc:
            intake.check_declared(name, ctype)
        assert message in exc.value.message

    def test_batch_list_omits_amr_and_3gp(self):
        for name in ("a.amr", "a.3gp", "a.3gpp"):
            with pytest.raises(intake.UploadRejected):
                intake.check_declared(name, None, intake.BATCH_EXTENSIONS)
        assert intake.check_declared("a.mkv", None, intake.BATCH_EXTENSIONS) == "mkv"

    def test_sizes(self):
        intake.check_size(1)
        intake.check_size(intake.MAX_UPLOAD_BYTES)
        with pytest.raises(intake.UploadRejected, match="^File is empty$"):
            intake.check_size(0)
        with pytest.raises(intake.UploadRejected) as exc:
            intake.check_size(intake.MAX_UPLOAD_BYTES + 1)
        assert exc.value.message == ("File exceeds 150 MB limit; use the Secure Uploads API "
                                     "(POST /secure_uploads) for larger files")
        intake.check_size(10**12, None)

    def test_redacted_filename_and_url_names(self):
        assert intake.redacted_filename("abc123", "mp3") == "redacted_abc123.mp3"
        assert intake.filename_from_url("https://h.example/a/b/clip%201.wav?x=1") == "clip 1.wav"
        assert intake.filename_from_url("https://h.example/") is None
        assert intake.filename_from_url("http://[bad/dir/x.wav?q") == "x.wav"
        assert intake.filename_from_url("http://[bad") is None

    def test_media_url_resolution(self, tmp_path):
        (tmp_path / "clips").mkdir()
        (tmp_path / "clips" / "a.wav").write_bytes(b"RIFF")
        (tmp_path.parent / "secret.wav").write_bytes(b"x")
        dirs = {"https://media.example.org/": str(tmp_path)}
        resolve = intake.resolve_media_url
        local = resolve("https://media.example.org/clips/a.wav?sig=1", dirs)
        assert local == intake.MediaSource("local", str(tmp_path / "clips" / "a.wav"))
        assert resolve("https://media.example.org/clips/missing.wav", dirs).kind == "refused"
        assert resolve("https://media.example.org/../secret.wav", dirs).kind == "refused"
        assert resolve("https://media.example.org/%2e%2e/secret.wav", dirs).kind == "refused"
        assert resolve("https://media.example.org/", dirs).kind == "refused"
        assert resolve("http://127.0.0.1:9/x.wav", dirs) == intake.MediaSource(
            "fetch", "http://127.0.0.1:9/x.wav")     # core.outbound decides whether it is fetched
        assert resolve("https://media.example.org/[x/clips/a.wav", dirs).kind == "refused"
        assert resolve("https://media.example.org/clips/a.wav#frag", dirs).kind == "local"

    @pytest.mark.parametrize("url,ok", [
        ("https://media.example.org/clip.wav", True), ("http://127.0.0.1:8000/a?b=c", True),
        ("https://h", True), ("ftp://h/x", False), ("https://", False), ("media/clip.wav", False),
        ("https://h/a b", False), ("HTTPS://h/x", False)])
    def test_url_pattern(self, url, ok):
        assert bool(schemas.URL_PATTERN.match(url)) is ok


# ----------------------------------------------------------------------------- media tokens

class TestMediaTokens:
    def test_round_trip(self):
        token = media_tokens.issue("s3cret", upload_id="u1", team="t1", now=1000.5)
        assert token.startswith("eyJ") and token.count(".") == 2
        claims = media_tokens.verify("s3cret", token, now=4599)
        assert claims == {"sub": "u1", "team": "t1", "iat": 1000, "exp": 4600}

    def test_expires_after_one_hour(self):
        token = media_tokens.issue("s3cret", upload_id="u1", team="t1", now=1000)
        with pytest.raises(media_tokens.InvalidToken, match="expired"):
            media_tokens.verify("s3cret", token, now=4600)

    @pytest.mark.parametrize("token", ["", "abc", "a.b.c", None, 12, "eyJ.eyJ.sig.extra"])
    def test_malformed(self, token):
        with pytest.raises(media_tokens.InvalidToken):
            media_tokens.verify("s3cret", token, now=0)

    def test_other_secret_or_tampered_claims(self):
        token = media_tokens.issue("s3cret", upload_id="u1", team="t1", now=1000)
        with pytest.raises(media_tokens.InvalidToken, match="signature"):
            media_tokens.verify("other", token, now=1001)
        head, _, sig = token.split(".")
        forged = media_tokens._b64(b'{"exp":99999,"iat":1000,"sub":"u1","team":"t2"}')
        with pytest.raises(media_tokens.InvalidToken, match="signature"):
            media_tokens.verify("s3cret", f"{head}.{forged}.{sig}", now=1001)


# ----------------------------------------------------------------------------- schemas

def load_json(data):
    return schemas.load(schemas.CreateDetectionJsonRequest(), data)


def load_form(data):
    return schemas.load(schemas.CreateDetectionFormRequest(), data)


class TestCreateSchemas:
    def test_defaults(self):
        loaded = load_json({"url": "https://media.example.org/a.wav"})
        options = schemas.detect_options(loaded)
        assert options["frame_length"] == 2
        assert options["visualize"] is False and options["zero_retention_mode"] is False
        assert options["start_region"] is None and options["model_types"] is None

    def test_every_seed_option_loads(self):
        data = {"url": "https://m.example/a.mp4", "callback_url": "http://127.0.0.1:5/cb",
                "visualize": True, "frame_length": 4, "start_region": 1.5, "end_region": 9,
                "max_video_fps": 12.5, "max_video_secs": 30, "intelligence": True,
                "audio_source_tracing": True, "use_reverse_search": False,
                "use_ood_detector": True, "zero_retention_mode": True, "model_types": "talking_head",
                "pipeline": "general->facial"}
        loaded = load_json(data)
        assert {k: loaded[k] for k in data} == data

    def test_null_means_not_sent(self):
        options = schemas.detect_options(load_json({"media_token": "tok", "url": None,
                                                    "frame_length": None, "visualize": None}))
        assert options["frame_length"] == 2 and options["visualize"] is False

    def test_privacy_mode_is_an_alias(self):
        options = schemas.detect_options(load_json({"url": "https://h/a", "privacy_mode": True}))
        assert options["zero_retention_mode"] is True and "privacy_mode" not in options

    @pytest.mark.parametrize("field,value,message", [
        ("frame_length", 0, "frame_length must be between 1 and 4"),
        ("frame_length", 5, "frame_length must be between 1 and 4"),
        ("frame_length", 2.5, "frame_length must be an integer"),
        ("frame_length", "2", "frame_length must be an integer"),
        ("frame_length", True, "frame_length must be an integer"),
        ("visualize", "true", "visualize must be a boolean"),
        ("visualize", 1, "visualize must be a boolean"),
        ("start_region", -1, "start_region must be greater than or equal to 0"),
        ("start_region", "1", "start_region must be a number"),
        ("end_region", 0, "end_region must be greater than 0"),
        ("max_video_fps", 0, "max_video_fps must be greater than 0"),
        ("max_video_secs", -3, "max_video_secs must be greater than 0"),
        ("model_types", "face", "model_types must be one of: image, talking_head"),
        ("model_types", ["image"], "model_types must be a string"),
        ("callback_url", "ftp://x/y", "callback_url must be an absolute http(s) URL"),
        ("callback_url", 5, "callback_url must be a string"),
        ("pipeline", 3, "pipeline must be a string"),
        ("detect_watermark", True, "detect_watermark is not a permitted parameter")])
    def test_rejections(self, field, value, message):
        with pytest.raises(schemas.InvalidParams) as exc:
            load_json({"url": "https://h/a.wav", field: value})
        assert exc.value.message == message
        assert field in exc.value.errors

    def test_source_field_rules(self):
        with pytest.raises(schemas.InvalidParams, match="url must be an absolute http"):
            load_json({"url": "clip.wav"})
        with pytest.raises(schemas.InvalidParams, match="media_token can't be blank"):
            load_json({"media_token": ""})

    def test_end_region_after_start_region(self):
        with pytest.raises(schemas.InvalidParams) as exc:
            load_json({"url": "https://h/a", "start_region": 4, "end_region": 4})
        assert exc.value.message == "end_region must be greater than start_region"
        assert exc.value.errors == {"end_region": ["must be greater than start_region"]}

    def test_errors_map_has_every_field_and_message_the_first(self):
        with pytest.raises(schemas.InvalidParams) as exc:
            load_json({"url": "https://h/a", "visualize": "x", "frame_length": 9})
        assert exc.value.errors == {"visualize": ["must be a boolean"],
                                    "frame_length": ["must be between 1 and 4"]}
        assert exc.value.message == "visualize must be a boolean"

    def test_form_fields_are_text(self):
        loaded = load_form({"visualize": "true", "frame_length": "3", "start_region": "1.5",
                            "end_region": "4", "intelligence": "FALSE", "use_ood_detector": "1",
                            "zero_retention_mode": "on"})
        assert loaded["visualize"] is True and loaded["frame_length"] == 3
        assert loaded["start_region"] == 1.5 and loaded["end_region"] == 4
        assert loaded["intelligence"] is False and loaded["use_ood_detector"] is True
        assert loaded["zero_retention_mode"] is True

    @pytest.mark.parametrize("field,value,message", [
        ("visualize", "maybe", "visualize must be a boolean"),
        ("visualize", "null", "visualize must be a boolean"),
        ("frame_length", "2.0", "frame_length must be an integer"),
        ("frame_length", "", "frame_length must be an integer"),
        ("frame_length", "7", "frame_length must be between 1 and 4"),
        ("start_region", "nan", "start_region must be a number"),
        ("start_region", "inf", "start_region must be a number"),
        ("max_video_fps", "abc", "max_video_fps must be a number")])
    def test_form_rejections(self, field, value, message):
        with pytest.raises(schemas.InvalidParams) as exc:
            load_form({field: value})
        assert exc.value.message == message


class TestOtherSchemas:
    def test_batch_defaults(self):
        loaded = schemas.load(schemas.CreateDetectBatchRequest(), {})
        assert loaded["visualize"] is True and loaded["frame_length"] == 2
        assert loaded["intelligence"] is False and loaded["search_identity"] is False
        assert loaded["audio_source_tracing_enabled"] is False and loaded["use_llm"] is False

    def test_batch_rejects_single_detect_fields(self):
        with pytest.raises(schemas.InvalidParams, match="zero_retention_mode is not a permitted"):
            schemas.load(schemas.CreateDetectBatchRequest(), {"zero_retention_mode": "true"})

    @pytest.mark.parametrize("body", [{}, {"query": ""}, {"query": "   "}, {"query": None},
                                      {"query": 5}, {"query": ["a"]}])
    def test_query_is_required(self, body):
        with pytest.raises(schemas.InvalidParams) as exc:
            schemas.load(schemas.CreateDetectIntelligenceQuestionRequest(), body)
        assert exc.value.message == "query is required"

    def test_query_loads(self):
        assert schemas.load(schemas.CreateDetectIntelligenceQuestionRequest(),
                            {"query": "Who speaks?"}) == {"query": "Who speaks?"}

    def test_paging(self):
        load = lambda q: schemas.load(schemas.PageQuery(), q)  # noqa: E731
        assert load({"page": "2"}) == {"page": 2, "page_size": 10}
        assert load({"page": "1", "page_size": "1000", "other": "x"})["page_size"] == 1000
        for query, message in [({}, "page is required"), ({"page": "0"},
                               "page must be greater than or equal to 1"),
                               ({"page": "x"}, "page must be an integer"),
                               ({"page": "1", "page_size": "9"},
                                "page_size must be between 10 and 1000"),
                               ({"page": "1", "page_size": "1001"},
                                "page_size must be between 10 and 1000")]:
            with pytest.raises(schemas.InvalidParams) as exc:
                load(query)
            assert exc.value.message == message


# ----------------------------------------------------------------------------- models helpers

class TestModelHelpers:
    @pytest.mark.parametrize("header,token", [
        ("Bearer abc123", "abc123"), ("bearer abc123", "abc123"), ("Token token=abc123", "abc123"),
        ('Token token="abc123"', "abc123"), ('Token token="abc", nonce="x"', "abc"),
        ("Basic abc123", None), ("abc123", None), ("Bearer", None), ("Token abc123", None),
        ("", None), (None, None), ("Bearer a b", None)])
    def test_parse_authorization(self, header, token):
        assert models.parse_authorization(header) == token

    def test_normalize_uuid(self):
        hex32 = "8c6e7a99f3faee6e0ec0cb138bdd4a20"
        assert models.normalize_uuid(hex32) == hex32
        assert models.normalize_uuid(hex32.upper()) == hex32
        assert models.normalize_uuid("8c6e7a99-f3fa-ee6e-0ec0-cb138bdd4a20") == hex32
        for bad in ("batch", "8c6e7a99", "g" * 32, hex32 + "0"):
            assert models.normalize_uuid(bad) is None

    def test_iso(self):
        assert models.iso(1_768_473_000.25) == "2026-01-15T10:30:00.250Z"

    @pytest.mark.parametrize("total,page,size,window", [
        (27, 1, 10, (0, 3)), (27, 3, 10, (20, 3)), (27, 4, 10, (27, 3)), (0, 1, 10, (0, 0)),
        (10, 1, 10, (0, 1)), (27, 2 ** 70, 10, (27, 3))])
    def test_page_window(self, total, page, size, window):
        assert models.page_window(total, page, size) == window


@pytest.mark.parametrize("module", [models, batches, callbacks, detects, files, intake,
                                    intelligences, media_tokens, questions, results, tracings,
                                    watermarks, schemas])
def test_domain_modules_never_import_flask(module):
    source = open(module.__file__, encoding="utf-8").read()
    assert "import flask" not in source and "from flask" not in source
