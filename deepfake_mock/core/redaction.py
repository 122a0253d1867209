"""One redaction policy: which names hold secrets and how a secret is masked wherever it would
show (journal entries, outbound deliveries, the access log, admin answers such as the settings).

A name is secret when its words end with the words of a secret name, whatever its case and
separators: ``apiKey``, ``x-api-key`` and ``API_KEYS`` end with ``api key``,
``media_token_secret`` with ``secret``, ``Set-Cookie`` with ``cookie``; ``token_ttl_seconds``
and ``secret_headers`` do not. The names are the ``secret_fields`` and ``secret_headers``
settings. A value under a secret name is masked at any depth (an ``Authorization`` value keeps
its scheme; a mapping is masked whole: its keys are the secrets, as in Resemble's ``tokens``).

Strings are scrubbed too: a URL's userinfo (``http://user:[redacted]@host``), secret
parameters of a query string (``?token=[redacted]``), JSON held in a string, and every value
already known to be a secret: the configured credentials and those found in the same entry.
"""

from __future__ import annotations

import json
import re
from typing import Iterable
from urllib.parse import unquote

REDACTED = "[redacted]"
MIN_SCRUBBED = 6          # shorter secrets are masked where they are named, not searched for
NAMES_REMEMBERED = 4096   # verdicts on names kept per policy (headers and keys repeat)
REMEMBERED = 512          # long strings scrubbed, kept per policy (a polled answer repeats)
REMEMBERED_FROM = 64      # characters from which a string's scrubbing is remembered
PAIR_FIELDS = ("users",)  # lists of "user:password" strings (GLAIR's users): the password is secret

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_URL_AUTHORITY = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*://)([^/?#\s\"'<>]*)")
_QUERY_PARAM = re.compile(r"(^|[?&;])([^=&?#;\s\"']+)=([^&#;\s\"']*)")
_JSON_STRING_FIELD = re.compile(r'"((?:[^"\\]|\\.)*)"(\s*:\s*)"((?:[^"\\]|\\.)*)"')


def _words(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD.findall(name))


def _singular(words: tuple[str, ...]) -> tuple[str, ...]:
    last = words[-1]
    return words[:-1] + (last[:-1],) if len(last) > 3 and last.endswith("s") else words


def json_escaped(secret: str) -> str:
    """How ``secret`` reads inside JSON text."""
    return json.dumps(secret, ensure_ascii=False)[1:-1]


def _compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)


def _searchable(secrets: Iterable[str]) -> set[str]:
    return {s for s in secrets if len(s) >= MIN_SCRUBBED and s != REDACTED}


