"""Flask's JSON provider for client bodies: ``request.get_json`` parses with the core's nesting
limit, so every view that treats an unparsable body as malformed answers a hostile one the same
way (the vendor's documented 400), without a change of its own."""

from __future__ import annotations

from flask.json.provider import DefaultJSONProvider

from ..core import jsonbody


class DepthLimitedJSONProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        return jsonbody.loads(s, **kwargs)
