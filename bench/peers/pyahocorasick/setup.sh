#!/usr/bin/env bash
# Install the pyahocorasick peer's requirements if `import ahocorasick` fails.
# PYTHON selects the interpreter (default python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
if "$py" -c 'import ahocorasick' 2>/dev/null; then
  echo "pyahocorasick present: $("$py" -c 'import importlib.metadata as m; print(m.version("pyahocorasick"))')" >&2
else
  "$py" -m pip install -q -r "$here/requirements.txt" >&2
  "$py" -c 'import ahocorasick' || { echo "setup.sh: pyahocorasick still not importable" >&2; exit 1; }
fi
