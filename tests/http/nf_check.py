"""What the HTTP tests share: failing with a message, checking, running
the newsflow binary (argv[1] of the test) expecting success, and starting
processes that a failing check does not leave running."""
import atexit
import subprocess
import sys

_started = []


def spawn(argv, **kwargs):
    """subprocess.Popen, killed at exit if still running: a failed check
    exits the test at once, and its servers must not outlive it (ctest
    would report the failure and leave them listening)."""
    proc = subprocess.Popen(argv, **kwargs)
    _started.append(proc)
    return proc


@atexit.register
def _kill_started():
    for proc in _started:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def fail(msg):
    _kill_started()  # before the test's temporary directory is removed on the way out
    sys.exit("FAIL: " + msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def cli(*args):
    """stdout of `newsflow ARGS`; fails the test when it does not exit 0."""
    r = subprocess.run([sys.argv[1], *args], capture_output=True)
    if r.returncode != 0:
        fail(f"newsflow {' '.join(args)} exited {r.returncode}: {r.stderr.decode(errors='replace')}")
    return r.stdout.decode()
