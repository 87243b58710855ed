"""A group in the demo registry, for the delegation and login tests.

Gruppe Bygg AS is a main unit with two sub-units (Bergen, Oslo); Gruppe Eiendom AS is its
subsidiary (a main unit of its own); Annen Bedrift AS is unrelated. Gunnar is general manager
(DAGL) of Gruppe Bygg and of Gruppe Eiendom, Styrk chairs Gruppe Bygg (LEDE), Ada is general
manager of Annen Bedrift. Dina holds no role: she is the one delegated to. Nils is nobody.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from portal.demo import add_user, make_org_number, national_ids
from portal.models import Industry
from portal.registry import BusinessUnit, seed_unit
from portal.state import Portal
from tests.portal.support import PASSWORD, csrf_of, password_hash

MAIN = make_org_number("93000000")
BERGEN = make_org_number("93000001")
OSLO = make_org_number("93000002")
SUBSIDIARY = make_org_number("93000003")
OTHER = make_org_number("93000004")

NAMES = {
    MAIN: "Gruppe Bygg AS",
    BERGEN: "Gruppe Bygg AS avd. Bergen",
    OSLO: "Gruppe Bygg AS avd. Oslo",
    SUBSIDIARY: "Gruppe Eiendom AS",
    OTHER: "Annen Bedrift AS",
}


@dataclass(frozen=True)
class Group:
    gunnar: str  # national ids
    styrk: str
    ada: str
    dina: str
    nils: str


def seed_group(session: Session) -> Group:
    gunnar, styrk, ada, dina, nils = national_ids(5, seed=1515)
    seed_unit(
        session,
        BusinessUnit(MAIN, NAMES[MAIN], Industry.CONSTRUCTION, email="post@gruppe.example"),
        roles=[(gunnar, "DAGL", "Gunnar Gruppe"), (styrk, "LEDE", "Styrk Styre")],
    )
    for org in (BERGEN, OSLO):
        seed_unit(session, BusinessUnit(org, NAMES[org], Industry.CONSTRUCTION, MAIN))
    seed_unit(
        session,
        BusinessUnit(SUBSIDIARY, NAMES[SUBSIDIARY], Industry.CONSTRUCTION),
        roles=[(gunnar, "DAGL", "Gunnar Gruppe")],
    )
    seed_unit(
        session,
        BusinessUnit(OTHER, NAMES[OTHER], Industry.CLEANING),
        roles=[(ada, "DAGL", "Ada Annen")],
    )
    session.commit()
    return Group(gunnar, styrk, ada, dina, nils)


def add_person(portal: Portal, email: str, name: str, national_id: str) -> None:
    """A password account for a person with a national id (stands in for an ID-porten login)."""
    with portal.sessions() as session:
        user = add_user(session, email, name, PASSWORD, password_hash=password_hash())
        user.national_id = national_id
        session.commit()


def log_in(client: TestClient, email: str) -> str:
    """Logs in with the password form in a fresh session; the CSRF token of the new session."""
    client.cookies.clear()
    token = csrf_of(client)
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 303, response.text
    return csrf_of(client, "/status")


def switcher_names(html: str) -> list[str]:
    """The company names in the header's switcher (or the one company shown)."""
    select = re.search(r'<select name="company_id"[^>]*>(.*?)</select>', html, re.S)
    if select:
        return re.findall(r"<option [^>]*>([^<]+)</option>", select.group(1))
    single = re.search(r'<span class="company">([^<]+)</span>', html)
    return [single.group(1)] if single else []


def norway_noon(day: dt.date) -> dt.datetime:
    """12:00 in Norway on `day`, in UTC."""
    return dt.datetime(day.year, day.month, day.day, 11, 0, tzinfo=dt.UTC)
