"""The RQ worker and scheduler (`python worker.py [scheduler]`) as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from tests.support.network_guard import guarded_subprocess_env
from tests.support.servers import REPO_ROOT, faketime_env

# Upper bound on a warm shutdown, after which the process is killed.
STOP_TIMEOUT_SECONDS = 10.0


class WorkerProcess:
    """`python worker.py [ARGS]` in a subprocess, with its output kept in a file.

    ``env`` is merged over a copy of ``os.environ``. With ``faketime`` (the
    FAKETIME syntax of ``faketime_env``), the process and the work-horses it
    forks run under libfaketime. The process leads a process group of its
    own, so ``leftover_pids`` also finds the work-horses.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        log_path: Path,
        args: Sequence[str] = (),
        *,
        faketime: str | None = None,
    ):
        self.log_path = log_path
        environment = {**os.environ, **env}
        if faketime is not None:
            environment = faketime_env(faketime, environment)
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "worker.py", *args],
                cwd=REPO_ROOT,
                env=guarded_subprocess_env(environment),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def output(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> int:
        """Send SIGTERM and return the exit code.

        SIGTERM requests a warm shutdown from an RQ worker, which lets the current
        job finish, and stops the RQ CronScheduler. A process still running
        STOP_TIMEOUT_SECONDS later is killed, so the code is then -9.
        """
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def kill(self) -> list[int]:
        """SIGKILL the process and its children; return the killed pids.

        RQ 3.0 puts each work-horse in a process group of its own
        (``os.setpgrp``), so a signal to this process's group misses it. The
        children are found by parent pid instead.
        """
        pids = [self.process.pid, *child_pids(self.process.pid)]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        return pids

    def leftover_pids(self, timeout: float = STOP_TIMEOUT_SECONDS) -> list[int]:
        """Return the live processes left in this process's group.

        Waits up to ``timeout`` seconds for them to exit, because a
        work-horse orphaned by its worker exits a moment later.
        """
        deadline = time.monotonic() + timeout
        pids = live_pids_in_group(self.process.pid)
        while pids and time.monotonic() < deadline:
            time.sleep(0.05)
            pids = live_pids_in_group(self.process.pid)
        return pids


class SchedulerProcess(WorkerProcess):
    """`python worker.py scheduler`: the RQ CronScheduler of the periodic jobs."""

    def __init__(
        self, env: Mapping[str, str], log_path: Path, *, faketime: str | None = None
    ):
        super().__init__(env, log_path, ["scheduler"], faketime=faketime)


def child_pids(parent: int) -> list[int]:
    """List the live processes whose parent is ``parent``, from Linux /proc."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, parent_pid = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent_pid) == parent and state != "Z":
            pids.append(int(entry.name))
    return sorted(pids)


def pid_alive(pid: int) -> bool:
    """Whether ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def live_pids_in_group(pgid: int) -> list[int]:
    """List the processes of group ``pgid`` that have not exited, from Linux /proc.

    Zombies count as exited.
    """
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name in brackets may contain spaces, so split after it.
        state, _parent, group = stat.rsplit(")", 1)[1].split()[:3]
        if int(group) == pgid and state != "Z":
            pids.append(int(entry.name))
    return sorted(pids)
