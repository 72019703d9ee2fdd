"""``gridgov demo serve`` starts the web server and the worker on the embedded broker, and Ctrl-C stops both.

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


@pytest.mark.slow
def test_serve_answers_http_runs_tasks_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
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
    try:

        def up() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        assert wait_for(up, 90), "the web server did not answer"

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
        assert not up()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
