"""The yardstick: a plain one-route Flask app, served by gunicorn exactly like the emulator."""

from flask import Flask

app = Flask(__name__)


@app.get("/ping")
def ping():
    return {"task": {"task_id": "123e4567-e89b-12d3-a456-426614174000", "state": "done"}}
