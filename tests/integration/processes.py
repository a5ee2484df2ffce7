"""Starting the services as real uvicorn processes on free loopback ports."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.cli import invoke_json, service_env
from tests.live import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[2]


def run_cli(service: str, settings: dict[str, Any], *args: str) -> Any:
    """The service's command line (migrate, seed, add-client…) run in this process: its JSON."""
    return invoke_json(service, settings, *args)


class ServiceProcess:
    def __init__(
        self, service: str, settings: dict[str, Any], log_path: Path, *, prefix: Sequence[str] = ()
    ) -> None:
        """``prefix``: a command the service runs under, e.g. ``taskset -c 0`` (the benchmarks pin it)."""
        self.service = service
        self.prefix = list(prefix)
        self.settings = dict(settings)
        self.port = int(self.settings.setdefault("port", free_port()))
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, migrate: bool = True) -> None:
        args = [
            *self.prefix,
            sys.executable,
            "-m",
            self.service,
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if migrate:
            args.append("--migrate")
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args, env=service_env(self.service, self.settings), stdout=log, stderr=log, cwd=ROOT
            )
        try:
            # the bound only stops a hang: a loaded machine (CI beside other jobs) may need minutes
            wait_ready(f"{self.base_url}/readyz", timeout=180)
        except RuntimeError:
            self.stop()
            raise RuntimeError(
                f"{self.service} did not start:\n{self.log_path.read_text()[-4000:]}"
            ) from None

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def started(*processes: ServiceProcess) -> Iterator[None]:
    try:
        for proc in processes:
            proc.start()
        yield
    finally:
        for proc in reversed(processes):
            proc.stop()
