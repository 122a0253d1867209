"""Hiya's domain over the store, one module per resource: accounts (users, organisations,
tokens, credits), spaces, audios, voiceprints (and their identities), verifications and their
usage records. Plain functions: views hand in the runtime, the config, the signed-in user and
parsed values, and get back stored documents that the schemas dump. Every failure is a
VendorError of the vendor's catalogue (``errors.py``).

Users, organisations and API keys are settings (read, never stored); spaces, tokens and every
resource created through the API live in the store, so every worker shares them.
"""

from .spaces import bootstrap

__all__ = ["bootstrap"]
