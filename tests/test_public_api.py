"""The verifier's public API (`verifier`, `verifier.queue`): every listed name resolves to the
object its defining module holds, and importing the API loads none of the heavy libraries."""

from __future__ import annotations

import importlib
import subprocess
import sys
from types import ModuleType

import pytest

import verifier
import verifier.queue

PACKAGES = [verifier, verifier.queue]


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_every_public_name_is_the_object_of_its_home_module(package: ModuleType) -> None:
    homes: dict[str, str] = vars(package)["_HOMES"]
    assert sorted(homes) == sorted(package.__all__)
    for name in package.__all__:
        assert getattr(package, name) is getattr(importlib.import_module(homes[name]), name)
    assert set(package.__all__) <= set(dir(package))


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: p.__name__)
def test_an_unknown_name_is_an_attribute_error(package: ModuleType) -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = package.no_such_name
    with pytest.raises(ImportError):
        exec(f"from {package.__name__} import no_such_name", {})


def test_importing_the_api_loads_no_heavy_library() -> None:
    """Reading the policy or a stored verdict must not wait for OpenCV, onnxruntime or dramatiq."""
    code = (
        "import sys, verifier, verifier.queue\n"
        "from verifier import Status, default_policy, stored_results\n"
        "from verifier.queue import UploadKind, UploadRef\n"
        "print(' '.join(m for m in ('cv2', 'onnxruntime', 'mediapipe', 'dramatiq', 'numpy')"
        " if m in sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    assert loaded == []
