#!/usr/bin/env python3
"""newsflow benchmark peer: pyahocorasick (ahocorasick.Automaton over Python str).

CLI (common peer contract, see ../README.md):
  run.py --patterns FILE --docs FILE [--iterations N] [--dump-matches OUT]
Harness-specific extra (not part of the contract):
  --variant single|split   (default: single)

Variants:
* single (default): ONE automaton whose keys are the keywords with ASCII
  letters lowered (A-Z only), scanned over the ASCII-lowered document.
  A hit of a case-sensitive keyword that contains ASCII letters is verified
  against the original document text. Keywords that lower to the same key
  share one automaton entry (a tuple of patterns).
* split: TWO automata, the case-sensitive keywords scanned over the original
  document, the caseless ones over the ASCII-lowered document.

ASCII-only lowering is doc.encode().lower().decode(): bytes.lower() folds
A-Z only (str.lower() would also fold e.g. full-width letters, Greek,
Roman numerals, and can change the length of the string), and is about 5x
faster than str.translate() on CJK text. It runs inside the timed loop.

Matching is on code points; for valid UTF-8 text and keywords this is the
same as byte matching (UTF-8 is self-synchronizing), and the word-boundary
test on the neighbouring code point is the same as on the neighbouring byte
(a non-ASCII code point is encoded as bytes >= 0x80, never [A-Za-z0-9]).
"""
import json
import sys
import time

try:
    import ahocorasick
except ImportError:  # pragma: no cover
    sys.exit("run.py: the pyahocorasick package is missing; run setup.sh "
             "(pip install -r requirements.txt)")

ENGINE = "pyahocorasick"
WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
USAGE = ("usage: run.py --patterns PATTERNS_FILE --docs DOCS_FILE [--iterations N] "
         "[--dump-matches OUT_FILE] [--variant single|split]")


def die(msg):
    sys.stderr.write(f"run.py: {msg}\n{USAGE}\n")
    sys.exit(2)


