"""The orderer's and the reviewer's pages in a real Chromium (Playwright), without the
verifier: registry checks up front, a lost card replaced at once, blocked cards shown and their
temporary card refused, confirmations after actions, the demo outbox, and every orderer page on a
390x844 phone without sideways scrolling. Screenshots: tests/artifacts/portal/."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, select

from portal.demo import (
    ORDERER_EMAIL,
    REVIEWER_EMAIL,
    national_ids,
    seed_demo,
    spare_national_ids,
)
from portal.lifecycle import Context, approve_order, place_order
from portal.models import Card, Company, Employee, RegistryRecord, User
from portal.registry import DemoRegistry, Register
from portal.state import Portal, build_portal
from tests.browser import chromium, free_port, log_in, no_sideways_scroll, screenshot, served
from tests.portal.support import make_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
) -> Iterator[tuple[str, Portal]]:
    tmp_path = tmp_path_factory.mktemp("orderer")
    port = free_port()
    db = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, db)
    settings = make_settings(
        f"sqlite:///{db}",
        tmp_path / "data",
        base_url=f"http://127.0.0.1:{port}",
        demo_outbox=True,
    )
    portal = build_portal(settings, migrate=False)
    with portal.sessions() as session:
        seed_demo(session, employees=8)
        session.commit()
    with served(portal, port) as base:
        yield base, portal


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def shot(page: Any, name: str) -> None:
    screenshot(page, "portal", name)


def add_employee(page, base: str, number: str, given: str, surname: str, email: str = "") -> None:
    page.goto(f"{base}/employees/new")
    page.fill("input[name=national_id]", number)
    page.fill("input[name=given_names]", given)
    page.fill("input[name=surname]", surname)
    if email:
        page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def issue_card(portal: Portal, company_name: str) -> tuple[int, str]:
    """An approved order with a card, for the company's first employee (the life cycle's own
    approval, as a reviewer's would give): (employee id, card number)."""
    now = dt.datetime.now(dt.UTC)
    with portal.sessions() as session:
        company = session.scalars(select(Company).where(Company.name == company_name)).one()
        employee = session.scalars(
            select(Employee).where(Employee.company_id == company.id).order_by(Employee.id)
        ).first()
        assert employee is not None
        orderer = session.scalars(select(User).where(User.email == ORDERER_EMAIL)).one()
        ctx = Context(session, portal.settings, portal.files, DemoRegistry(session), now, "test")
        order = place_order(ctx, employee, orderer)
        card = approve_order(ctx, order)
        session.commit()
        return employee.id, card.card_number


