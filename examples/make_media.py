"""Writes the README's example media into examples/: a 256x256 JPEG and PNG and a 1 s MP4 (a few
KB each), made with deepfake_mock.testing.media. Rerun after changing them:

    .venv/bin/python examples/make_media.py
"""

from pathlib import Path

from deepfake_mock.testing import media

HERE = Path(__file__).resolve().parent

FILES = {
    "frame.jpg": lambda: media.image("jpeg", 256, 256),
    "frame.png": lambda: media.image("png", 256, 256, variant=1),
    "clip.mp4": lambda: media.video(seconds=1, width=128, height=96, fps=5),
}

if __name__ == "__main__":
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())
        print(f"examples/{name}: {(HERE / name).stat().st_size} bytes")
