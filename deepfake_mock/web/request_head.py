"""The emulator's own limits on a request's head (request line, header fields), answered in the
vendor's envelope: 414 URI Too Long and 431 Request Header Fields Too Large. gunicorn's own
ceilings (GUNICORN_LIMITS, set by ``deepfake-mock serve``) sit above these, so a request over
ours still reaches Flask instead of getting gunicorn's HTML page."""

from __future__ import annotations

from urllib.parse import quote

MAX_REQUEST_LINE = 4094      # bytes of "METHOD URI HTTP/1.1" (gunicorn's default)
MAX_HEADER_FIELD = 8190      # bytes of one "Name: value" field (gunicorn's default)
MAX_HEADER_FIELDS = 100      # header fields in one request (gunicorn's default)
GUNICORN_LIMITS = {"limit_request_line": 8190,          # gunicorn's largest bounded value
                   "limit_request_field_size": 128 * 1024,
                   "limit_request_fields": 200}


def head_problem(environ) -> int | None:
    """414 or 431 when the request's head is over the emulator's limits, else None."""
    uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or (
        quote(environ.get("PATH_INFO", "")) + ("?" + environ["QUERY_STRING"]
                                               if environ.get("QUERY_STRING") else ""))
    line = f"{environ.get('REQUEST_METHOD', '')} {uri} {environ.get('SERVER_PROTOCOL', '')}"
    if len(line) > MAX_REQUEST_LINE:
        return 414
    fields = 0
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:]
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            name = key
        else:
            continue
        fields += 1
        if len(name) + 2 + len(str(value)) > MAX_HEADER_FIELD:
            return 431
    return 431 if fields > MAX_HEADER_FIELDS else None
