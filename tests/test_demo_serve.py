"""``gridgov demo serve`` starts the web server and the worker on the embedded broker, and Ctrl-C or SIGTERM (what
systemd, Docker and ``kill`` send) stops both.

Runs the real command in a subprocess against a fresh SQLite data directory (not the test database)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(predicate, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


def start_serve(tmp_path: Path, port: int) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    """``gridgov demo serve`` in its own session (so that what it starts can be found, even once orphaned)."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "GRIDGOV_TESTING", "CELERY_BROKER_URL"}}
    env.update(
        GRIDGOV_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="gridgov.config.settings",
        CELERY_RESULT_BACKEND=f"file://{tmp_path / 'results'}",
    )
    (tmp_path / "results").mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridgov.cli", "demo", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    return proc, env


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
            return bool(r.status == 200)
    except OSError:
        return False


def session_processes(session: int) -> dict[int, str]:
    """The live processes of a session (pid: command line); zombies are not counted, they run nothing."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) ": state ppid pgrp session ...
        if int(fields[3]) == session and fields[0] != "Z":
            found[int(entry.name)] = cmdline
    return found


@pytest.mark.slow
def test_serve_answers_http_runs_tasks_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    proc, env = start_serve(tmp_path, port)
    try:
        assert wait_for(lambda: answers(port), 90), "the web server did not answer"

        # A task sent through the embedded broker comes back from the worker that serve started.
        code = (
            "from gridgov.config.celery import app; from gridgov.core.tasks import ping; "
            "print(ping.delay().get(timeout=60))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=90, check=False
        )
        assert out.stdout.strip() == "pong", out.stderr[-2000:]

        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=30)
        text = output.decode()
        assert proc.returncode == 0, text[-3000:]
        assert f"http://127.0.0.1:{port}/" in text
        assert not answers(port)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.mark.slow
@pytest.mark.parametrize("when", ["serving", "starting"])
def test_sigterm_to_serve_alone_stops_the_web_server_and_the_worker(tmp_path: Path, when: str) -> None:
    """SIGTERM (systemd, docker stop, kill) reaches serve only, not its children as Ctrl-C in a terminal does:
    serve must stop them itself, also when it comes the moment the worker has been started."""
    port = free_port()
    proc, _env = start_serve(tmp_path, port)
    try:
        if when == "serving":
            assert wait_for(lambda: answers(port), 90), "the web server did not answer"

        def worker_started() -> bool:
            return any("celery" in c for c in session_processes(proc.pid).values())

        deadline = time.monotonic() + 90
        while not worker_started() and time.monotonic() < deadline:
            time.sleep(0.01)
        children = {pid: c for pid, c in session_processes(proc.pid).items() if pid != proc.pid}
        assert any("gunicorn" in c for c in children.values()) and any("celery" in c for c in children.values())

        os.kill(proc.pid, signal.SIGTERM)
        output, _ = proc.communicate(timeout=40)
        text = output.decode()
        assert proc.returncode == 0, text[-3000:]
        assert "已停止 / stopped" in text
        assert wait_for(lambda: not session_processes(proc.pid), 20), session_processes(proc.pid)
        assert not answers(port)
    finally:
        for pid in session_processes(proc.pid):
            os.kill(pid, signal.SIGKILL)