class Redaction:
    """The policy, built from the secret names; ``known`` are secret values to find in text."""

    def __init__(self, secret_names: Iterable[str], known: Iterable[str] = ()):
        self._by_last: dict[str, list[tuple[str, ...]]] = {}
        for words in {w for w in (_words(n) for n in secret_names) if w}:
            self._by_last.setdefault(words[-1], []).append(words)
        self._joined = {"".join(w) for names in self._by_last.values() for w in names}
        self._verdicts: dict[str, bool] = {}  # names seen, at most NAMES_REMEMBERED
        self._remembered: dict = {}  # long string -> (scrubbed, found)
        self.known = frozenset(_searchable(known))
        self._escaped = {s: json_escaped(s) for s in self.known}

    @classmethod
    def from_settings(cls, settings) -> "Redaction":
        """The policy of ``settings``, knowing every credential configured in them."""
        from ..settings import as_dict

        names = (*settings.secret_fields, *settings.secret_headers)
        found: set[str] = set()
        cls(names)._walk(as_dict(settings), found)
        return cls(names, found)

    # ---- names ------------------------------------------------------------------------------

    def is_secret(self, name: object) -> bool:
        name = str(name)
        verdict = self._verdicts.get(name)
        if verdict is None:
            verdict = self._judge(_words(name))
            if len(self._verdicts) < NAMES_REMEMBERED:
                self._verdicts[name] = verdict
        return verdict

    def _judge(self, words: tuple[str, ...]) -> bool:
        if not words:
            return False
        for form in {words, _singular(words)}:
            if "".join(form) in self._joined:
                return True
            if any(form[-len(n):] == n for n in self._by_last.get(form[-1], ())):
                return True
        return False

    # ---- what callers use ---------------------------------------------------------------------

    def redact(self, value):
        """``value`` (JSON-like) with every secret masked, at any depth and inside strings."""
        masked, _, present, _ = self._masked(value)
        return self._scrub(masked, present) if present else masked

    def redact_text(self, text: str) -> str:
        """``redact(text)`` for a string that repeats (a request's path): remembered."""
        return self._remember(("text", text), lambda _: self.redact(text), set())

    def redact_json(self, value) -> str:
        """``redact(value)`` as compact JSON text."""
        return self.redact_json_found(value)[0]

    def redact_json_found(self, value) -> tuple[str, frozenset[str]]:
        """``redact_json(value)``, and the secrets found in ``value`` (beyond the known ones):
        to look for in text that goes with it."""
        masked, text, present, found = self._masked(value)
        return (_compact(self._scrub(masked, present)) if present else text), found

    def _masked(self, value) -> tuple:
        """``value`` with its secret names masked, its JSON text, the secrets (known or found
        in it) still present in that text, longest first, and those found."""
        found: set[str] = set()
        masked = self._walk(value, found)
        text = _compact(masked)
        searched = _searchable(found)
        present = [s for s in self.known.union(searched)
                   if (self._escaped.get(s) or json_escaped(s)) in text]
        return masked, text, sorted(present, key=len, reverse=True), frozenset(searched)

    def json_text(self, text: str) -> str:
        """JSON text with every known secret replaced (a whole answer, without parsing it)."""
        for secret in sorted(self.known, key=len, reverse=True):
            for form in {self._escaped[secret], json.dumps(secret)[1:-1]}:  # \u escapes or not
                text = text.replace(form, REDACTED)
        return text

    # ---- the walk -----------------------------------------------------------------------------

    def _remember(self, key, scrub, found: set[str]):
        """``scrub(own)`` (``own``: the secrets it finds) once per ``key``; its result, and the
        secrets it found added to ``found``."""
        remembered = self._remembered.get(key)
        if remembered is None:
            own: set[str] = set()
            remembered = (scrub(own), frozenset(own))
            if len(self._remembered) >= REMEMBERED:
                self._remembered.clear()
            self._remembered[key] = remembered
        found.update(remembered[1])
        return remembered[0]

    def _walk(self, value, found: set[str]):
        if isinstance(value, dict):
            return {k: self._field(k, v, found) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self._walk(v, found) for v in value]
        if isinstance(value, str):
            return self._string(value, found)
        return value

    def _field(self, name, value, found: set[str]):
        if self.is_secret(name):
            return self._mask(value, found, keep_scheme=_words(str(name))[-1:] == ("authorization",))
        if name in PAIR_FIELDS and isinstance(value, list):
            return [self._pair(v, found) if isinstance(v, str) else self._walk(v, found)
                    for v in value]
        return self._walk(value, found)

    def _mask(self, value, found: set[str], keep_scheme: bool = False):
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            return [self._mask(v, found, keep_scheme) for v in value]
        if isinstance(value, dict):
            found.update(str(k) for k in value)
            return REDACTED
        text = str(value)
        scheme, _, credential = text.partition(" ")
        if keep_scheme and credential.strip():
            found.add(credential.strip())
            return f"{scheme} {REDACTED}"
        found.add(text)
        return REDACTED

    def _pair(self, value: str, found: set[str]) -> str:
        user, colon, password = value.partition(":")
        if not colon:
            return self._string(value, found)
        found.add(password)
        return f"{user}:{REDACTED}"

    def _string(self, value: str, found: set[str]) -> str:
        if len(value) < REMEMBERED_FROM:
            return self._scrubbed_string(value, found)
        return self._remember(value, lambda own: self._scrubbed_string(value, own), found)

    def _scrubbed_string(self, value: str, found: set[str]) -> str:
        if value[:1] in ("{", "[") and value[-1:] in ("}", "]"):
            try:
                parsed = json.loads(value)
            except ValueError:
                pass
            else:
                masked = self._walk(parsed, found)
                return value if masked == parsed else json.dumps(masked)
        if "://" in value:
            value = _URL_AUTHORITY.sub(lambda m: self._authority(m, found), value)
        if "=" in value:
            value = _QUERY_PARAM.sub(lambda m: self._param(m, found), value)
        if '"' in value:
            value = _JSON_STRING_FIELD.sub(lambda m: self._json_field(m, found), value)
        return value

    def _authority(self, match: re.Match, found: set[str]) -> str:
        scheme, authority = match.groups()
        userinfo, at, host = authority.rpartition("@")
        if not at or not userinfo:
            return match.group(0)
        user, colon, password = userinfo.partition(":")
        found.add(password if colon else user)
        shown = f"{user}:{REDACTED}" if colon else REDACTED
        return f"{scheme}{shown}@{host}"

    def _param(self, match: re.Match, found: set[str]) -> str:
        start, name, value = match.groups()
        if not value or value == REDACTED or not self.is_secret(unquote(name)):
            return match.group(0)
        found.update((value, unquote(value)))
        return f"{start}{name}={REDACTED}"

    def _json_field(self, match: re.Match, found: set[str]) -> str:
        """A ``"name": "value"`` pair in text that is not whole JSON (a cut response body)."""
        name, colon, value = match.groups()
        if not self.is_secret(name) or value == REDACTED:
            return match.group(0)
        found.add(value)
        return f'"{name}"{colon}"{REDACTED}"'

    def _scrub(self, value, secrets: list[str]):
        if not secrets:
            return value
        if isinstance(value, dict):
            return {self._scrub(k, secrets) if isinstance(k, str) else k: self._scrub(v, secrets)
                    for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v, secrets) for v in value]
        if isinstance(value, str):
            for secret in secrets:
                if secret in value:
                    value = value.replace(secret, REDACTED)
        return value
