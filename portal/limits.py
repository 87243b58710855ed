"""Request-size limits and the one "file too large" message, shared by the app's early refusal
and the upload intake."""

from __future__ import annotations

import re

from portal.settings import PortalSettings
from verifier import default_policy

# Forms without a file (login, add employee, a review's reason of at most 1,000 characters).
FORM_BODY_LIMIT_BYTES = 16_384

# The share link's two upload forms and the API's two multipart uploads (docs/api.md).
_UPLOAD_ROUTE = re.compile(r"^(/s/[^/]+|/api/v1/orders/\d+)/(photo|id-document)$")

# A multipart body carries the file plus its part headers, the CSRF field and the boundary.
MULTIPART_OVERHEAD_BYTES = 65_536


def upload_file_limit(settings: PortalSettings) -> int:
    """The largest upload file accepted: the portal's limit, never above the decoder's."""
    return min(settings.upload_max_bytes, default_policy().decode.max_bytes)


def upload_body_limit(settings: PortalSettings) -> int:
    """The largest request body an upload route reads."""
    return settings.upload_max_bytes + MULTIPART_OVERHEAD_BYTES


def is_upload_route(method: str, path: str) -> bool:
    return method == "POST" and _UPLOAD_ROUTE.match(path) is not None


def body_limit_for(settings: PortalSettings, method: str, path: str) -> int:
    """The most bytes a request to this route may send: an upload's size on the upload
    routes, a few kilobytes everywhere else (before login, CSRF or any parsing)."""
    return upload_body_limit(settings) if is_upload_route(method, path) else FORM_BODY_LIMIT_BYTES


def too_large_message(max_bytes: int) -> tuple[str, str]:
    mb = round(max_bytes / 1_000_000, 1)
    return (f"Filen er for stor (over {mb} MB).", f"The file is too large (over {mb} MB).")


REQUEST_TOO_LARGE = ("Forespørselen er for stor.", "The request is too large.")
