"""Strict standard base64 (RFC 4648 section 4), as the vendors decode it.

Strict means: the ``+`` and ``/`` alphabet only (URL-safe ``-`` and ``_`` are refused), ``=``
padding to a multiple of four, nothing after the padding. The vendors differ only in whether
whitespace may wrap the text and whether an empty text is a value; those are the options.
"""

from __future__ import annotations

import binascii
import re

_CANONICAL = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_ASCII_WHITESPACE = re.compile(r"[ \t\n\r\v\f]+")


def decode(text: str, *, ignore_whitespace: bool = False, allow_empty: bool = False) -> bytes:
    """The bytes of ``text``; raises ValueError unless it is strict standard base64.

    ``ignore_whitespace``: ASCII whitespace anywhere (line-wrapped output) is dropped first;
    otherwise it is refused. ``allow_empty``: an empty text decodes to ``b""``; otherwise it is
    refused (after dropping whitespace, so a blank text is empty too).
    """
    if not isinstance(text, str):
        raise ValueError("base64 text must be a string")
    if ignore_whitespace:
        text = _ASCII_WHITESPACE.sub("", text)
    if not text and not allow_empty:
        raise ValueError("empty base64 text")
    if not _CANONICAL.fullmatch(text):
        raise ValueError("not strict standard base64")
    return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
