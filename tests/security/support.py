"""Helpers for the security tests: a live uvicorn server started as `hmsverify serve` starts it
(for what only a real server shows: streamed bodies, the access log, client addresses)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import uvicorn

from portal.app import create_app
from portal.cli import uvicorn_options
from portal.state import Portal

PortalMaker = Callable[..., Portal]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    base_url: str
    host: str
    port: int
    portal: Portal
    access_log: list[logging.LogRecord]

    def access_lines(self) -> list[str]:
        return [record.getMessage() for record in self.access_log]


class _Collect(logging.Handler):
    def __init__(self, into: list[logging.LogRecord]) -> None:
        super().__init__(logging.INFO)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record)


def run_live_server(portal: Portal) -> Iterator[LiveServer]:
    """The app under uvicorn with the options `hmsverify serve` uses, in a thread."""
    port = free_port()
    options = uvicorn_options("127.0.0.1", port)
    config = uvicorn.Config(create_app(portal), **options)  # type: ignore[arg-type]
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    records: list[logging.LogRecord] = []
    # After start-up: uvicorn's logging config replaces handlers when the server starts.
    handler = _Collect(records)
    logger = logging.getLogger("uvicorn.access")
    logger.addHandler(handler)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", "127.0.0.1", port, portal, records)
    finally:
        logger.removeHandler(handler)
        server.should_exit = True
        thread.join(timeout=15)
