"""What the HTTP tests share: failing with a message, checking, and running
the newsflow binary (argv[1] of the test) expecting success."""
import subprocess
import sys


def fail(msg):
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
