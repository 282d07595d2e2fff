"""The periodic jobs that `python worker.py scheduler` enqueues."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.config import Settings

# Seconds between sweeps for outbox rows whose enqueue failed (Redis down).
OUTBOX_SWEEP_INTERVAL = 60


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: Callable
    # Seconds between two runs, read from the settings.
    interval: Callable[[Settings], int]


def periodic_jobs() -> list[PeriodicJob]:
    from bot.outbound import deliver_pending
    from bot.digests import run_escalations, run_summaries
    from bot.reminders import run_sweep

    return [
        PeriodicJob("outbox sweep", deliver_pending, lambda _: OUTBOX_SWEEP_INTERVAL),
        PeriodicJob("reminder sweep", run_sweep, lambda settings: settings.sweep_interval),
        # Digests and summaries run as often as the reminder sweep, so a
        # summary goes out at most one sweep interval after its chosen time.
        PeriodicJob("escalation digests", run_escalations,
                    lambda settings: settings.sweep_interval),
        PeriodicJob("daily summaries", run_summaries,
                    lambda settings: settings.sweep_interval),
    ]
