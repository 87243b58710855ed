"""Login through OpenID Connect against a real provider (oidc-provider-mock on a local port,
PKCE enforced) and the real app and database: the authorization-code flow with PKCE, state and
nonce; the `pid` claim mapped to registry roles and delegations; an unknown pid gets nothing."""

from __future__ import annotations

import datetime as dt
import io
import logging
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from fastapi.testclient import TestClient
from joserfc import jwt
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from portal.app import create_app
from portal.cli import main as cli_main
from portal.demo import national_ids
from portal.models import Company, Delegation, User
from portal.oidc import OidcClient, OidcError
from portal.settings import OidcSettings, SettingsError, settings_from_env
from portal.state import Portal, build_portal
from tests.auth.provider import Provider, running_provider, s256
from tests.auth.support import (
    BERGEN,
    MAIN,
    NAMES,
    OSLO,
    SUBSIDIARY,
    Group,
    norway_noon,
    seed_group,
    switcher_names,
)
from tests.portal.support import make_settings

TODAY = dt.date(2026, 12, 2)
CLIENT_ID = "hmsverify-portal"


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with running_provider() as running:
        yield running


@pytest.fixture
def oidc_portal(database_url: str, tmp_path: Path, provider: Provider) -> Iterator[Portal]:
    settings = make_settings(
        database_url,
        tmp_path / "data",
        oidc=OidcSettings(issuer=provider.issuer, client_id=CLIENT_ID, client_secret="s3cret"),
    )
    built = build_portal(settings, migrate=False)
    built.clock = lambda: norway_noon(TODAY)
    yield built
    built.engine.dispose()


@pytest.fixture
def browser(oidc_portal: Portal) -> Iterator[TestClient]:
    with TestClient(
        create_app(oidc_portal), base_url="http://testserver", follow_redirects=False
    ) as test_client:
        yield test_client


@pytest.fixture
def group(oidc_portal: Portal) -> Group:
    with oidc_portal.sessions() as session:
        return seed_group(session)


def start_login(browser: TestClient) -> str:
    """The portal's redirect to the provider's authorization endpoint."""
    assert "/login/oidc" in browser.get("/login").text
    response = browser.get("/login/oidc")
    assert response.status_code == 303
    return response.headers["location"]


def finish_login(browser: TestClient, callback: str) -> int:
    parts = urlparse(callback)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "testserver",
        "/login/oidc/callback",
    )
    return browser.get(f"{parts.path}?{parts.query}").status_code


def log_in_through_provider(browser: TestClient, provider: Provider, sub: str) -> int:
    return finish_login(browser, provider.authorize(start_login(browser), sub))


