"""A real gridgov server in a subprocess (gunicorn) on its own SQLite data directory, for browser tests that must
kill the server mid-request and start it again on the same port (``live_server`` is a thread: it cannot be killed).

The data directory holds the database, the installation's keys and the media; ``run_python`` runs code against the
same database in another subprocess (to build the data and to count rows), so the test process never holds a
connection to it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class FieldServer:
    def __init__(self, data_dir: Path, port: int | None = None, env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.extra_env = dict(env or {})  # settings for this server only (e.g. GRIDGOV_MAP_TILE_URL)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "server.log"
        data_dir.mkdir(parents=True, exist_ok=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_SETTINGS_MODULE", "GRIDGOV_DEBUG"}
        }
        env.update(
            GRIDGOV_DATA_DIR=str(self.data_dir),
            GRIDGOV_TESTING="1",  # static files from the finders, Celery tasks eager
            DJANGO_SETTINGS_MODULE="gridgov.config.settings",
            # The tests' own checkout first (also for a clone run with another checkout's virtualenv, whose
            # editable install points at that other checkout's src/).
            PYTHONPATH=os.pathsep.join([str(REPO), str(REPO / "src")]),
        )
        env.update(self.extra_env)
        return env

    def run_python(self, code: str, timeout: float = 300) -> Any:
        """Run ``code`` with Django set up against this server's database; it prints one JSON value, returned."""
        script = "import django; django.setup()\n" + code
        out = subprocess.run(
            [sys.executable, "-c", script],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-4000:])
        lines = [line for line in out.stdout.splitlines() if line.strip()]
        return json.loads(lines[-1]) if lines else None

    def migrate(self) -> None:
        out = subprocess.run(
            [sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
            env=self.env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if out.returncode != 0:
            raise RuntimeError(out.stderr[-4000:])

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        with open(self.log, "ab") as log:
            command = [sys.executable, "-m", "gunicorn", "gridgov.config.wsgi:application"]
            command += ["--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "4"]
            command += ["--timeout", "120", "--graceful-timeout", "1"]
            self.proc = subprocess.Popen(
                command,
                env=self.env,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited: {self.log.read_text()[-3000:]}")
            if self.up():
                return
            time.sleep(0.3)
        raise RuntimeError(f"the server did not answer: {self.log.read_text()[-3000:]}")

    def up(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the whole process group: no graceful end, requests in flight die with it."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        self.proc = None
