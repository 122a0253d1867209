"""The methods a path really has. werkzeug answers OPTIONS and 405 with the methods of every route
the path matches, so ``/detect/batch`` (POST) would also advertise ``GET`` of ``/detect/<uuid>``;
here Allow lists exactly the methods of the route that serves the path (the spec's methods, plus
the HEAD and OPTIONS Flask adds). A WebSocket route (Hiya's streaming verification) answers
OPTIONS like any other, though werkzeug routes only upgrade requests to it."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map
from werkzeug.routing.exceptions import WebsocketMismatch


def allowed_methods(url_map: Map, environ) -> list[str]:
    """The methods of the route serving this request's path (all of its rules), or [] if none."""
    adapter = url_map.bind_to_environ(environ)
    try:
        try:
            rule, _ = adapter.match(method="OPTIONS", return_rule=True)
        except WebsocketMismatch:
            rule, _ = adapter.match(method="OPTIONS", return_rule=True,
                                    websocket=not adapter.websocket)
    except HTTPException:
        return []
    return sorted({method for other in url_map.iter_rules() if other.rule == rule.rule
                   for method in other.methods})


class ExactAllowFlask(Flask):
    """Flask whose automatic OPTIONS answer lists only the methods of the matched route, and
    which calls its hooks and views as they are (none is a coroutine: Flask would otherwise
    inspect each one on every request)."""

    def ensure_sync(self, func):
        return func

    def make_default_options_response(self):
        response = self.response_class()
        response.allow.update(allowed_methods(self.url_map, request.environ))
        return response

    def dispatch_request(self):
        if request.method == "OPTIONS" and isinstance(request.routing_exception,
                                                      WebsocketMismatch):
            return self.make_default_options_response()
        return super().dispatch_request()
