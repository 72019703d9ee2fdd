"""``gridgov demo build`` and ``gridgov demo serve``.

build: migrate the database and build the Huizhou demo city (idempotent; ``--reset`` rebuilds it).
serve: the web server (gunicorn) and a background worker (Celery with its beat, on the embedded filesystem
broker unless ``CELERY_BROKER_URL`` says otherwise) on 127.0.0.1:8000; Ctrl-C, SIGTERM or SIGHUP to serve stops
both cleanly, with what they started (gunicorn's workers, the embedded beat).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "构建并运行惠州演示城市 / Build and serve the Huizhou demo city."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        build = sub.add_parser("build", help="migrate and build the demo city (idempotent)")
        build.add_argument("--reset", action="store_true", help="delete the demo data and build it again")
        build.add_argument("--no-progress", action="store_true", help="no progress bar")
        serve = sub.add_parser("serve", help="serve the demo: web server and background worker")
        serve.add_argument("--host", default="127.0.0.1")
        serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        serve.add_argument("--workers", type=int, default=2, help="web server processes")
        serve.add_argument("--no-worker", action="store_true", help="do not start the background worker")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "build":
            self.build(reset=options["reset"], progress=not options["no_progress"])
        else:
            self.serve(options["host"], options["port"], options["workers"], not options["no_worker"])

    def build(self, *, reset: bool, progress: bool) -> None:
        from gridgov.demo.build import build_demo

        self.stdout.write("==> 数据库迁移 / migrating the database")
        call_command("migrate", interactive=False, verbosity=0)
        started = time.monotonic()
        summary = build_demo(reset=reset, progress=progress, stdout=self.stdout)
        self.stdout.write(
            self.style.SUCCESS(f"==> 演示城市就绪 / demo city ready ({time.monotonic() - started:.0f} s)")
        )
        self.stdout.write(str(summary))

    def serve(self, host: str, port: int, workers: int, with_worker: bool) -> None:
        from gridgov.config.celery import ensure_broker_dirs

        call_command("migrate", interactive=False, verbosity=0, check_unapplied=False)
        call_command("collectstatic", interactive=False, verbosity=0)
        ensure_broker_dirs()
        python = sys.executable
        web = [
            python,
            "-m",
            "gunicorn",
            "gridgov.config.wsgi",
            "--bind",
            f"{host}:{port}",
            "--workers",
            str(workers),
            "--threads",
            "4",
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "5",
        ]
        schedule = str(settings.DATA_DIR / "celerybeat-schedule")
        worker = [
            python,
            "-m",
            "celery",
            "-A",
            "gridgov.config",
            "worker",
            "--beat",
            "--schedule",
            schedule,
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
        ]

        stopping = False

        def stop(signum: int, frame: Any) -> None:
            nonlocal stopping
            stopping = True

        # Before the first child starts: SIGTERM (systemd, docker stop, kill), SIGHUP (the terminal closed) and
        # Ctrl-C all stop the children too; left to their default, they would end serve alone and orphan them.
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, stop)
        children: list[subprocess.Popen[bytes]] = []
        try:
            for command in [web, worker] if with_worker else [web]:
                if not stopping:
                    # Each child leads its own process group, so that stopping it reaches what it started itself
                    # (gunicorn's workers, the worker's embedded beat). Ctrl-C reaches serve, which stops them.
                    children.append(subprocess.Popen(command, process_group=0))
            if not stopping:
                self.print_banner(host, port)
            while not stopping:
                for child in children:
                    if child.poll() is None:
                        continue
                    stopping = True
                    self.stderr.write(f"a child process exited with {child.returncode}; stopping")
                time.sleep(0.5)
        finally:
            for child in children:
                if child.poll() is None:
                    _signal_group(child, signal.SIGTERM)
            deadline = time.monotonic() + 15
            for child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    _signal_group(child, signal.SIGKILL)
                    child.wait()
            for child in children:
                _signal_group(child, signal.SIGKILL)  # anything its leader left behind
            self.stdout.write("==> 已停止 / stopped")
        failed = [c for c in children if c.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise CommandError("a child process failed")

    def print_banner(self, host: str, port: int) -> None:
        try:
            from gridgov.demo.build import DEMO_ACCOUNTS
        except ImportError:
            DEMO_ACCOUNTS = []
        lines = [
            "",
            f"gridgov 演示城市(惠州) / demo city: http://{host}:{port}/",
            f"API docs: http://{host}:{port}/api/docs/   admin: http://{host}:{port}/admin/",
            "演示账号 / demo accounts:",
        ]
        lines += [f"  {user:<14} {password:<20} {role}  {scope}" for user, password, role, scope in DEMO_ACCOUNTS]
        lines.append("按 Ctrl-C 停止 / press Ctrl-C to stop")
        self.stdout.write("\n".join(str(line) for line in lines))


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    """Signal the process group ``child`` leads (it and what it started), if any of it is still there."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)
