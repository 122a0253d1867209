"""Media probing from the real bytes: what a file is, never what its name says.

What to ask. ``info = probe(source, limits)`` answers every vendor's question from one probe;
a vendor's media rules are conditions over ``info``, never a second opening of the file:

    question                                      answer
    audio, video, still image, or not media?      info.kind  "audio" | "video" | "image" | None
    why not media (text for a vendor's message)   info.error
    refused by a limit? which one?                info.refused_by  "max_image_pixels" |
                                                                   "sample_rate" | "max_seconds"
    container / image format                      info.container  FFmpeg demuxer ("wav",
                                                  "mov,mp4,m4a,3gp,3g2,mj2", ...) or "jpeg", "png"
    codec                                         info.codec (main stream), info.audio_codec
    duration (seconds really present)             info.duration
    channels, sample rate                         info.channels, info.sample_rate
    pixel size, read before decoding              info.width, info.height (over
                                                  limits.max_image_pixels: refused undecoded)
    do the first (video) frames decode?           info.decoded
    audio track, video track                      info.has_audio, info.has_video
    frame rate                                    info.frame_rate
    MP4 brands (a leading ftyp box)               info.major_brand, info.compatible_brands,
                                                  info.brands (both, major first)
    an image field (Pillow only, never FFmpeg)    probe_image(source, limits) -> the same answer
    PCM samples for analysis                      with PcmReader(source, limits) as pcm:
                                                      for block in pcm.blocks(): ...
                                                  (mono float32 at pcm.sample_rate; pcm.error,
                                                  pcm.duration once read)

A source is a path, bytes, or a seekable binary file (read from its start). A probe never
raises for what a file holds: anything it cannot use is ``kind=None`` with ``error`` set.

PyAV (FFmpeg's libraries, shipped inside its wheels) reads audio and video containers, so every
format a standard FFmpeg build reads is recognised; Pillow reads still images. Both are imported
by the functions that use them, so an idle worker does not carry them. Durations come from the
demuxed packets, so a truncated file reports what it really holds, and the first frames are
decoded so that a file with a valid header but broken data is not taken for media.

Hostile files are refused from their headers before anything is decoded (MediaLimits): images
over a pixel cap (a 657 KB PNG can declare 169 megapixels), sample rates no recording has (a
1 Hz WAV declares 22 hours in 160 KB) and durations over a cap. FFmpeg's own probing decodes
no frame over the pixel cap, and demuxing stops once past the duration cap.

Inside: ``info`` (the answer, the limits), ``sources`` (paths, bytes, files; what the first
bytes say), ``images`` (Pillow), ``containers`` (FFmpeg), ``pcm`` (samples for analysis).
"""

from __future__ import annotations

from dataclasses import replace

from .containers import probe_container
from .images import probe_image, read_image
from .info import MediaInfo, MediaLimits, Refusal
from .pcm import PcmReader
from .sources import Source, head, mp4_brands

__all__ = ["MediaInfo", "MediaLimits", "PcmReader", "Refusal", "Source",
           "mp4_brands", "probe", "probe_image"]


def probe(source: Source, limits: MediaLimits = MediaLimits(), *,
          decode_images: bool = True) -> MediaInfo:
    """What ``source`` holds. ``decode_images=False`` (for vendors that refuse images anyway)
    reads an image's header only."""
    first = head(source)
    info = read_image(source, limits, decode_images, first)
    if info is None:
        info = probe_container(source, limits)
    brands = mp4_brands(first)
    if brands:
        info = replace(info, major_brand=brands[0], compatible_brands=brands[1:])
    return info
