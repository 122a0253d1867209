"""Uploads streamed to the spool directory: digested, counted, size-limited, kept or discarded."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from deepfake_mock.core import spool
from deepfake_mock.core.spool import SpooledFile, SpoolWriter, TooLarge


def listing(directory) -> list[str]:
    return sorted(os.listdir(directory))


def test_writer_digests_and_counts_what_streams_through(tmp_path):
    data = os.urandom(3 * SpoolWriter.CHUNK + 123)
    writer = SpoolWriter(str(tmp_path / "spool")).copy_from(io.BytesIO(data))
    done = writer.finish("voice.wav", "audio/wav")
    writer.close()
    assert done == SpooledFile(writer.path, len(data), hashlib.sha256(data).hexdigest(),
                               "voice.wav", "audio/wav")
    assert os.path.dirname(done.path) == str(tmp_path / "spool")
    assert os.path.basename(done.path).startswith("upload-")
    with open(done.path, "rb") as fh:
        assert fh.read() == data


def test_writer_behaves_as_a_file_for_werkzeug(tmp_path):
    writer = SpoolWriter(str(tmp_path))
    assert writer.write(b"hello ") == 6
    writer.write(b"world")
    assert writer.tell() == 11
    writer.seek(0)
    assert writer.read() == b"hello world"
    writer.flush()
    done = writer.finish()
    assert (done.size, done.digest) == (11, hashlib.sha256(b"hello world").hexdigest())
    assert (done.filename, done.content_type) == (None, None)
    writer.close()


def test_an_empty_upload(tmp_path):
    writer = SpoolWriter(str(tmp_path))
    done = writer.finish()
    assert (done.size, done.digest) == (0, hashlib.sha256(b"").hexdigest())
    writer.close()


def test_writer_refuses_past_its_limit(tmp_path):
    writer = SpoolWriter(str(tmp_path), limit=10)
    writer.write(b"x" * 10)  # exactly the limit is fine
    with pytest.raises(TooLarge):
        writer.write(b"y")
    writer.discard()
    assert listing(tmp_path) == []


def test_streaming_past_the_limit_stops_early(tmp_path):
    writer = SpoolWriter(str(tmp_path), limit=SpoolWriter.CHUNK + 1)
    with pytest.raises(TooLarge):
        writer.copy_from(io.BytesIO(b"z" * (10 * SpoolWriter.CHUNK)))
    assert writer.size == 2 * SpoolWriter.CHUNK  # the second chunk tipped it over
    writer.discard()


def test_discard_removes_the_file_and_is_idempotent(tmp_path):
    writer = SpoolWriter(str(tmp_path))
    writer.write(b"data")
    writer.discard()
    assert not os.path.exists(writer.path)
    spool.discard(writer.path)  # already gone: no error
    spool.discard(str(tmp_path / "never-existed"))


def test_write_bytes(tmp_path):
    done = spool.write_bytes(str(tmp_path), b"frame", "f.jpg", "image/jpeg")
    assert (done.size, done.digest, done.filename, done.content_type) == \
        (5, hashlib.sha256(b"frame").hexdigest(), "f.jpg", "image/jpeg")
    with open(done.path, "rb") as fh:
        assert fh.read() == b"frame"


def test_write_bytes_past_the_limit_leaves_nothing(tmp_path):
    with pytest.raises(TooLarge):
        spool.write_bytes(str(tmp_path), b"x" * 11, limit=10)
    assert listing(tmp_path) == []


def test_keep_moves_an_upload_to_its_name(tmp_path):
    done = spool.write_bytes(str(tmp_path), b"abc")
    target = spool.keep(done, str(tmp_path), "acme-task-1")
    assert target == str(tmp_path / "acme-task-1")
    assert listing(tmp_path) == ["acme-task-1"]


def test_used_bytes(tmp_path):
    assert spool.used_bytes(str(tmp_path / "missing")) == 0
    spool.write_bytes(str(tmp_path), b"x" * 100)
    spool.write_bytes(str(tmp_path), b"y" * 23)
    os.makedirs(tmp_path / "subdir")
    assert spool.used_bytes(str(tmp_path)) == 123
