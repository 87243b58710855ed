"""HMSVERIFY_REGISTRY: the registry adapter is a setting, and the one the setting names is the
one the life cycle asks (the seam a real Folkeregister/Aa-register adapter plugs into)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.contexts import lifecycle_context
from portal.lifecycle import OrderNotAllowed, place_order
from portal.models import Employee, Order, User
from portal.registry import (
    DemoRegistry,
    Register,
    RegistryCheck,
    RegistryQuery,
    RegistrySettingError,
    registry_factory,
)
from portal.settings import settings_from_env
from portal.state import Portal, build_portal
from tests.portal.support import World, make_settings, seed_world

ASKED: list[RegistryQuery] = []


class EmploymentEndedRegistry:
    """An adapter answering as a real one would for a person whose employment has ended."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def check(self, query: RegistryQuery) -> list[RegistryCheck]:
        ASKED.append(query)
        return [
            RegistryCheck(Register.NATIONAL, True, "Finnes.", "Exists."),
            RegistryCheck(Register.EMPLOYMENT, False, "Ikke ansatt.", "Not employed."),
        ]


@pytest.fixture
def custom_portal(database_url: str, tmp_path: Path) -> Iterator[Portal]:
    settings = make_settings(
        database_url, tmp_path / "data", registry=f"{__name__}:EmploymentEndedRegistry"
    )
    built = build_portal(settings, migrate=False)
    yield built
    built.engine.dispose()


def test_demo_is_the_default_and_the_environment_chooses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HMSVERIFY_REGISTRY", raising=False)
    assert settings_from_env(tmp_path).registry == "demo"
    assert registry_factory("demo") is DemoRegistry
    monkeypatch.setenv("HMSVERIFY_REGISTRY", f"{__name__}:EmploymentEndedRegistry")
    chosen = settings_from_env(tmp_path).registry
    assert registry_factory(chosen) is EmploymentEndedRegistry


@pytest.mark.parametrize(
    "spec",
    ["", "nonsense", "no_such_module_here:factory", f"{__name__}:NoSuchThing", f"{__name__}:ASKED"],
)
def test_a_wrong_setting_stops_the_portal_with_a_clear_error(spec: str) -> None:
    with pytest.raises(RegistrySettingError, match="HMSVERIFY_REGISTRY"):
        registry_factory(spec)


def test_the_configured_adapter_decides_the_order(custom_portal: Portal) -> None:
    """The adapter's answer refuses the order when it is placed, with the adapter's reason (the
    demo registry knows this person and company; only the configured adapter says no)."""
    world: World = seed_world(custom_portal)
    ASKED.clear()
    with custom_portal.sessions() as session:
        ctx = lifecycle_context(custom_portal, session, "test")
        employee = session.get(Employee, world.employees_a[0])
        assert employee is not None
        orderer = session.scalars(select(User).where(User.email == world.orderer_a)).one()
        with pytest.raises(OrderNotAllowed) as refused:
            place_order(ctx, employee, orderer)
        session.rollback()
        assert refused.value.message_en == "Not employed."
        assert session.scalar(select(func.count()).select_from(Order)) == 0
    assert [q.national_id for q in ASKED] == [world.national_ids_a[0]]
