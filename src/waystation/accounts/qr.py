"""The QR code for setting up an authenticator app, drawn on the server.

No JavaScript and nothing from elsewhere: the SVG goes into an ``<img>`` as a data:
URL, which the CSP allows (``img-src 'self' data:``). An SVG loaded as an image runs
no script and is not styled by the page, so it needs no exception to the CSP either.
"""

from __future__ import annotations

from base64 import b32encode, b64encode
from typing import Any

import qrcode
from qrcode.image.svg import SvgPathFillImage


def totp_qr_data_url(device: Any) -> str:
    image = qrcode.make(
        device.config_url,
        image_factory=SvgPathFillImage,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
    )
    svg = image.to_string(encoding="utf-8")
    return "data:image/svg+xml;base64," + b64encode(svg).decode("ascii")


def totp_secret_for_typing(device: Any) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
