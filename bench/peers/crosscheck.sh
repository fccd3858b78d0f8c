#!/usr/bin/env bash
# Run both peers with --dump-matches on the same files and diff their pairs.
#
# usage: crosscheck.sh [options] PATTERNS_FILE DOCS_FILE
#   --iterations N     timed iterations per peer (default 1: this is a check)
#   --all-variants     also run each peer's --variant split (default: single only)
#   --reference        also compare with reference.py (naive bytes.find, slow-ish)
#   --expect FILE      also compare with an expected dump (e.g. data/boundary.expected)
#   --keep DIR         keep dumps and JSON in DIR (default: a temp dir, removed)
# Exit 0 when every dump is identical, 1 when any differs, 2 on usage/build errors.
# Each peer's JSON line is printed to stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
iters=1 variants=(single) reference=0 expect="" keep=""
usage() { sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
while [[ $# -gt 0 ]]; do
  case "$1" in
    --iterations) iters="$2"; shift 2 ;;
    --all-variants) variants=(single split); shift ;;
    --reference) reference=1; shift ;;
    --expect) expect="$2"; shift 2 ;;
    --keep) keep="$2"; shift 2 ;;
    -h|--help) usage ;;
    --*) echo "crosscheck.sh: unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
[[ $# -eq 2 ]] || usage
patterns="$1" docs="$2"
[[ -r "$patterns" && -r "$docs" ]] || { echo "crosscheck.sh: cannot read $patterns or $docs" >&2; exit 2; }

if [[ -n "$keep" ]]; then out="$keep"; mkdir -p "$out"
else out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT; fi

rust_bin="$("$here/aho-corasick-rust/build.sh")" || { echo "crosscheck.sh: rust build failed" >&2; exit 2; }
"$here/pyahocorasick/setup.sh" || { echo "crosscheck.sh: pyahocorasick setup failed" >&2; exit 2; }
py="${PYTHON:-python3}"

dumps=()
for v in "${variants[@]}"; do
  "$rust_bin" --patterns "$patterns" --docs "$docs" --iterations "$iters" \
    --variant "$v" --dump-matches "$out/rust-$v.tsv" | tee "$out/rust-$v.json"
  dumps+=("$out/rust-$v.tsv")
  "$py" "$here/pyahocorasick/run.py" --patterns "$patterns" --docs "$docs" --iterations "$iters" \
    --variant "$v" --dump-matches "$out/py-$v.tsv" | tee "$out/py-$v.json"
  dumps+=("$out/py-$v.tsv")
done
if [[ "$reference" == 1 ]]; then
  "$py" "$here/reference.py" "$patterns" "$docs" "$out/reference.tsv"
  dumps+=("$out/reference.tsv")
fi
if [[ -n "$expect" ]]; then
  dumps+=("$expect")
fi

base="${dumps[0]}" status=0
for d in "${dumps[@]:1}"; do
  if ! diff -q "$base" "$d" >/dev/null; then
    echo "DIFFER: $(basename "$base") vs $d" >&2
    diff "$base" "$d" | head -20 >&2 || true
    status=1
  fi
done
if [[ $status == 0 ]]; then
  echo "crosscheck: ${#dumps[@]} dumps agree ($(wc -l < "$base") pairs)" >&2
fi
exit $status
