#!/usr/bin/env bash
# Build the daachorse peer (release: lto, codegen-units=1) and print the
# binary's path on stdout. Builds offline from the cargo cache when it can,
# otherwise fetches the locked dependencies (cargo fetch --locked) first.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
cargo="${CARGO:-}"
if [[ -z "$cargo" ]]; then
  if command -v cargo >/dev/null 2>&1; then cargo=cargo
  elif [[ -x "$HOME/.cargo/bin/cargo" ]]; then cargo="$HOME/.cargo/bin/cargo"
  else echo "build.sh: cargo not found (set CARGO=/path/to/cargo)" >&2; exit 1
  fi
fi
if ! "$cargo" build --release --locked --offline >&2 2>/dev/null; then
  "$cargo" fetch --locked >&2
  "$cargo" build --release --locked --offline >&2
fi
target_dir="${CARGO_TARGET_DIR:-$here/target}"
bin="$target_dir/release/peer-daachorse"
[[ -x "$bin" ]] || { echo "build.sh: $bin was not built" >&2; exit 1; }
echo "$bin"
