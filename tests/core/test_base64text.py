"""Strict standard base64: one decoder, with the vendors' two real differences as options."""

from __future__ import annotations

import base64
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.core.base64text import decode

ALPHABET = string.ascii_letters + string.digits + "+/"
ASCII_WHITESPACE = " \t\n\r\v\f"
OPTIONS = [{}, {"ignore_whitespace": True}, {"allow_empty": True},
           {"ignore_whitespace": True, "allow_empty": True}]


def encoded(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@settings(deadline=None)
@given(data=st.binary(min_size=1), options=st.sampled_from(OPTIONS))
def test_round_trips_random_bytes(data, options):
    assert decode(encoded(data), **options) == data


@settings(deadline=None)
@given(data=st.binary(min_size=1), position=st.integers(min_value=0),
       char=st.characters().filter(lambda c: c not in ALPHABET + "=" + ASCII_WHITESPACE))
def test_every_character_outside_the_alphabet_is_refused(data, position, char):
    text = encoded(data)
    at = position % (len(text) + 1)
    for options in OPTIONS:
        with pytest.raises(ValueError):
            decode(text[:at] + char + text[at:], **options)


@pytest.mark.parametrize("char", ["-", "_"])
def test_the_url_safe_alphabet_is_refused(char):
    with pytest.raises(ValueError):
        decode(encoded(b"\xfb\xff\xfe").replace("+", char).replace("/", char))


@settings(deadline=None)
@given(data=st.binary(min_size=1).filter(lambda d: len(d) % 3))
def test_padding_is_required(data):
    text = encoded(data)
    with pytest.raises(ValueError):
        decode(text.rstrip("="), ignore_whitespace=True)


@settings(deadline=None)
@given(data=st.binary(min_size=1).filter(lambda d: len(d) % 3),
       extra=st.sampled_from(["=", "==", "====", "A", "AA==", "AAAA"]))
def test_nothing_may_follow_the_padding(data, extra):
    with pytest.raises(ValueError):
        decode(encoded(data) + extra, ignore_whitespace=True)


@pytest.mark.parametrize("text", ["A===", "====", "YW=j", "=YWJ", "YWJj="])
def test_misplaced_padding_is_refused(text):
    with pytest.raises(ValueError):
        decode(text)


@settings(deadline=None)
@given(data=st.binary(min_size=1), cuts=st.lists(st.integers(min_value=0), min_size=1, max_size=5),
       spaces=st.text(alphabet=ASCII_WHITESPACE, min_size=1, max_size=3))
def test_ascii_whitespace_is_dropped_only_when_asked(data, cuts, spaces):
    text = encoded(data)
    for cut in sorted({c % (len(text) + 1) for c in cuts}, reverse=True):
        text = text[:cut] + spaces + text[cut:]
    assert decode(text, ignore_whitespace=True) == data
    with pytest.raises(ValueError):
        decode(text)


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\x1c", "\x85"])
def test_other_whitespace_is_refused_even_when_ignoring_whitespace(space):
    with pytest.raises(ValueError):
        decode("YWJj" + space, ignore_whitespace=True)


def test_empty_text_is_refused_unless_allowed():
    for text in ["", "  \n"]:
        with pytest.raises(ValueError):
            decode(text, ignore_whitespace=True)
    assert decode("", allow_empty=True) == b""
    assert decode(" \n", ignore_whitespace=True, allow_empty=True) == b""
    with pytest.raises(ValueError):
        decode(" ", allow_empty=True)


@pytest.mark.parametrize("value", [None, b"YWJj", 12, ["YWJj"]])
def test_only_text_is_decoded(value):
    with pytest.raises(ValueError):
        decode(value, ignore_whitespace=True, allow_empty=True)


def test_hiya_file_payload():
    """Hiya's ``file``: padding required, line breaks and spaces ignored, empty refused."""
    payload = bytes(range(256))
    text = encoded(payload)
    assert decode(text, ignore_whitespace=True) == payload
    wrapped = "\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    assert decode(wrapped, ignore_whitespace=True) == payload
    for bad in ["", "   ", "abc", "ab$=", "YWJj\u00e9", "YWJj=", "YW=j", "Y===",
                text.replace("+", "-")[:-1]]:
        with pytest.raises(ValueError):
            decode(bad, ignore_whitespace=True)
    with pytest.raises(ValueError):
        decode(None, ignore_whitespace=True)
