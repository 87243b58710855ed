"""The portal's imports run one way (app → routers → deps → services → state → core), read
from the source with `ast`, so a new import against the direction fails here, not at runtime.

Every import counts, also those inside functions and under TYPE_CHECKING: a cycle hidden in a
function body is still a cycle for the reader."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parents[2] / "portal"

# Lowest first. A module may import modules of its own layer or of a lower one.
LAYERS: list[tuple[str, set[str]]] = [
    (
        "core",
        {
            "portal.settings",
            "portal.clock",
            "portal.models",
            "portal.db",
            "portal.files",
            "portal.security",
            "portal.i18n",
            "portal.registry",
            "portal.mail",
            "portal.card_codes",
            "portal.card_pdf",
            "portal.limits",
            "portal.middleware",
            "portal.access_log",
            "portal.web_sessions",
            "portal.allocator",
            "portal.demo",
            "portal.feedback",
            "portal.rule_labels",
            "portal.workbench",
            "portal.oidc",
            "portal.migrations.env",
        },
    ),
    ("state", {"portal.state"}),
    (
        "services",
        {
            "portal.lifecycle",
            "portal.contexts",
            "portal.intake",
            "portal.sharing",
            "portal.staff",
            "portal.accounts",
            "portal.verification",
            "portal.queue_store",
            "portal.annotation",
            "portal.background",
            "portal.api_clients",
            "portal.api_events",
            "portal.oauth",
            "portal.webhooks",
            "portal.delegation",
            "portal.reviewers",
        },
    ),
    ("deps", {"portal.deps", "portal.api.deps", "portal.api.problems", "portal.api.views"}),
    ("routers", set()),  # every portal.routers.* and portal.api.routers.* module
    ("app", {"portal.app", "portal.api.app"}),
    ("entry points", {"portal.cli"}),
]


def _module_name(path: Path) -> str:
    relative = path.relative_to(PORTAL.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _portal_modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(PORTAL.rglob("*.py"))
        if "versions" not in path.parts  # Alembic revisions import only alembic/sqlalchemy
    }


def _imports(path: Path, module: str) -> set[str]:
    """Every portal module `module` imports (absolute names; `from portal import x` → portal.x)."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    modules = set(_portal_modules())
    return {name for name in found if name in modules and name != module}


ROUTER_PACKAGES = ("portal.routers", "portal.api.routers")


def _layer(module: str) -> int:
    if module.startswith(ROUTER_PACKAGES):
        return next(i for i, (name, _) in enumerate(LAYERS) if name == "routers")
    for index, (_, members) in enumerate(LAYERS):
        if module in members:
            return index
    raise AssertionError(f"{module} is in no layer: add it to LAYERS in {__file__}")


def test_every_portal_module_has_a_layer() -> None:
    for module in _portal_modules():
        if module in ("portal", "portal.api"):
            continue
        _layer(module)


@pytest.mark.parametrize(
    "module", sorted(m for m in _portal_modules() if m not in ("portal", "portal.api"))
)
def test_imports_point_down(module: str) -> None:
    path = _portal_modules()[module]
    upward = {
        imported: LAYERS[_layer(imported)][0]
        for imported in _imports(path, module)
        if imported not in ("portal", "portal.api", *ROUTER_PACKAGES)
        and _layer(imported) > _layer(module)
    }
    assert not upward, f"{module} ({LAYERS[_layer(module)][0]}) imports upward: {upward}"


def test_nothing_in_the_portal_imports_the_app_but_the_cli() -> None:
    importers = {
        module
        for module, path in _portal_modules().items()
        if "portal.app" in _imports(path, module)
    }
    assert importers <= {"portal.cli"}
    # The API's app is mounted by the portal's app and imported by nothing else.
    api_importers = {
        module
        for module, path in _portal_modules().items()
        if "portal.api.app" in _imports(path, module)
    }
    assert api_importers <= {"portal.app"}


def test_routers_import_no_other_router() -> None:
    for module, path in _portal_modules().items():
        if module.startswith(tuple(f"{p}." for p in ROUTER_PACKAGES)):
            others = {m for m in _imports(path, module) if m.startswith(ROUTER_PACKAGES)}
            assert not others, f"{module} imports {others}"


def test_the_verifier_never_imports_the_portal() -> None:
    verifier = PORTAL.parent / "verifier"
    for path in verifier.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            assert not any(n == "portal" or n.startswith("portal.") for n in names), path


# The verifier modules the portal may import besides the public API (`verifier`,
# `verifier.queue`): the Norwegian identity and organisation numbers (`verifier.norway`), which
# the portal validates on its own forms.
_VERIFIER_NUMBER_MODULES = ("verifier.norway.national_id", "verifier.norway.org_number")


def test_the_portal_imports_the_verifier_through_its_public_api() -> None:
    for module, path in _portal_modules().items():
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            internal = [
                n
                for n in names
                if n.startswith("verifier.")
                and n != "verifier.queue"
                and not n.startswith(("verifier.norway", *_VERIFIER_NUMBER_MODULES))
            ]
            assert not internal, f"{module} imports {internal}: use verifier or verifier.queue"


def test_the_check_sees_an_upward_import_inside_a_function(tmp_path: Path) -> None:
    """The parser itself: imports in function bodies, relative ones too, are found."""
    fake = tmp_path / "intake.py"
    fake.write_text("def f():\n    from portal.routers import share\n    from . import deps\n")
    imported = _imports(fake, "portal.intake")
    assert {"portal.routers.share", "portal.deps"} <= imported
    assert _layer("portal.routers.share") > _layer("portal.intake")
