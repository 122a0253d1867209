"""Plain-Python machinery shared by every vendor. Nothing here imports Flask."""
