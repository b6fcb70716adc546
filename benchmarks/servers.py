"""Starting the measured apps as real server processes, and stopping every one of them.

Each server runs in a process group of its own, so stopping it also stops its workers, and
only processes this benchmark started are ever signalled.
"""

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class ServerFailed(RuntimeError):
    """A server exited or did not answer in time; the message ends with its log."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One app under granian, on 127.0.0.1 and a free port, logging to `log_path`."""

    def __init__(
        self, command: Sequence[str], *, port: int, env: dict[str, str], log_path: Path
    ) -> None:
        self.port = port
        self.command = list(command)
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, ready_path: str, timeout: float = 60) -> "Server":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerFailed(f"{self.command[0]} exited.\n{self.log_tail()}")
            if self._answers(ready_path):
                return self
            time.sleep(0.2)
        raise ServerFailed(f"No answer on {ready_path} after {timeout:.0f} s.\n{self.log_tail()}")

    def _answers(self, path: str) -> bool:
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answered, if not with 200: the scenario check tells more
        except OSError:
            return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
        except ProcessLookupError:
            return
        # Whatever is left of the group (a worker that outlived its parent, or all of them
        # after the timeout) is killed outright.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])
