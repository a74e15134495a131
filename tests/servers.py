"""The real servers the tests start and stop on 127.0.0.1: `rag serve`, `chroma run` and
`python -m llama_cpp.server`, each in a subprocess on a free port, ready when it answers HTTP."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx

from .conftest import ROOT

CHROMA = Path(sys.executable).with_name("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    """A command in a subprocess, waited for until `ready` answers (with a success status when
    `ok_only`), or stopped with an error when it exits or `wait_s` passes."""

    name = "the server"
    _out: IO[str] | None = None

    def _start(
        self, cmd: list[str], ready: str, wait_s: float, ok_only: bool = True, cwd: Path = ROOT
    ) -> None:
        out = self._out or subprocess.DEVNULL
        err = subprocess.STDOUT if self._out else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.output()}")
            try:
                r = httpx.get(ready, timeout=2)
                if ok_only:
                    r.raise_for_status()
                return
            except httpx.HTTPError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {self.output()}")

    def output(self) -> str:
        return ""

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        if self._out:
            self._out.close()


class Server(ServerProcess):
    """`rag serve` on `index`, its output in `log`."""

    name = "rag serve"

    def __init__(self, index: Path, log: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        cmd = [sys.executable, "-m", "rag.cli", "serve", "--index", str(index)]
        self._out = log.open("w")
        self._start([*cmd, "--port", str(self.port), *extra], self.url, 300, ok_only=False)

    def output(self) -> str:
        return self.log.read_text()


class ChromaServer(ServerProcess):
    """`chroma run` over the folder `path`."""

    name = "chroma run"

    def __init__(self, path: Path, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        cmd = [str(CHROMA), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
        self._start(cmd, f"{self.url}/api/v2/heartbeat", 60)


class LlamaServer(ServerProcess):
    """`python -m llama_cpp.server` serving `model`."""

    name = "python -m llama_cpp.server"

    def __init__(self, model: Path, logits_all: bool, *extra: str) -> None:
        port = free_port()
        self.url = f"http://127.0.0.1:{port}/v1"
        # The same context, threads and seed as in process, so the numbers can be compared.
        cmd = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
               "127.0.0.1", "--port", str(port), "--n_ctx", "4096", "--seed", "0",
               "--n_threads", "2", "--n_threads_batch", "2",
               "--logits_all", str(logits_all).lower(), *extra]  # fmt: skip
        self._start(cmd, f"{self.url}/models", 120)
