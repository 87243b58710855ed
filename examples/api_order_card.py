"""Orders an HMS card end to end through the JSON API, as an HR system would.

Against `make run` (which prints a demo API client's id and secret, and national ids the demo
registry knows):

    .venv/bin/python examples/api_order_card.py --client-id hms_... --client-secret ... \\
        --national-id 01019012345 --photo tests/images/compliant_portrait.jpg \\
        --id-document path/to/passport.jpg

Steps: token (client credentials) → add the employee (or find them: 409 names the id) → order
with an Idempotency-Key → upload the portrait and the ID document → follow the events (polling
GET /api/v1/events; a webhook receiver would get the same events) until the order is decided →
look the card up (level 1). A document that goes to manual review waits for a reviewer in the
portal (/review, the demo's reviewer login). Only httpx is needed.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

import httpx


def fail(response: httpx.Response) -> None:
    """Every API error is an RFC 9457 problem document: print it and stop."""
    problem = response.json()
    sys.exit(f"{response.request.method} {response.request.url.path}: {problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--client-id", required=True)
    parser.add_argument("--client-secret", required=True)
    parser.add_argument("--national-id", required=True, help="fødselsnummer or D-number")
    parser.add_argument("--given-names", default="Ola")
    parser.add_argument("--surname", default="Nordmann")
    parser.add_argument("--photo", type=Path, required=True)
    parser.add_argument("--id-document", type=Path, required=True)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds to wait")
    args = parser.parse_args()

    with httpx.Client(base_url=args.base_url, timeout=60) as http:
        token = http.post(
            "/api/v1/token",
            data={"grant_type": "client_credentials"},
            auth=(args.client_id, args.client_secret),
        )
        if token.status_code != 200:
            fail(token)
        http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        print(f"token: scopes {token.json()['scope']}, {token.json()['expires_in']} s")

        employee = http.post(
            "/api/v1/employees",
            json={
                "national_id": args.national_id,
                "given_names": args.given_names,
                "surname": args.surname,
            },
        )
        if employee.status_code == 201:
            employee_id = employee.json()["id"]
        elif employee.status_code == 409:
            employee_id = employee.json()["employee_id"]
        else:
            fail(employee)
        print(f"employee: {employee_id}")

        # One key per intended order: a retry after a timeout cannot order twice.
        key = str(uuid.uuid4())
        for _attempt in range(3):
            try:
                order = http.post(
                    "/api/v1/orders",
                    json={"employee_id": employee_id},
                    headers={"Idempotency-Key": key},
                )
                break
            except httpx.TransportError:
                time.sleep(1)
        else:
            sys.exit("the API did not answer")
        if order.status_code != 201:
            fail(order)
        order_id = order.json()["id"]
        print(f"order: {order_id} ({order.json()['status']})")

        cursor = http.get("/api/v1/events", params={"after": 0, "limit": 500}).json()
        after = cursor["next_after"]
        for endpoint, path in (("photo", args.photo), ("id-document", args.id_document)):
            with path.open("rb") as file:
                sent = http.post(
                    f"/api/v1/orders/{order_id}/{endpoint}",
                    files={"file": (path.name, file, "application/octet-stream")},
                )
            if sent.status_code != 202:
                fail(sent)
            print(f"{endpoint}: uploaded, {sent.json()['state']}")

        deadline = time.monotonic() + args.timeout
        status = "pending"
        waiting_said = False
        while status == "pending" and time.monotonic() < deadline:
            batch = http.get("/api/v1/events", params={"after": after}).json()
            after = batch["next_after"]
            for event in batch["events"]:
                data = event["data"]
                if data.get("order_id") != order_id:
                    continue
                print(f"event {event['id']}: {event['type']} {data}")
            state = http.get(f"/api/v1/orders/{order_id}").json()
            status = state["status"]
            for kind in ("photo", "id_document"):
                upload = state[kind]
                if upload and upload["state"] == "fail":
                    for rule in upload["rules"]:
                        if rule["status"] != "pass":
                            print(f"  {kind} {rule['rule']}: {rule['message_en']}")
                if upload and upload["state"] == "review" and not waiting_said:
                    print(f"  {kind} waits for a reviewer in the portal (/review)")
                    waiting_said = True
            time.sleep(1.0)

        state = http.get(f"/api/v1/orders/{order_id}").json()
        print(f"order {order_id}: {state['status']}", state["reason"] or "")
        if state["card"] is None:
            return 1
        number = state["card"]["card_number"]
        card = http.get(f"/api/v1/cards/{number}").json()
        print(f"card {number}: {card['status']}, valid until {card['expires_at'][:10]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
