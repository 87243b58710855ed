"""Delegation and the ID-porten login in a real Chromium against the real server: the general
manager logs in at the OpenID Connect provider (oidc-provider-mock, PKCE enforced), opens
Company → Delegate to others, delegates the group to Dina, who logs in the same way and
switches between the main unit and a sub-unit in the header; the manager revokes it and Dina's
next page has no company. Screenshots: tests/artifacts/auth/."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from portal.settings import OidcSettings
from portal.state import Portal, build_portal
from tests.auth.provider import Provider, running_provider
from tests.auth.support import BERGEN, MAIN, NAMES, OSLO, Group, seed_group
from tests.browser import chromium as launched_chromium
from tests.browser import free_port, screenshot, served
from tests.portal.support import make_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def server(
    tmp_path: Path, sqlite_template: Path, provider: Provider
) -> Iterator[tuple[str, Portal, Group]]:
    port = free_port()
    db = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, db)
    settings = make_settings(
        f"sqlite:///{db}",
        tmp_path / "data",
        base_url=f"http://127.0.0.1:{port}",
        oidc=OidcSettings(issuer=provider.issuer, client_id="hmsverify", client_secret="s3cret"),
    )
    portal = build_portal(settings, migrate=False)
    with portal.sessions() as session:
        group = seed_group(session)
    provider.set_claims("gunnar", {"pid": group.gunnar})
    provider.set_claims("dina", {"pid": group.dina})
    with served(portal, port) as base:
        yield base, portal, group


@pytest.fixture
def chromium() -> Iterator[Any]:
    with launched_chromium() as launched:
        yield launched


def shot(page: Any, name: str) -> None:
    screenshot(page, "auth", name)


def log_in_with_id_porten(page: Any, base: str, sub: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.click("text=Logg inn med ID-porten")
    page.wait_for_url("**/oauth2/authorize?**")
    shot(page, f"provider_{name}")
    page.fill("input[name=sub]", sub)
    page.click("button[type=submit]:has-text('Authorize')")
    page.wait_for_url(f"{base}/employees")


def switcher(page: Any) -> list[str]:
    options = page.locator("select[name=company_id] option")
    return sorted(options.all_inner_texts())


def test_delegate_switch_and_revoke_in_a_browser(server: Any, chromium: Any) -> None:
    base, _portal, group = server
    manager = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in_with_id_porten(manager, base, "gunnar", "gunnar")
    assert "Gunnar Gruppe" in manager.content()
    # Main unit, two sub-units, the subsidiary: all from the registry, no setup.
    assert len(switcher(manager)) == 4
    manager.select_option("select[name=company_id]", label=NAMES[MAIN])
    manager.wait_for_load_state()
    manager.click("text=Deleger til andre")
    manager.wait_for_url(f"{base}/company/delegations")
    shot(manager, "01_delegations_empty")
    manager.fill("input[name=national_id]", group.dina)
    manager.fill("input[name=name]", "Dina Delegat")
    manager.fill("input[name=email]", "dina@gruppe.example")
    until = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    manager.fill("input[name=valid_until]", until)
    manager.check("input[name=covers_sub_units]")
    manager.click("button:has-text('Lagre')")
    manager.wait_for_url("**/company/delegations/*")
    shot(manager, "02_delegation_details")
    text = manager.content()
    assert 'data-status="active"' in text and group.dina not in text
    assert manager.locator("tr.audit").count() == 1

    delegate = chromium.new_context(viewport={"width": 390, "height": 844}).new_page()
    log_in_with_id_porten(delegate, base, "dina", "dina")
    assert switcher(delegate) == sorted(NAMES[o] for o in (MAIN, BERGEN, OSLO))
    delegate.select_option("select[name=company_id]", label=NAMES[BERGEN])
    delegate.wait_for_function(
        "document.querySelector('select[name=company_id] option:checked').textContent"
        f" === {NAMES[BERGEN]!r}"
    )
    shot(delegate, "03_delegate_switched")
    assert "Deleger til andre" not in delegate.content()

    manager.click("button:has-text('Trekk tilbake')")
    manager.wait_for_selector('[data-status="revoked"]')
    assert manager.locator("tr.audit").count() == 2
    shot(manager, "04_revoked")

    delegate.goto(f"{base}/employees")
    assert "Ingen tilgang" in delegate.content()
    shot(delegate, "05_delegate_without_access")
