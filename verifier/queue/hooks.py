"""The verdict-stored hook: how the portal hears that an upload has its verdict.

The portal registers a plain function (e.g. one that moves the card order on) in every process
that runs workers: `register_verdict_hook(fn)` in the store factory named by
HMSVERIFY_QUEUE_STORE_FACTORY, or in the portal process for the embedded mode. The queue calls it after storing a verdict, and again
when a duplicate message finds the verdict already stored, so a hook must be idempotent. A hook
that raises StorageUnavailable makes the message retry; any other error is logged.
"""

from __future__ import annotations

from collections.abc import Callable

from verifier.queue.storage import VerdictRecord

VerdictHook = Callable[[VerdictRecord], None]

# The one registry of hooks per process; registered once at start-up, read by the actors.
_HOOKS: list[VerdictHook] = []


def register_verdict_hook(hook: VerdictHook) -> None:
    if hook not in _HOOKS:
        _HOOKS.append(hook)


def unregister_verdict_hook(hook: VerdictHook) -> None:
    if hook in _HOOKS:
        _HOOKS.remove(hook)


def verdict_hooks() -> tuple[VerdictHook, ...]:
    return tuple(_HOOKS)
