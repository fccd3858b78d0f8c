#!/usr/bin/env bash
# `deploy/quickstart.sh` when the build fails: it exits non-zero and shows
# the build's own output (where the compiler's error is), not only that it
# failed. The build is a stand-in: a `cmake` first on PATH that configures
# fine and fails the build with a line on stdout, as ninja reports a
# compiler error.
#
#   quickstart_build_failure_test.sh SOURCE_DIR
set -euo pipefail
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
marker="fake.cc:12:3: error: QUICKSTART-BUILD-FAILURE-$$"
cat >"$tmp/bin/cmake" <<SHIM
#!/bin/sh
case " \$* " in
  *" --build "*) echo "[1/2] Building CXX object fake.cc.o"; echo "$marker"; exit 1 ;;
esac
exit 0
SHIM
chmod +x "$tmp/bin/cmake"
rc=0
PATH="$tmp/bin:$PATH" BUILD_DIR="$tmp/build" "$src/deploy/quickstart.sh" >"$tmp/out" 2>&1 || rc=$?
if [[ $rc == 0 ]]; then cat "$tmp/out"; echo "FAIL: quickstart exited 0 after a failed build"; exit 1; fi
if ! grep -qF "$marker" "$tmp/out"; then
  cat "$tmp/out"; echo "FAIL: the build's error is not shown (exit $rc)"; exit 1
fi
echo "ok: exit $rc, the build's error shown"
