"""FinAuth ``hmac_sha1`` signing: the published vectors, and every way a signature fails."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deepfake_mock.testing.finauth_vectors import TEST_VECTORS, URL_SAFE_SIGN
from deepfake_mock.vendors.finauth import signing
from deepfake_mock.vendors.finauth.signing import (
    EXPIRED_SIGN,
    INVALID_SIGN,
    SignError,
    make_sign,
    parse_sign,
    sign_raw,
    verify_sign,
)

KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
SECRET = "TESTSECRET_0123456789abcdefghijk"
SECRETS = {KEY: SECRET}
VECTOR_91 = next(v for v in TEST_VECTORS if v.name == "reusable_100s")


def forge(raw: bytes, secret: str = SECRET) -> str:
    digest = hmac.new(secret.encode(), raw, hashlib.sha1).digest()
    return base64.b64encode(digest + raw).decode()


# --- published and worked vectors ----------------------------------------------------------


def test_published_faceid_vector_prefix_and_full_sign():
    v0 = TEST_VECTORS[0]
    assert v0.raw == "a=ICVvC_xUs6177WEtyUNwIH8J6NfGu50t&b=1530762218&c=1530762118&d=0799687066"
    sign = make_sign(v0.api_key, v0.api_secret, 100, now=1530762118, rnd="0799687066")
    assert sign.startswith("SPzLRbDBgTGC2A8YdDaa7Jrny+5h")  # the published 28 characters
    assert sign == v0.sign


def test_worked_example_91_is_byte_exact():
    sign = make_sign(KEY, SECRET, 100, now=1700000000, rnd="1234567890")
    assert sign == VECTOR_91.sign
    assert len(sign) == 124
    blob = base64.b64decode(sign, validate=True)
    assert blob[:20].hex() == "fa4d78de49bf251331f40dc7a71d4855f58c872a"
    assert blob[20:] == b"a=TESTKEY_abcdefghijklmnopqrstuvwx&b=1700000100&c=1700000000&d=1234567890"


def test_worked_example_92_single_use():
    sign = make_sign(KEY, SECRET, 0, now=1700000000, rnd="1234567890")
    assert sign.startswith("UkKMdbko8LA4OcBgIwGrxjTGqi1h")
    parsed = parse_sign(sign)
    assert parsed.single_use and parsed.expire_time == 0
    assert parsed.digest.hex() == "52428c75b928f0b03839c0602301abc634c6aa2d"


@pytest.mark.parametrize("vector", TEST_VECTORS, ids=lambda v: v.name)
def test_every_vector(vector):
    assert sign_raw(vector.api_secret, vector.raw) == vector.sign
    secrets = {vector.api_key: vector.verify_secret}
    if vector.reason == "":
        parsed = verify_sign(vector.sign, secrets, vector.check_at)
        assert (parsed.api_key, parsed.expire_time, parsed.current_time, parsed.random) == (
            vector.api_key, vector.expire_time, vector.current_time, vector.random)
    else:
        with pytest.raises(SignError) as info:
            verify_sign(vector.sign, secrets, vector.check_at)
        assert info.value.reason == vector.reason


def test_url_safe_rendering_is_invalid_sign():
    assert URL_SAFE_SIGN == VECTOR_91.sign.replace("+", "-").replace("/", "_")
    with pytest.raises(SignError) as info:
        verify_sign(URL_SAFE_SIGN, SECRETS, 1700000003)
    assert info.value.reason == INVALID_SIGN


# --- time rules ----------------------------------------------------------------------------


def test_expiry_is_exclusive_at_b():
    assert verify_sign(VECTOR_91.sign, SECRETS, 1700000099).expire_time == 1700000100
    for now in (1700000100, 1700000200):
        with pytest.raises(SignError) as info:
            verify_sign(VECTOR_91.sign, SECRETS, now)
        assert info.value.reason == EXPIRED_SIGN


def test_current_time_not_before_expire_time_is_invalid():
    sign = forge(f"a={KEY}&b=1700000100&c=1700000100&d=1".encode())
    with pytest.raises(SignError) as info:
        verify_sign(sign, SECRETS, 1700000050)
    assert info.value.reason == INVALID_SIGN


def test_future_current_time_within_and_beyond_skew():
    sign = forge(f"a={KEY}&b=1700001000&c=1700000300&d=42".encode())
    assert verify_sign(sign, SECRETS, 1700000000).random == "42"
    with pytest.raises(SignError) as info:
        verify_sign(sign, SECRETS, 1699999999)
    assert info.value.reason == INVALID_SIGN
    assert verify_sign(sign, SECRETS, 1699999999, future_skew=None).current_time == 1700000300


def test_single_use_never_expires_by_time():
    sign = make_sign(KEY, SECRET, 0, now=1700000000)
    assert verify_sign(sign, SECRETS, 1800000000).single_use


# --- key and digest ------------------------------------------------------------------------


def test_unknown_key_is_bare_authentication_error():
    sign = make_sign("SOMEONE_ELSE", SECRET, 100, now=1700000000)
    with pytest.raises(SignError) as info:
        verify_sign(sign, SECRETS, 1700000001)
    assert info.value.reason is None


def test_tampered_raw_string_is_bare_authentication_error():
    blob = bytearray(base64.b64decode(VECTOR_91.sign))
    blob[-1:] = b"1"  # d=1234567891: still well-formed, digest no longer matches
    with pytest.raises(SignError) as info:
        verify_sign(base64.b64encode(bytes(blob)).decode(), SECRETS, 1700000003)
    assert info.value.reason is None


def test_tampered_digest_is_bare_authentication_error():
    blob = bytearray(base64.b64decode(VECTOR_91.sign))
    blob[0] ^= 1
    with pytest.raises(SignError) as info:
        verify_sign(base64.b64encode(bytes(blob)).decode(), SECRETS, 1700000003)
    assert info.value.reason is None


def test_secret_lookup_may_be_a_callable():
    parsed = verify_sign(VECTOR_91.sign, SECRETS.get, 1700000003)
    assert parsed.api_key == KEY


# --- malformed signs: INVALID_SIGN ---------------------------------------------------------

MALFORMED_RAW = [
    b"",  # nothing after the digest
    b"a=K&b=1&c=0",  # three fields
    b"a=K&b=1&c=0&d=1&e=2",  # five fields
    b"b=1&a=K&c=0&d=1",  # out of order
    b"a=&b=1&c=0&d=1",  # empty key
    b"a=K&b=x&c=0&d=1",  # non-numeric b
    b"a=K&b=1&c=-5&d=1",  # signed c
    b"a=K&b=1&c=0&d=",  # empty d
    b"a=K&b=1&c=0&d=12345678901",  # eleven digits
    b"a=K&b=1&c=0&d=1a",  # non-digit d
    b"a=K&b=9999999999999&c=0&d=1",  # absurd b
    b"a=K&b 1&c=0&d=1",  # no '='
    "a=K\u00e9&b=1&c=0&d=1".encode(),  # non-ASCII raw
]


@pytest.mark.parametrize("raw", MALFORMED_RAW)
def test_malformed_raw_is_invalid_sign(raw):
    with pytest.raises(SignError) as info:
        verify_sign(forge(raw), {"K": SECRET}, 0)
    assert info.value.reason == INVALID_SIGN


@pytest.mark.parametrize(
    "sign",
    [
        "not-base64!!",
        VECTOR_91.sign[:-1],  # truncated: bad padding
        VECTOR_91.sign[:40],  # truncated on a boundary: raw string cut
        VECTOR_91.sign[:64] + "\n" + VECTOR_91.sign[64:],  # line-wrapped
        " " + VECTOR_91.sign,  # leading space
        VECTOR_91.sign + "====",  # data after padding
        base64.b64encode(b"x" * 20).decode(),  # digest only
        "",
        "\u00e9t\u00e9",
    ],
)
def test_undecodable_sign_is_invalid_sign(sign):
    with pytest.raises(SignError) as info:
        verify_sign(sign, SECRETS, 1700000003)
    assert info.value.reason == INVALID_SIGN


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_escapes_as_another_exception(text):
    try:
        verify_sign(text, SECRETS, 1700000003)
    except SignError as exc:
        assert exc.reason in (None, INVALID_SIGN, EXPIRED_SIGN)


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&="),
            min_size=1, max_size=40),
    st.text(min_size=1, max_size=40),
    st.integers(min_value=1, max_value=10**6),
    st.from_regex(r"[0-9]{1,10}", fullmatch=True),
)
def test_round_trip(api_key, secret, validity, rnd):
    sign = make_sign(api_key, secret, validity, now=1700000000, rnd=rnd)
    parsed = verify_sign(sign, {api_key: secret}, 1700000000)
    assert (parsed.api_key, parsed.random) == (api_key, rnd)
    assert parsed.expire_time - parsed.current_time == validity


# --- the client helper ---------------------------------------------------------------------


def test_signed_fields_for_a_form():
    fields = signing.signed_fields(KEY, SECRET, 60, now=1700000000)
    assert fields["sign_version"] == "hmac_sha1"
    parsed = verify_sign(fields["sign"], SECRETS, 1700000001)
    assert parsed.expire_time == 1700000060 and len(parsed.random) == 10


def test_make_sign_rejects_bad_arguments():
    with pytest.raises(ValueError):
        make_sign(KEY, SECRET, -1)
    with pytest.raises(ValueError):
        make_sign(KEY, SECRET, 10, rnd="12345678901")
