"""The contract suite: every vendor's spec and documented flows, against the emulator or any URL."""
