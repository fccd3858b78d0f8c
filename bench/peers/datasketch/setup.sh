#!/usr/bin/env bash
# Install the datasketch peer's requirements if `import datasketch` fails.
# PYTHON selects the interpreter (default python3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
py="${PYTHON:-python3}"
if ! "$py" -c 'import datasketch' 2>/dev/null; then
  "$py" -m pip install -q -r "$here/requirements.txt" >&2
  "$py" -c 'import datasketch' || { echo "setup.sh: datasketch still not importable" >&2; exit 1; }
fi
echo "datasketch present: $("$py" -c 'import importlib.metadata as m; print(m.version("datasketch"))')" >&2
