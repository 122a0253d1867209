"""The yardstick: plain Flask under the emulator's gunicorn settings, answering on each hot path
the document the emulator answers there, serialised anew on every request.

The documents come from the JSON file named by ``BENCH_ANSWERS``: ``{name: {"status", "body"}}``,
served at ``/<name>`` (any method; a request body is read, as the emulator reads it). No store,
journal or rules: what Flask and JSON cost for the same answer.
"""

import json
import os

from flask import Flask, request

app = Flask(__name__)
ANSWERS = json.loads(open(os.environ["BENCH_ANSWERS"]).read()) if "BENCH_ANSWERS" in os.environ else {}


@app.route("/ping")
def ping():
    return {"ok": True}


@app.route("/<name>", methods=["GET", "POST"])
def answer(name):
    request.get_data()
    answer = ANSWERS[name]
    return app.json.response(answer["body"]), answer["status"]
