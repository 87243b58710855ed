"""Delegation through the real app and database (SQLite and PostgreSQL): role holders see their
companies without setup, delegations within and outside their dates, group delegations over
sub-units but not subsidiaries, revoking, the audit log, switching company, and national ids
kept out of URLs and logs."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from portal.contexts import lifecycle_context
from portal.delegation import company_access, user_for_national_id
from portal.demo import national_ids
from portal.lifecycle import place_order, reject_order
from portal.models import AuditEvent, Company, Delegation, Employee, OutboxEmail, name_key
from portal.registry import seed_registry
from portal.state import Portal
from tests.auth.support import (
    BERGEN,
    MAIN,
    NAMES,
    OSLO,
    OTHER,
    SUBSIDIARY,
    Group,
    add_person,
    log_in,
    norway_noon,
    seed_group,
    switcher_names,
)

TODAY = dt.date(2026, 12, 2)


@pytest.fixture
def group(portal: Portal) -> Group:
    portal.clock = lambda: norway_noon(TODAY)
    with portal.sessions() as session:
        found = seed_group(session)
    add_person(portal, "gunnar@gruppe.example", "Gunnar Gruppe", found.gunnar)
    add_person(portal, "styrk@gruppe.example", "Styrk Styre", found.styrk)
    add_person(portal, "ada@annen.example", "Ada Annen", found.ada)
    add_person(portal, "dina@gruppe.example", "Dina Delegat", found.dina)
    return found


def company_id(portal: Portal, org_number: str) -> int:
    with portal.sessions() as session:
        found = session.scalar(select(Company.id).where(Company.org_number == org_number))
        assert found is not None, org_number
        return found


def switch_to(client: TestClient, csrf: str, org_id: int) -> int:
    return client.post("/company", data={"company_id": org_id, "csrf_token": csrf}).status_code


def grant(client: TestClient, csrf: str, national_id: str, **fields: str) -> tuple[int, str]:
    data = {
        "national_id": national_id,
        "name": "Dina Delegat",
        "email": "dina@gruppe.example",
        "csrf_token": csrf,
        **fields,
    }
    response = client.post("/company/delegations", data=data)
    return response.status_code, response.headers.get("location", response.text)


def acts_for(client: TestClient) -> list[str]:
    """The companies the logged-in user may switch between ([] when they may act for none)."""
    response = client.get("/employees")
    if response.status_code == 403:
        return []
    assert response.status_code == 200, response.status_code
    return switcher_names(response.text)


def test_role_holders_see_their_companies_without_setup(
    portal: Portal, client: TestClient, group: Group
) -> None:
    with portal.sessions() as session:
        assert session.scalar(select(Company).where(Company.org_number == MAIN)) is None
    log_in(client, "gunnar@gruppe.example")
    # The general manager: the main unit, its sub-units, and the subsidiary he also manages.
    assert sorted(acts_for(client)) == sorted(NAMES[o] for o in (MAIN, BERGEN, OSLO, SUBSIDIARY))
    log_in(client, "styrk@gruppe.example")
    assert sorted(acts_for(client)) == sorted(NAMES[o] for o in (MAIN, BERGEN, OSLO))
    log_in(client, "ada@annen.example")
    assert acts_for(client) == [NAMES[OTHER]]
    # Someone with neither a role nor a delegation acts for nothing.
    log_in(client, "dina@gruppe.example")
    assert acts_for(client) == []
    assert client.get("/company/delegations").status_code == 403


def test_switching_between_companies_in_the_header(
    portal: Portal, client: TestClient, group: Group
) -> None:
    csrf = log_in(client, "gunnar@gruppe.example")
    client.get("/employees")
    for org in (BERGEN, SUBSIDIARY, MAIN):
        assert switch_to(client, csrf, company_id(portal, org)) == 303
        html = client.get("/employees").text
        assert re.search(rf"<option [^>]*selected>{NAMES[org]}</option>", html), org
    # A company he holds no role in cannot be switched to.
    csrf = log_in(client, "ada@annen.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, MAIN)) == 404


def test_delegation_counts_only_within_its_dates(
    portal: Portal, client: TestClient, group: Group
) -> None:
    csrf = log_in(client, "gunnar@gruppe.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, MAIN)) == 303
    status, location = grant(
        client, csrf, group.dina, valid_from="2026-12-05", valid_until="2026-12-10"
    )
    assert status == 303 and location.startswith("/company/delegations/")
    details = client.get(location).text
    assert "Dina Delegat" in details and 'data-status="scheduled"' in details
    assert group.dina not in details  # masked: birth date only
    assert f"{group.dina[:6]} *****" in details

    log_in(client, "dina@gruppe.example")
    seen: dict[dt.date, list[str]] = {}
    for day in (TODAY, dt.date(2026, 12, 5), dt.date(2026, 12, 10), dt.date(2026, 12, 11)):
        portal.clock = lambda day=day: norway_noon(day)  # type: ignore[misc]
        seen[day] = acts_for(client)
    assert seen == {
        TODAY: [],
        dt.date(2026, 12, 5): [NAMES[MAIN]],
        dt.date(2026, 12, 10): [NAMES[MAIN]],
        dt.date(2026, 12, 11): [],
    }
    # Dates are Norwegian days: 23:30 UTC on the 10th is already the 11th in Oslo.
    portal.clock = lambda: dt.datetime(2026, 12, 10, 23, 30, tzinfo=dt.UTC)
    assert acts_for(client) == []


def test_group_delegation_covers_sub_units_but_not_the_subsidiary(
    portal: Portal, client: TestClient, group: Group
) -> None:
    csrf = log_in(client, "gunnar@gruppe.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, MAIN)) == 303
    assert 'name="covers_sub_units"' in client.get("/company/delegations").text
    assert grant(client, csrf, group.dina, covers_sub_units="true")[0] == 303

    csrf = log_in(client, "dina@gruppe.example")
    assert sorted(acts_for(client)) == sorted(NAMES[o] for o in (MAIN, BERGEN, OSLO))
    assert switch_to(client, csrf, company_id(portal, OSLO)) == 303
    assert re.search(
        rf"<option [^>]*selected>{NAMES[OSLO]}</option>", client.get("/employees").text
    )
    assert switch_to(client, csrf, company_id(portal, SUBSIDIARY)) == 404
    # A delegate may order, not delegate further.
    assert client.get("/company/delegations").status_code == 403

    # The subsidiary needs its own delegation; a plain one reaches that company only.
    csrf = log_in(client, "gunnar@gruppe.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, SUBSIDIARY)) == 303
    assert grant(client, csrf, group.dina)[0] == 303
    # A sub-unit's overview shows the main unit's group delegation that reaches it.
    assert switch_to(client, csrf, company_id(portal, BERGEN)) == 303
    overview = client.get("/company/delegations").text
    from_main = overview.split('id="from-main-unit"', 1)[1].split("</table>", 1)[0]
    assert from_main.count("Dina Delegat") == 1 and 'data-status="active"' in from_main
    assert switch_to(client, csrf, company_id(portal, SUBSIDIARY)) == 303
    assert 'id="from-main-unit"' not in client.get("/company/delegations").text
    log_in(client, "dina@gruppe.example")
    assert sorted(acts_for(client)) == sorted(NAMES[o] for o in (MAIN, BERGEN, OSLO, SUBSIDIARY))


def test_only_the_general_manager_delegates_for_the_whole_group(
    portal: Portal, client: TestClient, group: Group
) -> None:
    csrf = log_in(client, "styrk@gruppe.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, MAIN)) == 303
    form = client.get("/company/delegations")
    assert form.status_code == 200 and 'name="covers_sub_units"' not in form.text
    status, body = grant(client, csrf, group.dina, covers_sub_units="true")
    assert status == 422 and 'data-field="covers_sub_units"' in body
    # The chair may still delegate for the main unit alone.
    assert grant(client, csrf, group.dina)[0] == 303
    log_in(client, "dina@gruppe.example")
    assert acts_for(client) == [NAMES[MAIN]]


WRONG_FORMS: list[tuple[dict[str, str], str]] = [
    ({"national_id": "12345678901"}, "national_id"),
    ({"email": "not-an-address"}, "email"),
    ({"valid_from": "2026-12-10", "valid_until": "2026-12-05"}, "valid_until"),
    ({"valid_until": "2026-12-01"}, "valid_until"),
    ({"valid_from": "10.12.2026"}, "valid_from"),
]


def test_a_wrong_form_says_what_to_fix_and_stores_nothing(
    portal: Portal, client: TestClient, group: Group
) -> None:
    csrf = log_in(client, "gunnar@gruppe.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, MAIN)) == 303
    for wrong, field_name in WRONG_FORMS:
        fields = dict(wrong)
        national_id = fields.pop("national_id", group.dina)
        status, body = grant(client, csrf, national_id, **fields)
        assert (status, f'data-field="{field_name}"' in body) == (422, True), wrong
        # What was typed comes back, except the national id.
        assert national_id not in body
    with portal.sessions() as session:
        assert session.scalars(select(Delegation)).all() == []
        assert session.scalars(select(AuditEvent)).all() == []


def test_revoke_ends_access_at_once_and_the_audit_log_has_both(
    portal: Portal, client: TestClient, group: Group, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    csrf = log_in(client, "gunnar@gruppe.example")
    client.get("/employees")
    assert switch_to(client, csrf, company_id(portal, MAIN)) == 303
    status, location = grant(client, csrf, group.dina, valid_until="2026-12-31")
    assert status == 303

    dina = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    log_in(dina, "dina@gruppe.example")
    assert acts_for(dina) == [NAMES[MAIN]]

    delegation_id = int(location.rsplit("/", 1)[1])
    # Another company's general manager neither sees nor revokes it.
    ada = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    ada_csrf = log_in(ada, "ada@annen.example")
    assert ada.get(location).status_code == 404
    assert ada.post(f"{location}/revoke", data={"csrf_token": ada_csrf}).status_code == 404
    # Nor does the delegate (role holders only).
    dina_csrf = csrf_of_page(dina)
    assert dina.post(f"{location}/revoke", data={"csrf_token": dina_csrf}).status_code == 403
    assert acts_for(dina) == [NAMES[MAIN]]

    portal.clock = lambda: norway_noon(TODAY) + dt.timedelta(hours=1)
    assert client.post(f"{location}/revoke", data={"csrf_token": csrf}).status_code == 303
    # The delegate's open session loses the company on its next request.
    assert acts_for(dina) == []
    assert client.post(f"{location}/revoke", data={"csrf_token": csrf}).status_code == 409

    details = client.get(location).text
    assert 'data-status="revoked"' in details
    assert details.count('<tr class="audit">') == 2
    overview = client.get("/company/delegations").text
    assert f'href="/company/delegations/{delegation_id}"' in overview

    with portal.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        gunnar_id = session.scalar(
            select(Delegation.granted_by).where(Delegation.id == delegation_id)
        )
    assert [(e.transition, e.delegation_id, e.actor) for e in events] == [
        ("delegation_grant", delegation_id, f"user:{gunnar_id}"),
        ("delegation_revoke", delegation_id, f"user:{gunnar_id}"),
    ]
    assert events[1].at - events[0].at == dt.timedelta(hours=1)
    assert MAIN in events[0].detail and "until 2026-12-31" in events[0].detail
    # The national id is in no audit row, no log line and no URL the flow used.
    assert all(group.dina not in e.detail for e in events)
    assert all(group.dina not in r.getMessage() for r in caplog.records)
    assert group.dina not in location


def csrf_of_page(client: TestClient) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/status").text)
    assert match
    return match.group(1)


def test_mail_to_an_orderer_without_an_address_goes_to_the_company(portal: Portal) -> None:
    """A person made by an OpenID Connect login may have no e-mail on file (a role holder:
    the registry has none); what the portal mails the orderer then reaches the company."""
    now = norway_noon(TODAY)
    with portal.sessions() as session:
        group = seed_group(session)
        registry = portal.registry(session)
        holder = user_for_national_id(session, registry, group.styrk, now)
        assert holder is not None and holder.email is None and holder.name == "Styrk Styre"
        main = company_access(session, registry, holder, now)[0].company
        assert main.org_number == MAIN and main.contact_email == "post@gruppe.example"
        employee = Employee(
            company_id=main.id,
            national_id=national_ids(1, seed=77)[0],
            given_names="Eva",
            surname="Ansatt",
            name_key=name_key("Eva", "Ansatt"),
            created_at=now,
        )
        session.add(employee)
        # The registry checks run when an order is placed: the employee is in the registers.
        seed_registry(
            session,
            national_ids=[employee.national_id],
            org_number=main.org_number,
            industry=main.industry,
        )
        session.flush()
        ctx = lifecycle_context(portal, session, f"user:{holder.id}", now=now)
        order = place_order(ctx, employee, holder)
        reject_order(ctx, order, "Avvist.", "Rejected.")
        session.commit()
        recipients = session.scalars(select(OutboxEmail.recipient)).all()
    assert recipients == ["post@gruppe.example"]
    # Nobody else gets an account this way.
    with portal.sessions() as session:
        assert user_for_national_id(session, portal.registry(session), group.nils, now) is None
