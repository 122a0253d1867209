"""FinAuth StarScope ``anti_deepfake``: deepfake detection behind ``hmac_sha1`` signed form-data.

The signing helper for clients is ``mockserver.vendors.finauth.signing``.
"""
