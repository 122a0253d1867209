"""The methods a path really has. werkzeug answers OPTIONS and 405 with the methods of every route
the path matches, so ``/detect/batch`` (POST) would also advertise ``GET`` of ``/detect/<uuid>``;
here Allow lists exactly the methods of the route that serves the path (the spec's methods, plus
the HEAD and OPTIONS Flask adds)."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map


def allowed_methods(url_map: Map, environ) -> list[str]:
    """The methods of the route serving this request's path (all of its rules), or [] if none."""
    try:
        rule, _ = url_map.bind_to_environ(environ).match(method="OPTIONS", return_rule=True)
    except HTTPException:
        return []
    return sorted({method for other in url_map.iter_rules() if other.rule == rule.rule
                   for method in other.methods})


class ExactAllowFlask(Flask):
    """Flask whose automatic OPTIONS answer lists only the methods of the matched route."""

    def make_default_options_response(self):
        response = self.response_class()
        response.allow.update(allowed_methods(self.url_map, request.environ))
        return response
