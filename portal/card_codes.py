"""The temporary card's QR code: the public status URL plus a code that only the portal can
make (an HMAC of the card number under the portal's secret key).

The card number alone is printed on the card and shown by the public status lookup, so it must
not unlock the holder's name. The API's by-QR lookup (level 1, "some more personal data")
answers only for content with a valid code, i.e. for someone who has seen the card itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qs, urlsplit

CARD_NUMBER = re.compile(r"^\d{10}$")
# 80 bits: short enough for a small QR code, far beyond guessing through a rate-limited API.
_CODE_BYTES = 10


def card_code(secret_key: str, card_number: str) -> str:
    digest = hmac.new(
        secret_key.encode(), f"hms-card-qr:{card_number}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest[:_CODE_BYTES]).decode().rstrip("=").lower()


def status_url(base_url: str, card_number: str) -> str:
    """The public status lookup of a card (status, validity and company only)."""
    return f"{base_url.rstrip('/')}/status?card={card_number}"


def qr_content(base_url: str, card_number: str, secret_key: str) -> str:
    """What the temporary card's QR code holds: the status URL with the card's code."""
    return f"{status_url(base_url, card_number)}&code={card_code(secret_key, card_number)}"


def card_number_in_qr(content: str, secret_key: str) -> str | None:
    """The card number of a QR code the portal made, or None when the content is not one of
    ours or its code does not match the number (a QR built from a known card number)."""
    parts = urlsplit(content.strip())
    if parts.path.rstrip("/").rsplit("/", 1)[-1] != "status":
        return None
    query = parse_qs(parts.query)
    numbers, codes = query.get("card", []), query.get("code", [])
    if len(numbers) != 1 or len(codes) != 1 or not CARD_NUMBER.match(numbers[0]):
        return None
    expected = card_code(secret_key, numbers[0])
    return numbers[0] if hmac.compare_digest(codes[0], expected) else None
