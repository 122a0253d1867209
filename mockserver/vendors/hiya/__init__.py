"""Hiya Audio Intelligence (formerly Loccus.ai): spaces, audios and verifications."""
