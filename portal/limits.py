"""Request-size limits and the one "file too large" message, shared by the app's early refusal
and the upload intake."""

from __future__ import annotations

from portal.settings import PortalSettings
from verifier import default_policy

# A multipart body carries the file plus its part headers, the CSRF field and the boundary.
MULTIPART_OVERHEAD_BYTES = 65_536


def upload_file_limit(settings: PortalSettings) -> int:
    """The largest upload file accepted: the portal's limit, never above the decoder's."""
    return min(settings.upload_max_bytes, default_policy().decode.max_bytes)


def upload_body_limit(settings: PortalSettings) -> int:
    """The largest request body an upload route reads."""
    return settings.upload_max_bytes + MULTIPART_OVERHEAD_BYTES


def declared_too_large(content_length: str | None, limit: int) -> bool:
    """True when the request announces more than `limit` bytes (refused before reading)."""
    return bool(content_length and content_length.isdigit() and int(content_length) > limit)


def too_large_message(max_bytes: int) -> tuple[str, str]:
    mb = round(max_bytes / 1_000_000, 1)
    return (f"Filen er for stor (over {mb} MB).", f"The file is too large (over {mb} MB).")
