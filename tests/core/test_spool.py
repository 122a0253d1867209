"""Uploads streamed to the spool directory: digested, counted, size-limited, kept or discarded."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core import spool
from deepfake_mock.core.spool import Spool, SpooledFile, SpoolWriter, TooLarge
from deepfake_mock.core.store import MemoryStore
from deepfake_mock.testing.clock import ManualClock


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


def make_spool(tmp_path, *, max_bytes=None, retention=None):
    clock = ManualClock(1_700_000_000)
    store = MemoryStore()
    return Spool(str(tmp_path), store, clock, max_bytes=max_bytes, retention=retention), store, clock


def test_keep_moves_an_upload_to_its_name_and_records_it(tmp_path):
    kept, store, clock = make_spool(tmp_path)
    done = spool.write_bytes(str(tmp_path), b"abc")
    target = kept.keep(done.path, "acme-task-1")
    assert target == str(tmp_path / "acme-task-1")
    assert listing(tmp_path) == ["acme-task-1"]
    assert store.get(spool.LEDGER, "acme-task-1") == {"name": "acme-task-1", "kept_at": 1_700_000_000,
                                                      "size": 3}
    assert kept.kept_bytes() == 3


def test_link_gives_kept_bytes_a_second_name_counted_once(tmp_path):
    kept, store, _ = make_spool(tmp_path)
    first = kept.keep(spool.write_bytes(str(tmp_path), b"x" * 10).path, "acme-upload-1")
    kept.link(first, "acme-detect-1")
    assert listing(tmp_path) == ["acme-detect-1", "acme-upload-1"]
    assert store.count(spool.LEDGER) == 2
    assert spool.used_bytes(str(tmp_path)) == kept.kept_bytes() == 10


def test_temporary_files_are_named_after_their_writer(tmp_path):
    done = spool.write_bytes(str(tmp_path), b"abc")
    assert os.path.basename(done.path).startswith(f"upload-{os.getpid()}-")
    assert spool.temp_owner(os.path.basename(done.path)) == os.getpid()
    assert spool.temp_owner("upload-abc123") is None  # an older unnamed one


def test_kept_media_expire_on_the_emulator_clock(tmp_path):
    kept, store, clock = make_spool(tmp_path, retention=3600)
    for n in range(3):
        kept.keep(spool.write_bytes(str(tmp_path), b"x").path, f"acme-{n}")
        clock.advance(1000)
    # kept at t, t+1000, t+2000; now t+3000
    assert kept.expire() == 0
    clock.advance(1000)  # t+4000: the first is 4000 s old
    assert kept.expire() == 1
    assert listing(tmp_path) == ["acme-1", "acme-2"]
    assert store.get(spool.LEDGER, "acme-0") is None
    clock.advance(10_000)
    assert kept.expire() == 2
    assert listing(tmp_path) == [] and store.count(spool.LEDGER) == 0
    assert kept.kept_bytes() == 0


def test_discard_forgets_a_kept_file_once(tmp_path):
    kept, store, _ = make_spool(tmp_path)
    kept.keep(spool.write_bytes(str(tmp_path), b"x" * 7).path, "acme-0")
    kept.keep(spool.write_bytes(str(tmp_path), b"y" * 5).path, "acme-1")
    kept.discard("acme-0")
    kept.discard("acme-0")
    kept.discard("never-kept")
    assert listing(tmp_path) == ["acme-1"]
    assert kept.kept_bytes() == 5 and store.count(spool.LEDGER) == 1


def test_no_retention_keeps_everything(tmp_path):
    kept, _, clock = make_spool(tmp_path, retention=None)
    kept.keep(spool.write_bytes(str(tmp_path), b"x").path, "acme-0")
    clock.advance(10 ** 9)
    assert kept.expire() == 0 and listing(tmp_path) == ["acme-0"]


@given(ages=st.lists(st.integers(min_value=0, max_value=5000), max_size=150),
       retention=st.integers(min_value=0, max_value=5000))
@settings(max_examples=40, deadline=None)
def test_expire_removes_exactly_the_media_past_retention(tmp_path_factory, ages, retention):
    directory = tmp_path_factory.mktemp("spool")
    kept, store, clock = make_spool(directory, retention=retention)
    start = clock.now()
    for n, age in enumerate(sorted(ages, reverse=True)):  # kept oldest first
        clock.set(start - age)
        kept.keep(spool.write_bytes(str(directory), b"x").path, f"m-{n}")
    clock.set(start)
    kept.expire()
    survivors = {f"m-{n}" for n, age in enumerate(sorted(ages, reverse=True)) if age < retention}
    assert set(os.listdir(directory)) == survivors
    assert {d["name"] for d in store.scan(spool.LEDGER)} == survivors
    assert kept.kept_bytes() == len(survivors)


def test_has_room_for_an_upload_after_expiry(tmp_path):
    kept, _, clock = make_spool(tmp_path, max_bytes=100, retention=60)
    kept.keep(spool.write_bytes(str(tmp_path), b"x" * 60).path, "acme-old")
    assert kept.has_room(40)  # exactly full
    assert not kept.has_room(41)
    clock.advance(61)  # the kept 60 bytes expire
    assert kept.has_room(100)
    assert listing(tmp_path) == []


def test_no_cap(tmp_path):
    kept, _, _ = make_spool(tmp_path, max_bytes=None)
    assert kept.has_room(10 ** 15)


def test_sweep_removes_orphans_and_keeps_what_is_recorded_or_being_written(tmp_path):
    kept, store, _ = make_spool(tmp_path)
    kept.keep(spool.write_bytes(str(tmp_path), b"k" * 5).path, "acme-kept")
    writing = spool.write_bytes(str(tmp_path), b"w" * 7)       # our own pid: alive
    (tmp_path / "upload-999999999-abcdefgh").write_bytes(b"d" * 11)  # a dead writer's
    (tmp_path / "upload-k3x9_q1z").write_bytes(b"o" * 13)      # an older unnamed temp file
    (tmp_path / "acme-lost-state").write_bytes(b"l" * 17)      # kept, but its record is gone
    os.makedirs(tmp_path / "subdir")
    store.incr(spool.KEPT_BYTES, 1000)  # a count that drifted (a worker killed in between)
    swept = kept.sweep_orphans(alive=lambda pid: pid == os.getpid())
    assert swept == spool.Swept(files=3, bytes=11 + 13 + 17)
    assert kept.kept_bytes() == 5  # counted afresh from the ledger
    assert listing(tmp_path) == sorted(["acme-kept", os.path.basename(writing.path), "subdir"])


def test_sweep_of_a_missing_spool(tmp_path):
    kept, _, _ = make_spool(tmp_path / "missing")
    assert kept.sweep_orphans() == spool.Swept(0, 0)


def test_used_bytes(tmp_path):
    assert spool.used_bytes(str(tmp_path / "missing")) == 0
    spool.write_bytes(str(tmp_path), b"x" * 100)
    spool.write_bytes(str(tmp_path), b"y" * 23)
    os.makedirs(tmp_path / "subdir")
    assert spool.used_bytes(str(tmp_path)) == 123