def test_code_flow_with_pkce_logs_a_role_holder_in(
    browser: TestClient,
    provider: Provider,
    group: Group,
    oidc_portal: Portal,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    # ID-porten's `sub` is a pairwise pseudonym; the national id comes in `pid`.
    provider.set_claims("sub-gunnar", {"pid": group.gunnar, "acr": "idporten-loa-substantial"})
    authorization_url = start_login(browser)
    request = parse_qs(urlparse(authorization_url).query)
    assert authorization_url.startswith(f"{provider.issuer}/oauth2/authorize?")
    assert request["response_type"] == ["code"]
    assert request["client_id"] == [CLIENT_ID]
    assert request["redirect_uri"] == ["http://testserver/login/oidc/callback"]
    assert request["code_challenge_method"] == ["S256"]
    assert len(request["code_challenge"][0]) == 43  # base64url of a SHA-256
    assert len(request["state"][0]) >= 32 and len(request["nonce"][0]) >= 32
    assert "openid" in request["scope"][0].split()

    callback = provider.authorize(authorization_url, "sub-gunnar")
    assert parse_qs(urlparse(callback).query)["state"] == request["state"]
    assert finish_login(browser, callback) == 303
    # The provider checked the verifier against the challenge: nothing was refused.
    assert provider.pkce.refused == []

    html = browser.get("/employees").text
    # Every unit he holds a role in: the main unit, its sub-units, the subsidiary.
    assert sorted(switcher_names(html)) == sorted(
        NAMES[o] for o in (MAIN, BERGEN, OSLO, SUBSIDIARY)
    )
    assert "Gunnar Gruppe" in html
    with oidc_portal.sessions() as session:
        user = session.scalars(select(User).where(User.national_id == group.gunnar)).one()
        assert user.password_hash == "" and user.email is None
    # The national id went through no URL and no log line.
    assert group.gunnar not in authorization_url and group.gunnar not in callback
    assert all(group.gunnar not in record.getMessage() for record in caplog.records)


def test_an_unknown_pid_gets_no_access_and_no_account(
    browser: TestClient, provider: Provider, group: Group, oidc_portal: Portal
) -> None:
    provider.set_claims("sub-nils", {"pid": group.nils})
    assert log_in_through_provider(browser, provider, "sub-nils") == 403
    assert browser.get("/employees").status_code == 303  # still logged out: back to /login
    with oidc_portal.sessions() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
    # A login without any pid claim is refused as well.
    assert log_in_through_provider(browser, provider, "sub-without-pid") == 400
    assert browser.get("/employees").status_code == 303


def test_a_delegate_logs_in_and_sees_the_delegated_company(
    browser: TestClient, provider: Provider, group: Group, oidc_portal: Portal
) -> None:
    provider.set_claims("sub-dina", {"pid": group.dina})
    assert log_in_through_provider(browser, provider, "sub-dina") == 403
    with oidc_portal.sessions() as session:
        main = session.scalar(select(User).where(User.national_id == group.dina))
        assert main is None
    # Gunnar logs in and delegates the group to Dina.
    provider.set_claims("sub-gunnar", {"pid": group.gunnar})
    gunnar = TestClient(browser.app, base_url="http://testserver", follow_redirects=False)
    assert log_in_through_provider(gunnar, provider, "sub-gunnar") == 303
    page = gunnar.get("/employees").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    with oidc_portal.sessions() as session:
        main_id = session.scalar(select(Company.id).where(Company.org_number == MAIN))
    assert (
        gunnar.post("/company", data={"company_id": main_id, "csrf_token": csrf}).status_code == 303
    )
    granted = gunnar.post(
        "/company/delegations",
        data={
            "national_id": group.dina,
            "name": "Dina Delegat",
            "email": "dina@gruppe.example",
            "covers_sub_units": "true",
            "csrf_token": csrf,
        },
    )
    assert granted.status_code == 303

    assert log_in_through_provider(browser, provider, "sub-dina") == 303
    html = browser.get("/employees").text
    assert sorted(switcher_names(html)) == sorted(NAMES[o] for o in (MAIN, BERGEN, OSLO))
    with oidc_portal.sessions() as session:
        dina = session.scalars(select(User).where(User.national_id == group.dina)).one()
        # Her account is made from the delegation on her first login.
        assert (dina.name, dina.email) == ("Dina Delegat", "dina@gruppe.example")
        assert session.scalar(select(func.count()).select_from(Delegation)) == 1


def test_state_is_checked_and_a_callback_works_once(
    browser: TestClient, provider: Provider, group: Group
) -> None:
    provider.set_claims("sub-gunnar", {"pid": group.gunnar})
    first = provider.authorize(start_login(browser), "sub-gunnar")
    # A second login started in the same browser replaces the first one's state and nonce.
    second = provider.authorize(start_login(browser), "sub-gunnar")
    assert finish_login(browser, first) == 400
    assert browser.get("/employees").status_code == 303
    # The pending login is used up by the refused attempt; the second's callback finds nothing.
    assert finish_login(browser, second) == 400
    # A fresh login works, and replaying its callback is refused.
    third = provider.authorize(start_login(browser), "sub-gunnar")
    assert finish_login(browser, third) == 303
    assert finish_login(browser, third) == 400
    # A callback delivered to another browser (one that started no login) is refused.
    other = TestClient(browser.app, base_url="http://testserver", follow_redirects=False)
    fourth = provider.authorize(start_login(browser), "sub-gunnar")
    assert finish_login(other, fourth) == 400
    assert other.get("/employees").status_code == 303


def test_the_client_refuses_a_wrong_verifier_and_a_wrong_nonce(provider: Provider) -> None:
    """The client against the provider directly: the provider refuses a code whose verifier
    does not match its challenge, and the client refuses an ID token for another nonce."""
    provider.set_claims("sub-x", {"pid": "01010112345"})
    client = OidcClient(
        OidcSettings(issuer=provider.issuer, client_id=CLIENT_ID, client_secret="s3cret"),
        "http://testserver/login/oidc/callback",
    )

    def code_for(url: str) -> tuple[str, str]:
        query = parse_qs(urlparse(provider.authorize(url, "sub-x")).query)
        return query["code"][0], query["state"][0]

    url, pending = client.begin()
    assert parse_qs(urlparse(url).query)["code_challenge"] == [s256(pending.code_verifier)]
    code, state = code_for(url)
    wrong_verifier = type(pending)(pending.state, pending.nonce, "x" * 64, pending.started_at)
    with pytest.raises(OidcError) as refused:
        client.complete(wrong_verifier, state=state, code=code)
    assert refused.value.reason == "token_endpoint_invalid_grant"
    assert code in provider.pkce.refused

    url, pending = client.begin()
    code, state = code_for(url)
    wrong_nonce = type(pending)(pending.state, "n" * 43, pending.code_verifier, pending.started_at)
    with pytest.raises(OidcError) as refused:
        client.complete(wrong_nonce, state=state, code=code)
    assert refused.value.reason == "id_token_nonce"

    url, pending = client.begin()
    code, state = code_for(url)
    claims = client.complete(pending, state=state, code=code)
    assert claims["pid"] == "01010112345" and claims["aud"] in (CLIENT_ID, [CLIENT_ID])

    # A login that took too long is not completed.
    url, pending = client.begin(now=0.0)
    code, state = code_for(url)
    with pytest.raises(OidcError) as refused:
        client.complete(pending, state=state, code=code)
    assert refused.value.reason == "login_too_old"


def test_an_unreachable_provider_is_a_clear_refusal(provider: Provider) -> None:
    unreachable = OidcClient(
        OidcSettings(issuer="http://127.0.0.1:1", client_id=CLIENT_ID, client_secret="s"),
        "http://testserver/login/oidc/callback",
    )
    with pytest.raises(OidcError) as refused:
        unreachable.begin()
    assert refused.value.reason == "provider_unreachable"


def test_without_an_issuer_there_is_no_provider_login(client: TestClient) -> None:
    assert "/login/oidc" not in client.get("/login").text
    assert client.get("/login/oidc").status_code == 404
    assert client.get("/login/oidc/callback?code=x&state=y").status_code == 404


def test_the_settings_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET", "ACR_VALUES", "TOKEN_AUTH_METHOD"):
        monkeypatch.delenv(f"HMSVERIFY_OIDC_{name}", raising=False)
    assert settings_from_env(tmp_path).oidc is None
    monkeypatch.setenv("HMSVERIFY_OIDC_ISSUER", "https://test.idporten.no")
    with pytest.raises(SettingsError, match="CLIENT_ID"):
        settings_from_env(tmp_path)
    monkeypatch.setenv("HMSVERIFY_OIDC_CLIENT_ID", "portal")
    monkeypatch.setenv("HMSVERIFY_OIDC_CLIENT_SECRET", "secret")
    monkeypatch.setenv("HMSVERIFY_OIDC_ACR_VALUES", "idporten-loa-substantial")
    monkeypatch.setenv("HMSVERIFY_BASE_URL", "https://hms.example.no/")
    settings = settings_from_env(tmp_path)
    assert settings.oidc == OidcSettings(
        issuer="https://test.idporten.no",
        client_id="portal",
        client_secret="secret",
        acr_values="idporten-loa-substantial",
    )
    assert settings.oidc_redirect_uri == "https://hms.example.no/login/oidc/callback"
    monkeypatch.setenv("HMSVERIFY_OIDC_TOKEN_AUTH_METHOD", "private_key_jwt")
    with pytest.raises(SettingsError, match="TOKEN_AUTH_METHOD"):
        settings_from_env(tmp_path)


def test_a_reviewer_made_by_the_command_logs_in_through_the_provider(
    browser: TestClient,
    provider: Provider,
    oidc_portal: Portal,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reviewer_id = national_ids(1, seed=4242)[0]
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO("not a number\n"))
    assert cli_main(["reviewer", "--name", "Rita Revisor", "--data-dir", str(tmp_path)]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{reviewer_id}\n"))
    assert cli_main(["reviewer", "--name", "Rita Revisor", "--data-dir", str(tmp_path)]) == 0
    assert reviewer_id not in capsys.readouterr().out

    provider.set_claims("sub-rita", {"pid": reviewer_id})
    assert log_in_through_provider(browser, provider, "sub-rita") == 303
    home = browser.get("/")
    assert home.headers["location"] == "/review"
    assert browser.get("/review").status_code == 200
    # She orders for no company.
    assert browser.get("/employees").status_code == 403


def test_an_id_token_not_signed_by_the_provider_or_expired_is_refused(provider: Provider) -> None:
    """Tokens made here with real keys, checked by the client against the provider's published
    keys: another key under the provider's key id, an unknown key id, no signature at all."""
    client = OidcClient(
        OidcSettings(issuer=provider.issuer, client_id=CLIENT_ID, client_secret="s3cret"),
        "http://testserver/login/oidc/callback",
    )
    provider.set_claims("sub-x", {"pid": "01010112345"})
    provider_kid = httpx.get(f"{provider.issuer}/jwks").json()["keys"][0]["kid"]
    now = time.time()
    claims = {
        "iss": provider.issuer,
        "sub": "sub-x",
        "aud": CLIENT_ID,
        "iat": int(now),
        "exp": int(now) + 300,
        "nonce": "n" * 43,
        "pid": "01010112345",
    }

    def signed(kid: str, payload: dict[str, object] = claims) -> str:
        key = RSAKey.generate_key(2048, parameters={"kid": kid})
        return jwt.encode({"alg": "RS256", "kid": kid}, payload, key)

    for token in (signed(provider_kid), signed("unknown-key")):
        with pytest.raises(OidcError) as refused:
            client.validated_claims(token, "n" * 43, None, now)
        assert refused.value.reason == "id_token_signature"
    unsigned = signed(provider_kid).rsplit(".", 1)[0] + "."
    with pytest.raises(OidcError):
        client.validated_claims(unsigned, "n" * 43, None, now)

    # A genuine ID token from the provider's token endpoint: valid now, refused once expired
    # (the mock issues them for an hour) and refused by a client with another client id.
    url, pending = client.begin()
    query = parse_qs(urlparse(provider.authorize(url, "sub-x")).query)
    with OAuth2Client(
        client_id=CLIENT_ID,
        client_secret="s3cret",
        redirect_uri="http://testserver/login/oidc/callback",
    ) as oauth:
        token = oauth.fetch_token(
            f"{provider.issuer}/oauth2/token",
            grant_type="authorization_code",
            code=query["code"][0],
            code_verifier=pending.code_verifier,
        )
    raw, access = token["id_token"], token["access_token"]
    assert client.validated_claims(raw, pending.nonce, access, time.time())["pid"] == "01010112345"
    with pytest.raises(OidcError) as refused:
        client.validated_claims(raw, pending.nonce, access, time.time() + 2 * 3600)
    assert refused.value.reason == "id_token_exp"
    other = OidcClient(
        OidcSettings(issuer=provider.issuer, client_id="another-client", client_secret="s"),
        "http://testserver/login/oidc/callback",
    )
    with pytest.raises(OidcError) as refused:
        other.validated_claims(raw, pending.nonce, access, time.time())
    # authlib's authorized-party check answers first; the audience check stands behind it.
    assert refused.value.reason in ("id_token_azp", "id_token_aud")