def test_registry_up_front_lost_card_blocked_card_confirmations_outbox_and_phone_widths(
    server: tuple[str, Portal], browser
) -> None:
    base, portal = server
    desk = browser.new_context(viewport={"width": 1280, "height": 900})
    page = desk.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, base, ORDERER_EMAIL)
    company_name = page.locator("select[name=company_id] option[selected]").inner_text().strip()

    # 1. A number no register knows is refused when the employee is added, with what to do.
    add_employee(page, base, national_ids(1, seed=4242)[0], "Ukjent", "Person")
    assert "Folkeregisteret" in page.locator(".error").inner_text()
    assert "D-nummer" in page.locator(".error").inner_text()
    shot(page, "20_add_employee_not_in_national_register")

    # 2. In Folkeregisteret but not reported in the Aa-register: added with a warning, and the
    # order is refused at once (not after the uploads and the review).
    missing_employment = spare_national_ids()[1]
    with portal.sessions() as session:
        session.execute(
            delete(RegistryRecord).where(
                RegistryRecord.register == str(Register.EMPLOYMENT),
                RegistryRecord.key.like(f"%:{missing_employment}"),
            )
        )
        session.commit()
    add_employee(page, base, missing_employment, "Mira", "Uten-Arbeidsforhold")
    assert page.locator("#flash.flash-warn").is_visible()
    assert page.locator("li.registry-missing[data-register=aa_register]").count() == 1
    assert "a-meldingen" in page.locator("#registry").inner_text()
    page.click("text=Bestill HMS-kort")
    page.wait_for_load_state()
    assert "Aa-registeret" in page.locator("p.error[role=alert]").inner_text()
    assert re.search(r"/employees/\d+$", page.url)
    shot(page, "21_order_refused_missing_in_aa_register")

    # 3. Confirmation after adding an employee and e-mailing the share link.
    add_employee(
        page, base, spare_national_ids()[2], "Eva", "Epostsen", email="eva.epostsen@example.no"
    )
    assert "Eva Epostsen er lagt til" in page.locator("#flash").inner_text()
    page.click("text=Bestill HMS-kort")
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    assert "HMS-kort bestilt" in page.locator("#flash").inner_text()
    page.click("text=Lag ny delingslenke")
    page.wait_for_load_state()
    assert "sendt på e-post til eva.epostsen@example.no" in page.locator("#flash").inner_text()
    link = page.locator("#share-link").input_value()
    shot(page, "22_share_link_emailed_confirmation")

    # 4. A lost card: blocked, then replaced at once (its order is still only approved).
    employee_id, card_number = issue_card(portal, company_name)
    page.goto(f"{base}/employees/{employee_id}")
    page.click("button:has-text('Sperr (tapt/stjålet)')")
    page.wait_for_load_state()
    assert "Du kan bestille et nytt kort nå" in page.locator("#flash").inner_text()
    row = page.locator(f"tr:has-text('{card_number}')")
    assert row.get_attribute("data-card-status") == "blocked"
    assert "gjelder ikke" in row.inner_text() and " til " not in row.inner_text()
    shot(page, "23_lost_card_blocked")
    page.click("text=Bestill HMS-kort")
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    assert page.locator("#order-status").inner_text().strip() == "Venter"
    shot(page, "24_replacement_ordered")

    # 5. The blocked card says so everywhere, and its temporary card is refused.
    with portal.sessions() as session:
        old_order = session.scalars(select(Card.order_id).where(Card.card_number == card_number))
        old_order_id = old_order.one()
    page.goto(f"{base}/orders/{old_order_id}")
    assert page.locator("#card-state").get_attribute("data-card-status") == "blocked"
    assert "gyldig til" not in page.locator("#card-state").inner_text().lower()
    assert page.locator("a:has-text('Midlertidig kort')").count() == 0
    pdf = page.request.get(f"{base}/orders/{old_order_id}/temporary-card.pdf")
    assert pdf.status == 410 and "sperret" in pdf.text()
    shot(page, "25_blocked_card_order_page")
    page.goto(f"{base}/status?card={card_number}")
    status = page.locator("#status-result")
    assert status.get_attribute("data-status") == "blocked"
    assert "Gyldig til" not in status.inner_text() and "gjelder ikke" in status.inner_text()
    shot(page, "26_status_blocked")

    # 6. The demo outbox: the reviewer reads the e-mails the portal wrote.
    reviewer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(reviewer, base, REVIEWER_EMAIL)
    reviewer.click("text=Utboks (demo)")
    reviewer.wait_for_url(f"{base}/outbox")
    to_eva = reviewer.locator("article.mail:has-text('eva.epostsen@example.no')")
    assert to_eva.count() == 1 and link in to_eva.inner_text()
    receipt = reviewer.locator(f"article.mail:has-text('{card_number}')").first
    attachment = receipt.locator("a:has-text('.pdf')").get_attribute("href")
    assert attachment is not None
    assert reviewer.request.get(base + attachment).body()[:4] == b"%PDF"
    shot(reviewer, "27_demo_outbox")

    # 7. Every orderer page on a phone: no sideways scrolling.
    phone = browser.new_context(viewport=PHONE, is_mobile=True).new_page()
    log_in(phone, base, ORDERER_EMAIL)
    pages = {
        "employees": "/employees",
        "employee": f"/employees/{employee_id}",
        "employee_new": "/employees/new",
        "orders": "/orders",
        "order": f"/orders/{old_order_id}",
        "status": f"/status?card={card_number}",
    }
    too_wide = []
    for name, path in pages.items():
        phone.goto(base + path)
        shot(phone, f"30_phone_{name}")
        if not no_sideways_scroll(phone):
            too_wide.append(name)
    assert too_wide == [], too_wide
