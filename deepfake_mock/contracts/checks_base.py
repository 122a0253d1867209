"""What every contract check uses: reading a schemathesis response, failing, and comparing an
error string with a catalogue of the documented ones.

Lives apart from checks.py because checks.py imports every vendor's checks, which use these.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping

from schemathesis.core.failures import Failure


class CheckFailure(Failure):
    """A vendor check's failure. Failures with different titles stay apart (schemathesis keeps
    one failure per class and operation otherwise, so one check would hide another)."""

    @property
    def _unique_key(self) -> str:
        return self.title


def header(response, name: str) -> str | None:
    """A response header's first value: schemathesis keeps lower-case names and list values."""
    values = response.headers.get(name.lower())
    return values[0] if values else None


def json_body(response):
    """The response's JSON, or None when the body is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def fail(case, title: str, message: str):
    raise CheckFailure(operation=case.operation.label, title=title, message=message)


def not_envelope(case, vendor: str, response, body):
    """Fail: ``response`` (its parsed ``body``) is not in ``vendor``'s envelope."""
    kind = "Error body" if response.status_code >= 400 else "Body"
    fail(case, f"{kind} is not {vendor}'s envelope",
         f"{response.status_code} answered {str(body)[:300]}")


def documented(case, response, key: str, catalogue: Mapping[int, Collection[str]], title: str,
               normalise: Callable[[str], str] = str):
    """Fail unless the error body's ``key`` is a string ``catalogue`` documents for its status.

    A status the catalogue leaves out has no closed set of strings; a body without ``key`` is
    the envelope check's business. ``normalise`` folds documented variants (separators, keys).
    """
    body = json_body(response)
    allowed = catalogue.get(response.status_code)
    if allowed is None or not isinstance(body, dict) or not isinstance(body.get(key), str):
        return
    if normalise(body[key]) not in allowed:
        fail(case, title, f"{response.status_code} answered {key} {body[key]!r}; the spec documents "
                          f"{sorted(allowed)}")
