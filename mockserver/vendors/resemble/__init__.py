"""Resemble AI Detect: deepfake detection of audio, image and video (api/v2)."""
