"""hmsverify's verifier: portrait rules, identity documents and the queue that runs them.

The public API, for the portal and other callers; everything else is internal and may move:

- decode an upload: `decode_image` → `DecodedImage`, or `DecodeError` with a user-facing reason;
- check a portrait: `check_photo` → `PhotoVerdict` (`annotated_jpeg` draws what the rules saw);
- check an identity document: `check_id_document` (an image), `check_mrz_lines` (MRZ text read
  elsewhere), with the holder's record as an `Employee` → `IdVerdict`;
- the verdicts' parts: `Status`, `RuleResult`, and `stored_results` for a stored verdict's rows;
- the policy: `default_policy`, `load_policy` → `Policy` (`PolicyError` when a file is invalid);
- the queue: `open_queue` → `QueueHandle`, `QueueSettings`, `UploadKind`; the whole queue
  contract (stores, records, hooks) is in `verifier.queue`;
- the model files: `model_path` (the sha256-verified path of a known model, or
  `ModelFileError`), for a caller that serves one (the portal's in-browser face landmarker).

Names are imported on first use: the checks load OpenCV, onnxruntime and their rules' code, which
a caller that only reads the policy or a verdict must not wait for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verifier.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from verifier.decode import DecodedImage, DecodeError, decode_image
    from verifier.id_docs.check import check_id_document, check_mrz_lines
    from verifier.id_docs.match.holder import Employee
    from verifier.id_docs.verdict import IdVerdict
    from verifier.model_files import ModelFileError, model_path
    from verifier.photo.annotate import annotated_jpeg
    from verifier.photo.check import check_photo
    from verifier.photo.verdict import PhotoVerdict
    from verifier.policy import Policy, PolicyError, default_policy, load_policy
    from verifier.queue.embedded import QueueHandle, open_queue
    from verifier.queue.settings import QueueSettings
    from verifier.queue.storage import UploadKind
    from verifier.verdict import RuleResult, Status, stored_results

# Each public name and the module that defines it.
_HOMES: dict[str, str] = {
    "DecodeError": "verifier.decode",
    "DecodedImage": "verifier.decode",
    "decode_image": "verifier.decode",
    "check_id_document": "verifier.id_docs.check",
    "check_mrz_lines": "verifier.id_docs.check",
    "Employee": "verifier.id_docs.match.holder",
    "IdVerdict": "verifier.id_docs.verdict",
    "ModelFileError": "verifier.model_files",
    "model_path": "verifier.model_files",
    "annotated_jpeg": "verifier.photo.annotate",
    "check_photo": "verifier.photo.check",
    "PhotoVerdict": "verifier.photo.verdict",
    "Policy": "verifier.policy",
    "PolicyError": "verifier.policy",
    "default_policy": "verifier.policy",
    "load_policy": "verifier.policy",
    "QueueHandle": "verifier.queue.embedded",
    "open_queue": "verifier.queue.embedded",
    "QueueSettings": "verifier.queue.settings",
    "UploadKind": "verifier.queue.storage",
    "RuleResult": "verifier.verdict",
    "Status": "verifier.verdict",
    "stored_results": "verifier.verdict",
}

__all__ = [
    "DecodeError",
    "DecodedImage",
    "Employee",
    "IdVerdict",
    "ModelFileError",
    "PhotoVerdict",
    "Policy",
    "PolicyError",
    "QueueHandle",
    "QueueSettings",
    "RuleResult",
    "Status",
    "UploadKind",
    "annotated_jpeg",
    "check_id_document",
    "check_mrz_lines",
    "check_photo",
    "decode_image",
    "default_policy",
    "load_policy",
    "model_path",
    "open_queue",
    "stored_results",
]


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, __all__, globals())
