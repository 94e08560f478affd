"""A program under test whose stdout is read line by line without blocking,
and a bounded wait: what the real-process tests of small daemons share."""
import os
import signal
import subprocess
import time


class LineProcess:
    """`args` run with stdout captured; `lines` holds what it printed so far."""

    def __init__(self, args, stderr=subprocess.DEVNULL):
        self.args = [str(a) for a in args]
        self.stderr = stderr
        self.lines = []
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.PIPE, stderr=self.stderr, text=True)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def poll_lines(self):
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return
            self.lines.append(line.strip())

    def stop(self, sig=signal.SIGTERM):
        """Sends `sig`, waits at most 10 s (then kills), and keeps the last lines."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.poll_lines()


def wait_for(predicate, timeout_s=15.0):
    """Polls `predicate` until it holds or `timeout_s` passes; its last answer."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
