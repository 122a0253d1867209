"""The admin API (/_admin): every test knob of the emulator, over HTTP."""
