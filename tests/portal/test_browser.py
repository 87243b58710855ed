"""The whole flow in a real Chromium (Debian package) driven by Playwright, against the real
server, database, embedded queue and verifier. Screenshots of every page go to tests/artifacts/.

Orderer adds an employee and orders a card; the employee opens the share link, uploads a failing
portrait and sees the specific messages, uploads a good one and sees it accepted, uploads an ID
document that goes to manual review; the reviewer approves it; the order becomes approved and the
status lookup shows the card as valid.
"""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from skimage import data as skdata

from portal.demo import ORDERER_EMAIL, REVIEWER_EMAIL, seed_demo, spare_national_ids
from portal.state import Portal, build_portal
from tests.browser import ARTIFACTS as BROWSER_ARTIFACTS
from tests.browser import chromium, free_port, log_in, no_sideways_scroll, screenshot, served
from tests.portal.support import IMAGES, jpeg, make_settings

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = BROWSER_ARTIFACTS / "portal"


@pytest.fixture
def server(tmp_path: Path, sqlite_template: Path) -> Iterator[tuple[str, Portal]]:
    port = free_port()
    db = tmp_path / "portal.sqlite3"
    shutil.copy(sqlite_template, db)
    settings = make_settings(
        f"sqlite:///{db}", tmp_path / "data", base_url=f"http://127.0.0.1:{port}"
    )
    portal = build_portal(settings, migrate=False)
    with portal.sessions() as session:
        seed_demo(session)
        session.commit()
    with served(portal, port) as base:
        yield base, portal


@pytest.fixture
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


def shot(page: Any, name: str) -> None:
    screenshot(page, "portal", name)


def wait_verdict(page, box: str, timeout_ms: int = 90_000):
    locator = page.locator(f"{box} .result[data-state]:not([data-state=queued])")
    locator.wait_for(timeout=timeout_ms)
    return locator


