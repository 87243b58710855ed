"""The in-page camera's runtime, served by the portal itself (never a CDN): MediaPipe's
`@mediapipe/tasks-vision` from the npm package that `scripts/setup.sh` installs into
node_modules (pinned in package-lock.json), and the project's own `models/face_landmarker.task`
(sha256-verified like every model file). Only the listed files are served."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

from portal.state import TASKS_VISION_DIR
from verifier import ModelFileError, model_path

router = APIRouter()

# The ES module and the WASM runtime it loads (with and without SIMD; the browser picks).
RUNTIME_FILES = {
    "vision_bundle.mjs": "text/javascript",
    "wasm/vision_wasm_internal.js": "text/javascript",
    "wasm/vision_wasm_internal.wasm": "application/wasm",
    "wasm/vision_wasm_nosimd_internal.js": "text/javascript",
    "wasm/vision_wasm_nosimd_internal.wasm": "application/wasm",
}
CACHE = {"Cache-Control": "public, max-age=86400"}


@router.get("/vendor/tasks-vision/{name:path}")
def tasks_vision(name: str) -> Response:
    media_type = RUNTIME_FILES.get(name)
    path = TASKS_VISION_DIR / name
    if media_type is None or not path.is_file():
        raise HTTPException(status_code=404)
    return FileResponse(path, media_type=media_type, headers=CACHE)


@router.get("/vendor/models/face_landmarker.task")
def face_landmarker() -> Response:
    try:
        path = model_path("face_landmarker.task")
    except ModelFileError:
        raise HTTPException(status_code=404) from None
    return FileResponse(path, media_type="application/octet-stream", headers=CACHE)
