"""FinAuth ``hmac_sha1`` signing vectors for tests: the published FaceID sample and worked
signatures, each with the outcome ``signing.verify_sign`` must give."""

from __future__ import annotations

from dataclasses import dataclass

from deepfake_mock.vendors.finauth.signing import EXPIRED_SIGN, canonical_string


@dataclass(frozen=True)
class TestVector:
    """A worked signature: inputs, the exact ``sign``, and the outcome at ``check_at``.

    ``reason`` is ``""`` when the sign verifies at ``check_at`` with ``verify_secret``, else
    the expected ``SignError.reason`` (``None`` for the bare ``AUTHENTICATION_ERROR``).
    """

    __test__ = False  # not a pytest test class

    name: str
    api_key: str
    api_secret: str
    expire_time: int
    current_time: int
    random: str
    sign: str
    check_at: int
    verify_secret: str
    reason: str | None = ""

    @property
    def raw(self) -> str:
        return canonical_string(self.api_key, self.expire_time, self.current_time, self.random)


_TEST_KEY = "TESTKEY_abcdefghijklmnopqrstuvwx"
_TEST_SECRET = "TESTSECRET_0123456789abcdefghijk"

TEST_VECTORS: tuple[TestVector, ...] = (
    # #0: the FaceID sample key pair and raw string; its published sign begins
    # "SPzLRbDBgTGC2A8YdDaa7Jrny+5h" (the whole digest); the rest is the Base64 of raw.
    TestVector(
        name="faceid_published",
        api_key="ICVvC_xUs6177WEtyUNwIH8J6NfGu50t",
        api_secret="UjYGdN9CBZKsDBLB5-5v3DykPXY6dw3q",
        expire_time=1530762218,
        current_time=1530762118,
        random="0799687066",
        sign=(
            "SPzLRbDBgTGC2A8YdDaa7Jrny+5hPUlDVnZDX3hVczYxNzdXRXR5VU53SUg4SjZOZkd1NTB0JmI9MTUzMDc2"
            "MjIxOCZjPTE1MzA3NjIxMTgmZD0wNzk5Njg3MDY2"
        ),
        check_at=1530762150,
        verify_secret="UjYGdN9CBZKsDBLB5-5v3DykPXY6dw3q",
    ),
    TestVector(
        name="reusable_100s",
        api_key=_TEST_KEY,
        api_secret=_TEST_SECRET,
        expire_time=1700000100,
        current_time=1700000000,
        random="1234567890",
        sign=(
            "+k143km/JRMx9A3Hpx1IVfWMhyphPVRFU1RLRVlfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4JmI9MTcwMDAw"
            "MDEwMCZjPTE3MDAwMDAwMDAmZD0xMjM0NTY3ODkw"
        ),
        check_at=1700000003,
        verify_secret=_TEST_SECRET,
    ),
    TestVector(
        name="reusable_100s_expired",
        api_key=_TEST_KEY,
        api_secret=_TEST_SECRET,
        expire_time=1700000100,
        current_time=1700000000,
        random="1234567890",
        sign=(
            "+k143km/JRMx9A3Hpx1IVfWMhyphPVRFU1RLRVlfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4JmI9MTcwMDAw"
            "MDEwMCZjPTE3MDAwMDAwMDAmZD0xMjM0NTY3ODkw"
        ),
        check_at=1700000200,
        verify_secret=_TEST_SECRET,
        reason=EXPIRED_SIGN,
    ),
    TestVector(
        name="wrong_secret",
        api_key=_TEST_KEY,
        api_secret="NOT_THE_SECRET",
        expire_time=1700000100,
        current_time=1700000000,
        random="1234567890",
        sign=(
            "P4n/irK+5JrPjvZYe6Gsoq5g8jphPVRFU1RLRVlfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4JmI9MTcwMDAw"
            "MDEwMCZjPTE3MDAwMDAwMDAmZD0xMjM0NTY3ODkw"
        ),
        check_at=1700000003,
        verify_secret=_TEST_SECRET,
        reason=None,
    ),
    TestVector(
        name="single_use",
        api_key=_TEST_KEY,
        api_secret=_TEST_SECRET,
        expire_time=0,
        current_time=1700000000,
        random="1234567890",
        sign=(
            "UkKMdbko8LA4OcBgIwGrxjTGqi1hPVRFU1RLRVlfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4JmI9MCZjPTE3"
            "MDAwMDAwMDAmZD0xMjM0NTY3ODkw"
        ),
        check_at=1700000003,
        verify_secret=_TEST_SECRET,
    ),
)

# The URL-safe rendering of the reusable vector: the wrong alphabet, refused as INVALID_SIGN.
URL_SAFE_SIGN = (
    "-k143km_JRMx9A3Hpx1IVfWMhyphPVRFU1RLRVlfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4JmI9MTcwMDAwMDEwMC"
    "ZjPTE3MDAwMDAwMDAmZD0xMjM0NTY3ODkw"
)
