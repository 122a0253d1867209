"""Load from wrk (Debian package ``wrk``): one bounded run against one URL, parsed."""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

# A request with a body: wrk reads it from a file once, then sends the same bytes every time.
_BODY_SCRIPT = """
local fh = io.open("{body}", "rb")
wrk.method = "{method}"
wrk.body = fh:read("*a")
fh:close()
"""


@dataclass(frozen=True)
class Request:
    """What wrk sends: a method, a URL, headers and (for a POST) a body."""
    url: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    body: bytes | None = None


def wrk(req: Request, duration: int, connections: int, threads: int = 1) -> dict:
    """req/s, p50 and p99 in ms, the requests sent, and how many were not 2xx/3xx."""
    flags = [arg for name, value in req.headers.items() for arg in ("-H", f"{name}: {value}")]
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        if req.body is not None or req.method != "GET":
            body = Path(tmp) / "body"
            body.write_bytes(req.body or b"")
            script = Path(tmp) / "request.lua"
            script.write_text(_BODY_SCRIPT.format(body=body, method=req.method))
            flags += ["-s", str(script)]
        out = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s",
                              "--latency", *flags, req.url], capture_output=True, text=True,
                             check=True, timeout=duration + 60).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "p50_ms": _percentile(out, 50), "p99_ms": _percentile(out, 99),
            "non_2xx": int(errors.group(1)) if errors else 0}


def _percentile(out: str, p: int) -> float:
    value, unit = re.search(rf"\s{p}(?:\.0+)?%\s+([\d.]+)(us|ms|s)", out).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
