"""GLAIR Vision face deepfake detection (api.vision.glair.ai/face/v1/deepfake)."""