def test_order_upload_review_approve_and_status_lookup(server, browser, tmp_path: Path) -> None:
    base, portal = server
    orderer = browser.new_context(viewport={"width": 1280, "height": 900})
    page = orderer.new_page()
    page.goto(f"{base}/login")
    shot(page, "01_login")
    log_in(page, base, ORDERER_EMAIL)
    page.wait_for_url(f"{base}/employees")
    shot(page, "02_employees")

    # Add an employee by national id (validated) and name.
    number = spare_national_ids()[0]
    page.click("text=Legg til ansatt")
    page.fill("input[name=national_id]", "01010112345")
    page.fill("input[name=given_names]", "Sara")
    page.fill("input[name=surname]", "Prøvesen")
    page.click("button[type=submit]")
    assert page.locator(".error").is_visible()
    shot(page, "03_add_employee_invalid_number")
    page.fill("input[name=national_id]", number)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/employees/\d+$"))
    assert number not in page.url and number not in page.content()
    assert f"{number[:6]} *****" in page.content()
    shot(page, "04_employee")

    page.click("text=Bestill HMS-kort")
    page.wait_for_url(re.compile(r".*/orders/\d+$"))
    order_url = page.url
    page.click("text=Lag ny delingslenke")
    link = page.locator("#share-link").input_value()
    assert re.fullmatch(rf"{re.escape(base)}/s/[A-Za-z0-9_\-]{{43}}", link)
    shot(page, "05_order_with_share_link")

    # The employee, on a phone-sized screen, with only the link.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    employee = phone.new_page()
    employee.goto(link)
    assert "Sara Prøvesen" in employee.content() and number[:6] not in employee.content()
    shot(employee, "06_share_link_page")

    failing = IMAGES / "small_face.jpg"
    failing_bytes = failing.read_bytes() if failing.exists() else jpeg(skdata.astronaut())
    path = tmp_path / "failing.jpg"
    path.write_bytes(failing_bytes)
    started = time.monotonic()
    employee.set_input_files("input[name=photo]", str(path))
    employee.click("text=Last opp portrett")
    result = wait_verdict(employee, "#photo-result")
    feedback_s = time.monotonic() - started
    assert result.get_attribute("data-state") == "fail"
    messages = employee.locator("#photo-result ul.problems li")
    assert messages.count() >= 1
    assert employee.locator("#photo-result img").count() >= 1  # the photo with the problem drawn
    assert feedback_s < 30, feedback_s
    # One next step: retake, with why; nothing about a reviewer.
    assert "Ta et nytt portrett" in employee.locator("#photo-result .next-step").inner_text()
    assert "saksbehandler" not in employee.locator("#photo-result").inner_text()
    assert no_sideways_scroll(employee)
    shot(employee, "07_failing_portrait_feedback")

    good = IMAGES / "compliant_portrait.jpg"
    borderline = IMAGES / "borderline_small.jpg"
    if not good.exists() or not borderline.exists():
        pytest.fail(
            "tests/images/compliant_portrait.jpg or borderline_small.jpg missing: `make images`"
        )
    employee.set_input_files("input[name=photo]", str(good))
    employee.click("text=Last opp portrett")
    result = wait_verdict(employee, "#photo-result")
    shot(employee, "08_compliant_portrait_accepted")
    assert result.get_attribute("data-state") == "pass", employee.locator(
        "#photo-result"
    ).inner_text()
    assert employee.locator("#photo-result img.crop").is_visible()  # the card crop preview

    # A borderline portrait (face a little small) goes to manual review.
    employee.set_input_files("input[name=photo]", str(borderline))
    employee.click("text=Last opp portrett")
    result = wait_verdict(employee, "#photo-result")
    assert result.get_attribute("data-state") == "review", employee.locator(
        "#photo-result"
    ).inner_text()
    # Wait, and only wait: no retake instruction beside "sent to manual review".
    assert employee.locator("#photo-result ul.problems").count() == 0
    assert "trenger ikke gjøre noe" in employee.locator("#photo-result .next-step").inner_text()
    shot(employee, "08b_borderline_portrait_to_review")

    # An ID document without a machine-readable zone: a reviewer must look at it.
    document = tmp_path / "document.jpg"
    document.write_bytes(jpeg(skdata.coffee()))
    employee.set_input_files("input[name=document]", str(document))
    employee.click("text=Last opp ID-dokument")
    result = wait_verdict(employee, "#id-result", timeout_ms=120_000)
    assert result.get_attribute("data-state") == "review"
    shot(employee, "09_id_document_to_review")

    reviewer_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    reviewer = reviewer_ctx.new_page()
    log_in(reviewer, base, REVIEWER_EMAIL)
    reviewer.goto(f"{base}/review")
    shot(reviewer, "10_review_queue")
    assert reviewer.locator("a:has-text('Vurder')").count() == 2
    # The workbench: the first item is opened from the queue; after each decision the next one
    # opens by itself. One key per item (A: approve).
    reviewer.locator("a:has-text('Vurder')").first.click()
    reviewer.wait_for_url(re.compile(r".*/review/uploads/[0-9a-f]{32}$"))
    timings = []
    for step, borderline_rule in enumerate(("face_size", "mrz_present")):  # oldest first
        assert re.search(r"/review/uploads/[0-9a-f]{32}$", reviewer.url)
        row = reviewer.locator(f"table.rules tr.rule-review[data-rule={borderline_rule}]")
        assert row.count() == 1
        # Plain words and rounded values with units, not rule codes and raw floats.
        assert borderline_rule not in row.inner_text()
        if borderline_rule == "face_size":
            assert re.search(r"\d+ px mellom øynene", row.inner_text()), row.inner_text()
            assert reviewer.locator("svg.overlay g.mark[data-rule=face_size]").count() == 1
            assert (
                reviewer.locator("#legend li[data-rule=face_size]")
                .inner_text()
                .endswith("grensetilfelle")
            )
        assert reviewer.locator("img.review-image").is_visible()
        # The suggested reason is filled in from the borderline rules, and editable.
        assert reviewer.locator("textarea[name=reason]").input_value().strip()
        if step == 1:
            assert reviewer.locator("#order-portrait").is_visible()  # beside the document
        shot(reviewer, f"11_review_item_{step + 1}")
        if step == 0:
            reviewer.locator("#viewer").click()  # zoom in and out
            assert "zoomed" in (reviewer.locator("#viewer").get_attribute("class") or "")
            shot(reviewer, "11_review_item_1_zoomed")
            reviewer.keyboard.press("z")
        decided_at = time.monotonic()  # from the decision to the next item on screen
        with reviewer.expect_navigation():
            reviewer.keyboard.press("a")
        reviewer.wait_for_load_state()
        timings.append(time.monotonic() - decided_at)
        assert reviewer.locator("#flash").is_visible()
    assert reviewer.url == f"{base}/review"  # the queue is empty: back to it
    assert "Køen er tom" in reviewer.locator("#flash").inner_text()
    (ARTIFACTS / "review_timings.txt").write_text(
        "".join(f"item {i + 1}: 1 key press, {t:.2f} s\n" for i, t in enumerate(timings))
    )

    page.goto(order_url)
    assert page.locator("#order-status").inner_text().strip() == "Godkjent"
    card_number = page.locator("#card-number").inner_text().strip()
    shot(page, "12_order_approved")

    lookup = phone.new_page()
    lookup.goto(f"{base}/status")
    lookup.fill("input[name=card]", card_number)
    lookup.click("button:has-text('Sjekk')")
    assert lookup.locator("#status-result").get_attribute("data-status") == "valid"
    assert "Blank Renhold AS" in lookup.content() and "Sara" not in lookup.content()
    shot(lookup, "13_status_lookup_valid")

    # The receipt with the temporary card waits in the outbox (no SMTP in this test).
    from sqlalchemy import select

    from portal.models import OutboxEmail

    with portal.sessions() as session:
        mails = session.scalars(select(OutboxEmail)).all()
        assert any(card_number in m.body and m.attachments for m in mails)
