"""The only list of vendors. Adding a vendor is one line here (and its package and spec)."""

from .vendors.finauth import VENDOR as FINAUTH
from .vendors.glair import VENDOR as GLAIR
from .vendors.hiya import VENDOR as HIYA
from .vendors.phonexia import VENDOR as PHONEXIA
from .vendors.resemble import VENDOR as RESEMBLE

VENDORS = (
    PHONEXIA,
    GLAIR,
    HIYA,
    RESEMBLE,
    FINAUTH,
)

BY_SLUG = {vendor.slug: vendor for vendor in VENDORS}


def bootstrap(runtime) -> None:
    """Create every vendor's fixed state (idempotent): at start-up and after each reset."""
    for vendor in VENDORS:
        if vendor.bootstrap is not None:
            vendor.bootstrap(runtime, runtime.settings.vendors[vendor.slug])
