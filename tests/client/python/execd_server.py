"""Starts a real bin/execd on 127.0.0.1 for tests and kills it by pid."""

import os
import shutil
import signal
import subprocess
import tempfile
import time

BIN_DIR = os.environ.get("EXECD_BIN_DIR", "")


def binary(name):
    path = os.path.join(BIN_DIR, name)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"{path} not built (EXECD_BIN_DIR={BIN_DIR!r})")
    return path


class ExecdServer:
    """``with ExecdServer("--threads=5") as server: server.target``"""

    def __init__(self, *flags):
        self.flags = list(flags)
        self.process = None
        self.target = None
        self.metrics_target = None
        self._dir = None

    def start(self, timeout=30.0):
        self._dir = tempfile.mkdtemp(prefix="execd-pytest-")
        ready_file = os.path.join(self._dir, "ready")
        self._log_path = os.path.join(self._dir, "server.log")
        with open(self._log_path, "wb") as log:
            self.process = subprocess.Popen(
                [binary("execd"), "--grpc_address=127.0.0.1:0",
                 "--metrics_address=127.0.0.1:0",
                 f"--ready_file={ready_file}", *self.flags],
                stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            addresses = self._read_ready_file(ready_file)
            if "grpc" in addresses and "metrics" in addresses:
                self.target = addresses["grpc"]
                self.metrics_target = addresses["metrics"]
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"execd exited early:\n{self.log()}")
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"execd did not become ready:\n{self.log()}")

    @staticmethod
    def _read_ready_file(path):
        try:
            with open(path) as ready:
                lines = ready.read().splitlines()
        except FileNotFoundError:
            return {}
        return dict(line.split("=", 1) for line in lines if "=" in line)

    def log(self):
        try:
            with open(self._log_path, errors="replace") as log:
                return log.read()
        except OSError:
            return ""

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()
