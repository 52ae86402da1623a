"""`tracker serve` in a subprocess on a free loopback port, for end-to-end tests."""

import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.request

from tests.helpers import backend_url

SECRET_KEY = "live-server-test-secret-0123456789abcdef"
WEBHOOK_SECRET = "whsec-live-test"


def free_port(host="127.0.0.1"):
    """A port on `host` (a loopback address) nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class LiveServer:
    """Start `python -m tracker serve` on a database of its own and collect its output."""

    def __init__(self, folder, *, host="127.0.0.1", workers=1, threads=4, **env):
        self.folder, self.host, self.workers, self.threads = folder, host, workers, threads
        self.port = free_port(host)
        self.url = f"http://{host}:{self.port}"
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
        self.env = {
            **inherited, "PYTHONUNBUFFERED": "1", "TRACKER_INSTANCE": str(folder),
            "TRACKER_DATABASE_URL": backend_url(folder, "tracker.db"),
            "TRACKER_SECRET_KEY": SECRET_KEY, "TRACKER_WEBHOOK_SECRETS": WEBHOOK_SECRET, **env,
        }
        self.lines, self.process = [], None

    def command(self, *args, stdin=None):
        """Run another `tracker` command against the same database; return its stdout."""
        done = subprocess.run([sys.executable, "-m", "tracker", *args], env=self.env, input=stdin,
                              capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise RuntimeError(f"tracker {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        return done.stdout

    def start(self, timeout=60):
        """Serve, and return once /healthz answers."""
        self.lines = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "serve", "--host", self.host, "--port",
             str(self.port), "--workers", str(self.workers), "--threads", str(self.threads)],
            env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        self.reader = threading.Thread(target=self._collect, daemon=True)
        self.reader.start()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("tracker serve exited:\n" + self.output)
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("tracker serve did not answer:\n" + self.output)

    def _collect(self):
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self):
        return "".join(self.lines)

    def admin_password(self):
        """The one-time admin password printed at first start, or None."""
        found = re.search(r"dashboard login (\S+); its password.*\n\s+(\S+)", self.output)
        return found and (found.group(1), found.group(2))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            self.reader.join(timeout=5)  # the pipe ends with the process
            self.process.stdout.close()
