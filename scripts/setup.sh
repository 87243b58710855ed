#!/usr/bin/env bash
# Idempotent set-up on a fresh Debian machine: apt packages the project needs, then the
# virtual environment at .venv with the project installed in editable mode.
# Usage: scripts/setup.sh [run|test]   ("test" also installs what the tests need)
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-run}"

apt_packages=()
if [ "$purpose" = "test" ]; then
    # tesseract-ocr: PassportEye, the MRZ baseline of bench/eval_mrz.py; fonts-ocr-b: the
    # synthetic documents of the tests, benches and the recogniser's training. Neither is on
    # the verdict path.
    apt_packages+=(chromium redis-server postgresql rabbitmq-server tesseract-ocr fonts-ocr-b)
fi
missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "setup: installing apt packages: ${missing[*]}"
    sudo_cmd=""
    [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python_bin="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv"
    "$python_bin" -m venv .venv
fi
stamp=.venv/.hmsverify-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    echo "setup: installing Python packages into .venv"
    .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -m pip install -q -e '.[dev]' 2>&1 | grep -v '^WARNING: Location' || true
    .venv/bin/python -c "import verifier, cv2, mediapipe, onnxruntime, ai_edge_litert.interpreter"
    touch "$stamp"
fi

# The share page's camera guidance runs MediaPipe's face landmarker in the browser; the portal
# serves its runtime itself (never a CDN) from node_modules, pinned with its integrity hash in
# package-lock.json. Without npm the camera is simply not offered (the file picker stays).
if command -v npm >/dev/null 2>&1; then
    if [ ! -f node_modules/@mediapipe/tasks-vision/vision_bundle.mjs ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        echo "setup: installing the browser assets (npm ci)"
        npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
    fi
else
    echo "setup: npm not found: the share page offers no in-page camera"
fi