def parse_args(argv):
    opts = {"patterns": None, "docs": None, "iterations": "5",
            "dump-matches": None, "variant": "single"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-h", "--help"):
            print(USAGE)
            sys.exit(0)
        if not a.startswith("--"):
            die(f"unknown argument: {a}")
        key, eq, val = a[2:].partition("=")
        if key not in opts:
            die(f"unknown argument: {a}")
        if not eq:
            i += 1
            if i >= len(argv):
                die(f"--{key} needs a value")
            val = argv[i]
        opts[key] = val
        i += 1
    for req in ("patterns", "docs"):
        if opts[req] is None:
            die(f"--{req} is required")
    try:
        opts["iterations"] = int(opts["iterations"])
        if opts["iterations"] < 1:
            raise ValueError
    except ValueError:
        die(f"bad --iterations: {opts['iterations']}")
    if opts["variant"] not in ("single", "split"):
        die(f"bad --variant: {opts['variant']}")
    return opts


def read_lines(path):
    """Lines split on b'\\n' (a final empty piece is dropped), as bytes."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        die(f"cannot read {path}: {e}")
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return lines


def ascii_lower(s):
    return s.encode("utf-8").lower().decode("utf-8")


def has_ascii_letter(s):
    return any(c in WORD and not c.isdigit() for c in s)


def load_patterns(path):
    pats = []  # (keyword str, caseless, boundary)
    for n, line in enumerate(read_lines(path)):
        if line.endswith(b"\r"):
            line = line[:-1]
        flags, tab, kw = line.partition(b"\t")
        if not tab:
            die(f"{path}:{n}: expected FLAGS<TAB>KEYWORD")
        if not kw:
            die(f"{path}:{n}: empty keyword")
        caseless = boundary = False
        for c in flags.decode("ascii", "replace"):
            if c == "i":
                caseless = True
            elif c == "b":
                boundary = True
            elif c != "-":
                die(f"{path}:{n}: unknown flag {c!r}")
        try:
            kws = kw.decode("utf-8")
        except UnicodeDecodeError:
            die(f"{path}:{n}: keyword is not valid UTF-8")
        pats.append((kws, caseless, boundary))
    if not pats:
        die(f"{path}: no patterns")
    return pats


def build_automaton(entries):
    """entries: list of (key, (pid, verify, boundary, klen, original)).
    Returns an Automaton whose value for each key is a tuple of entries."""
    grouped = {}
    for key, ent in entries:
        grouped.setdefault(key, []).append(ent)
    A = ahocorasick.Automaton(ahocorasick.STORE_ANY, ahocorasick.KEY_STRING)
    for key, ents in grouped.items():
        A.add_word(key, tuple(ents))
    A.make_automaton()
    return A


def build(pats, variant):
    """Returns a list of (automaton, fold): fold = scan the ASCII-lowered doc."""
    if variant == "single":
        entries = []
        fold = False
        for pid, (kw, caseless, boundary) in enumerate(pats):
            alpha = has_ascii_letter(kw)
            if alpha:
                fold = True  # some key was lowered: scan the lowered doc
            verify = alpha and not caseless
            entries.append((ascii_lower(kw), (pid, verify, boundary, len(kw), kw)))
        return [(build_automaton(entries), fold)]
    autos = []
    for want_caseless in (False, True):
        entries = []
        for pid, (kw, caseless, boundary) in enumerate(pats):
            if caseless == want_caseless:
                key = ascii_lower(kw) if caseless else kw
                entries.append((key, (pid, False, boundary, len(kw), kw)))
        if entries:
            autos.append((build_automaton(entries), want_caseless))
    return autos


def scan_all(autos, docs, emit=None):
    """One full pass; returns the number of distinct (doc, pattern) pairs.
    emit(doc_index, pattern_id) is called per distinct pair when given."""
    word = WORD
    count = 0
    for di, doc in enumerate(docs):
        seen = set()
        low = None
        n = len(doc)
        for A, fold in autos:
            if fold:
                if low is None:
                    low = doc.encode("utf-8").lower().decode("utf-8")
                text = low
            else:
                text = doc
            for end, ents in A.iter(text):
                for pid, verify, boundary, klen, kw in ents:
                    if pid in seen:
                        continue
                    start = end - klen + 1
                    if verify and doc[start:end + 1] != kw:
                        continue
                    if boundary and ((start > 0 and doc[start - 1] in word) or
                                     (end + 1 < n and doc[end + 1] in word)):
                        continue
                    seen.add(pid)
        count += len(seen)
        if emit is not None:
            for pid in seen:
                emit(di, pid)
    return count


def fnum(x):
    return x if x == x and x not in (float("inf"), float("-inf")) else None


def main(argv):
    o = parse_args(argv)

    # ---- load (untimed) ----
    pats = load_patterns(o["patterns"])
    raw = read_lines(o["docs"])
    total_bytes = sum(len(b) for b in raw)  # UTF-8 bytes, as the C++/Rust peers count
    try:
        docs = [b.decode("utf-8") for b in raw]
    except UnicodeDecodeError as e:
        die(f"{o['docs']}: not valid UTF-8: {e}")
    del raw

    # ---- build (timed separately) ----
    t0 = time.perf_counter()
    autos = build(pats, o["variant"])
    build_seconds = time.perf_counter() - t0

    # ---- scan: N full passes, best one reported ----
    best = float("inf")
    pairs = None
    for _ in range(o["iterations"]):
        t = time.perf_counter()
        n = scan_all(autos, docs)
        secs = time.perf_counter() - t
        if pairs is not None and n != pairs:
            die(f"pair count changed between iterations: {pairs} vs {n}")
        pairs = n
        best = min(best, secs)

    # ---- optional dump (untimed, separate pass) ----
    if o["dump-matches"]:
        out = []
        n = scan_all(autos, docs, lambda d, p: out.append((d, p)))
        assert n == pairs
        out.sort()
        try:
            with open(o["dump-matches"], "w", encoding="ascii", newline="\n") as w:
                w.writelines(f"{d}\t{p}\n" for d, p in out)
        except OSError as e:
            die(f"cannot write {o['dump-matches']}: {e}")

    kind = "Automaton(str, %s)" % ("+".join("folded" if f else "exact" for _, f in autos))
    result = {
        "engine": ENGINE,
        "kind": kind,
        "variant": o["variant"],
        "pyahocorasick": getattr(ahocorasick, "__version__", None) or _dist_version(),
        "python": sys.version.split()[0],
        "docs": len(docs),
        "bytes": total_bytes,
        "patterns": len(pats),
        "iterations": o["iterations"],
        "build_seconds": build_seconds,
        "seconds": best,
        "bytes_per_second": fnum(total_bytes / best) if best > 0 else None,
        "items_per_second": fnum(len(docs) / best) if best > 0 else None,
        "pairs": pairs,
    }
    print(json.dumps(result, ensure_ascii=False))


def _dist_version():
    try:
        from importlib.metadata import version
        return version("pyahocorasick")
    except Exception:
        return None


if __name__ == "__main__":
    main(sys.argv[1:])
