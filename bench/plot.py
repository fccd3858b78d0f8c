#!/usr/bin/env python3
"""Plots and tables from bench/results/latest.json.

usage: plot.py LATEST_JSON OUT_DIR

Writes OUT_DIR/{engines,sweep-rules,sweep-doclen,sweep-threads-density,stages,watchlist}.png
and OUT_DIR/tables.md (the tables of bench/RESULTS.md: MB/s, docs/s and the
ratio of the project's matcher to each engine; entries that did not run are
listed with their reason in a last table, "Not run, and why").
"""
import json
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

CORPORA = ["cls", "eastmoney", "ths", "fincuge", "long"]
ENGINES = ["hyperscan", "hyperscan-utf8", "hyperscan-literal", "literal-tier", "hyperscan-batched", "aho-corasick-rust", "daachorse",
           "re2set", "pyahocorasick", "pcre2-jit", "naive"]
SWEEP_ENGINES = ["hyperscan", "literal-tier", "hyperscan-batched", "aho-corasick-rust", "daachorse", "re2set",
                 "pyahocorasick", "pcre2-jit", "naive"]
# Watch lists: engine -> the row of the same engine on the comparison keywords
# alone over cls (the list's n = 0).
WATCHLIST_ENGINES = {"hyperscan": "match/hyperscan/cls", "hyperscan-utf8": "match/hyperscan-utf8/cls", "literal-tier": "match/literal-tier/cls",
                     "hyperscan-batched": "match/hyperscan-batched/cls", "scan+evaluate": "stage/scan+evaluate/cls",
                     "scan+evaluate-tier": None, "aho-corasick-rust": "match/aho-corasick-rust/cls",
                     "daachorse": "match/daachorse/cls"}
# CompileOptions::kDefaultLiteralTierFrom: from this many literals the
# pipeline's CompiledRules puts them in the literal tier.
LITERAL_TIER_FROM = 80000
PEERS_OF_TARGET = ["re2set", "pyahocorasick", "aho-corasick-rust", "pcre2-jit", "naive"]
COLORS = {"hyperscan": "#1f77b4", "hyperscan-utf8": "#9ecae1", "hyperscan-literal": "#6baed6", "hyperscan-batched": "#08306b",
          "aho-corasick-rust": "#d62728", "daachorse": "#e377c2", "re2set": "#2ca02c", "scan+evaluate": "#17becf", "pyahocorasick": "#ff7f0e",
          "literal-tier": "#8c564b", "scan+evaluate-tier": "#bcbd22",
          "pcre2-jit": "#9467bd", "naive": "#7f7f7f", "memchr": "#000000"}


def load(path):
    with open(path) as f:
        doc = json.load(f)
    by = {}
    for b in doc["benchmarks"]:
        name = re.sub(r"/(real_time|manual_time)(?=/|$)", "", b["name"])
        by[name] = b
    return doc["context"], by


def mbs(b):
    return b["bytes_per_second"] / 1e6 if b and "not_run" not in b and b.get("bytes_per_second") else None


def ips(b):
    return b["items_per_second"] if b and "not_run" not in b and b.get("items_per_second") else None


def cell(b, fmt="{:,.1f}"):
    if b is None:
        return "–"
    if "not_run" in b:
        return "not run"
    v = mbs(b)
    return fmt.format(v) if v is not None else "–"


def tables(ctx, by):
    out = []
    inp = ctx.get("inputs") or {}
    kw = inp.get("keywords", {})
    out.append(f"Run: {ctx.get('date', '?')}, quick={ctx.get('quick')}, CPU {ctx.get('cpu_model')}, "
               f"{ctx.get('num_cpus')} cores; load average before {ctx.get('load_avg_before')}, "
               f"after {ctx.get('load_avg_after')}.\n")
    if kw:
        out.append(f"Keyword set: {kw.get('compared')} of the {kw.get('distinct')} distinct keywords of "
                   f"{kw.get('rules')} rules (left out: {kw.get('left_out_regex')} regex, "
                   f"{kw.get('left_out_one_sided_boundary')} with one ASCII end).\n")
    # Engines: MB/s
    out.append("### Match engines, MB/s (10^6 bytes of normalized title+body per second, one core)\n")
    out.append("| engine | " + " | ".join(CORPORA) + " |")
    out.append("|---|" + "---:|" * len(CORPORA))
    for e in ENGINES:
        out.append(f"| {e} | " + " | ".join(cell(by.get(f"match/{e}/{c}")) for c in CORPORA) + " |")
    for ce in ("memchr", "memcpy"):
        out.append(f"| *{ce} (ceiling)* | " + " | ".join(cell(by.get(f"ceiling/{ce}/{c}"), "{:,.0f}") for c in CORPORA) + " |")
    out.append("")
    out.append("### Ratio: hyperscan (the project's matcher) / engine, same bytes, same run\n")
    out.append("| engine | " + " | ".join(CORPORA) + " |")
    out.append("|---|" + "---:|" * len(CORPORA))
    for e in ENGINES[1:]:
        row = []
        for c in CORPORA:
            h, p = mbs(by.get(f"match/hyperscan/{c}")), mbs(by.get(f"match/{e}/{c}"))
            row.append(f"{h / p:.2f}x" if h and p else "–")
        out.append(f"| {e} | " + " | ".join(row) + " |")
    out.append("")
    out.append("### Agreement in the run: distinct (document, keyword) pairs found\n")
    out.append("| engine | " + " | ".join(CORPORA) + " |")
    out.append("|---|" + "---:|" * len(CORPORA))
    for e in ENGINES:
        row = []
        for c in CORPORA:
            b = by.get(f"match/{e}/{c}")
            row.append(f"{int(b['pairs']):,}" if b and "not_run" not in b and b.get("pairs") is not None else "–")
        out.append(f"| {e} | " + " | ".join(row) + " |")
    out.append("")
    # Rule-count sweep
    sizes = sorted({int(k.split("/")[3]) for k in by if k.startswith("sweep/rules/")})
    out.append("### Rule-count sweep (sweep docs: first 4,000 cls items)\n")
    out.append("| engine | patterns | MB/s | compile s | database (peers: automaton heap) bytes | scratch bytes | pairs |")
    out.append("|---|---:|---:|---:|---:|---:|---:|")
    for e in SWEEP_ENGINES:
        for n in sizes:
            b = by.get(f"sweep/rules/{e}/{n}")
            if b is None:
                continue
            if "not_run" in b:
                out.append(f"| {e} | {n:,} | {b['not_run']} | | | | |")
                continue
            db = b.get("db_bytes") or b.get("heap_bytes")
            sc = b.get("scratch_bytes")
            out.append(f"| {e} | {n:,} | {mbs(b):,.1f} | {b.get('build_s') or 0:.3f} | "
                       f"{f'{int(db):,}' if db else 'n/a'} | {f'{int(sc):,}' if sc else 'n/a'} | {int(b.get('pairs') or 0):,} |")
    out.append("")
    # Doc length
    lens = sorted({int(k.split("/")[3]) for k in by if k.startswith("sweep/doclen/")})
    out.append("### Document length sweep: MB/s (ns per document)\n")
    out.append("| engine | " + " | ".join(f"{n:,} B" for n in lens) + " |")
    out.append("|---|" + "---:|" * len(lens))
    for e in ["hyperscan", "hyperscan-batched", "re2set", "memchr"]:
        row = []
        for n in lens:
            b = by.get(f"sweep/doclen/{e}/{n}")
            row.append(f"{mbs(b):,.0f} ({1e9 / ips(b):,.0f})" if mbs(b) else cell(b))
        out.append(f"| {e} | " + " | ".join(row) + " |")
    out.append("")
    out.append("### Threads (each thread scans all of cls; not wall time)\n")
    out.append("MB/s = the bytes of all threads / the mean of the threads' real times (Google Benchmark 1.7.1, "
               "`Threads(2)->UseRealTime()`), not / the wall time of the pass. The threads start together and the "
               "pass ends with the slower one, so the mean is at most the wall time: the 2-thread figure and "
               "the scaling are upper bounds, higher the more unevenly the threads got the cores.\n")
    out.append("| engine | 1 thread MB/s | 2 threads MB/s (all bytes / mean thread real time) | scaling |")
    out.append("|---|---:|---:|---:|")
    for e in ["hyperscan", "hyperscan-batched", "re2set"]:
        a, b = mbs(by.get(f"sweep/threads/{e}/cls/threads:1")), mbs(by.get(f"sweep/threads/{e}/cls/threads:2"))
        out.append(f"| {e} | {a or 0:,.0f} | {b or 0:,.0f} | {b / a if a and b else 0:.2f}x |")
    out.append("")
    out.append("### Hit density (200 CJK n-grams of one frequency band, sweep docs)\n")
    out.append("| engine | rare | medium | dense |")
    out.append("|---|---:|---:|---:|")
    for e in ["hyperscan", "hyperscan-batched", "re2set", "pcre2-jit"]:
        out.append(f"| {e} | " + " | ".join(cell(by.get(f"sweep/density/{e}/{d}")) for d in ("rare", "medium", "dense")) + " |")
    dens = [by.get(f"sweep/density/hyperscan/{d}") for d in ("rare", "medium", "dense")]
    out.append("| *pairs per KB* | " + " | ".join(f"{b['pairs_per_kb']:.2f}" if b and b.get('pairs_per_kb') is not None else "–" for b in dens) + " |")
    out.append("")
    out.append("### What sets the match throughput: subsets of the project's keywords on cls\n")
    out.append("| subset | patterns | hyperscan MB/s | hyperscan-batched MB/s | pairs |")
    out.append("|---|---:|---:|---:|---:|")
    for sub in ("all", "no-2char-cjk", "over-6-bytes", "cjk-only", "ascii-only", "first-206"):
        a, b = by.get(f"sweep/keywords/hyperscan/{sub}"), by.get(f"sweep/keywords/hyperscan-batched/{sub}")
        if a is None:
            continue
        out.append(f"| {sub} | {int(a.get('patterns') or 0):,} | {cell(a)} | {cell(b)} | {int(a.get('pairs') or 0):,} |")
    out.append("")
    out += watchlist_tables(by)
    out += lucene_tables(by)
    # Stages
    out.append("### Stages on cls (one core unless stated)\n")
    out.append("| stage | benchmark | items/s | MB/s |")
    out.append("|---|---|---:|---:|")
    for label, name in STAGES:
        b = by.get(name)
        if name.startswith("e2e/startup") and b and "not_run" not in b:
            out.append(f"| {label} | `{name}` | {b['real_time']:,.0f} ms once per run | |")
            continue
        out.append(f"| {label} | `{name}` | {f'{ips(b):,.0f}' if ips(b) else cell(b)} | {f'{mbs(b):,.1f}' if mbs(b) else '–'} |")
    out.append("")
    out.append("### End to end: CPU cost per item (all threads, RocksDB background work included)\n")
    out.append("| workers | items/s (wall) | CPU µs per item | items/s 2 idle cores could give at that cost |")
    out.append("|---:|---:|---:|---:|")
    for t in (1, 2):
        b = by.get(f"e2e/file-rocksdb/cls/threads:{t}/stories:1")
        if b and "not_run" not in b and b.get("cpu_us_per_item"):
            out.append(f"| {t} | {ips(b):,.0f} | {b['cpu_us_per_item']:.1f} | {b['items_per_s_2cores_bound']:,.0f} |")
    bd = by.get("e2e/breakdown/cls")
    if bd and "not_run" not in bd:
        out.append("")
        out.append("### Where end-to-end time goes (stages run in sequence on one thread, per pass of cls)\n")
        out.append("| stage | seconds | share |")
        out.append("|---|---:|---:|")
        for s in ("read", "decode", "normalize", "match", "prepare", "store"):
            if s + "_s" in bd:
                out.append(f"| {s} | {bd[s + '_s']:.3f} | {bd[s + '_pct']:.1f}% |")
    out.append("")
    out += not_run_table(by)
    return "\n".join(out)


def not_run_table(by):
    """Every entry that did not run, with its reason (the tables above show
    only "not run", or leave the entry out: story/datasketch, a peer that could
    not be built), one row per reason."""
    reasons = {}
    for name, b in by.items():
        if "not_run" in b:
            reasons.setdefault(b["not_run"] or "not run", []).append(name)
    if not reasons:
        return []
    out = ["### Not run, and why\n", "| reason | entries |", "|---|---|"]
    for why, names in sorted(reasons.items(), key=lambda kv: sorted(kv[1])[0]):
        why = why.replace("|", "\\|")
        out.append(f"| {why} | {', '.join(f'`{n}`' for n in sorted(names))} |")
    out.append("")
    return out


def fmt_bytes(v):
    return f"{v / 1e6:,.1f} MB" if v else "n/a"


def watchlist_sizes(by):
    return sorted({int(k.split("/")[2]) for k in by if k.startswith("watchlist/")})


def watchlist_tables(by):
    out = []
    sizes = watchlist_sizes(by)
    if not sizes:
        return out
    out.append("### Watch lists: real rule set + n company-name-like literals, all of cls\n")
    out.append("n = 0 is the engine's row on the comparison keywords alone (`match/<engine>/cls`, "
               "`stage/scan+evaluate/cls`). Memory: Hyperscan's database bytes (`db`) and the heap the build "
               "left (`heap`: database + rule tables); the peers' automaton heap (crate figure) and the peak RSS "
               "of their build over the RSS before it.\n")
    out.append("| engine | n | patterns | MB/s | docs/s | build s | memory | peak RSS of the build | pairs (tags) |")
    out.append("|---|---:|---:|---:|---:|---:|---|---:|---:|")
    for e, base in WATCHLIST_ENGINES.items():
        for n in [0] + sizes:
            b = by.get(base if n == 0 else f"watchlist/{e}/{n}") if (n or base) else None
            if b is None:
                continue
            if "not_run" in b:
                out.append(f"| {e} | {n:,} | | {b['not_run']} | | | | | |")
                continue
            if e.startswith("hyperscan") or e == "literal-tier":
                mem = f"db {fmt_bytes(b.get('db_bytes'))}" + (f", heap {fmt_bytes(b.get('heap_bytes'))}" if n and b.get("heap_bytes") else "")
            elif e.startswith("scan+evaluate"):
                mem = "as literal-tier" if e.endswith("-tier") else "as hyperscan"
            else:
                mem = f"heap {fmt_bytes(b.get('heap_bytes'))}"
            pk = b.get("build_peak_rss_bytes") or 0
            # In the benchmark process the allocator reuses memory freed by
            # earlier builds: a lower bound there, shown only when >= 1 MB.
            peak = "" if not n or e.startswith("scan") or pk < 1e6 else (
                ("≥ " if e.startswith("hyperscan") or e == "literal-tier" else "") + fmt_bytes(pk))
            pairs = b.get("pairs") if b.get("pairs") is not None else b.get("tags")
            pats = b.get("patterns")
            out.append(f"| {e} | {n:,} | {f'{int(pats):,}' if pats else ''} | {mbs(b):,.1f} | {ips(b):,.0f} | "
                       f"{'' if e.startswith('scan+evaluate') else format(b.get('build_s') or 0, '.3f')} | {mem} | {peak} | {f'{int(pairs):,}' if pairs is not None else ''} |")
    out.append("")

    def ours(n):
        """The pipeline's own CompiledRules with its default options: Hyperscan
        below LITERAL_TIER_FROM literals, the literal tier from there on."""
        if n == 0:
            return "hyperscan", by.get("match/hyperscan/cls")
        h = by.get(f"watchlist/hyperscan/{n}")
        pats = (h or {}).get("patterns") or 0
        e = "literal-tier" if pats >= LITERAL_TIER_FROM else "hyperscan"
        return e, by.get(f"watchlist/{e}/{n}")

    out.append(f"Ratio ours / engine, MB/s, same run. Ours = the project's CompiledRules with the list as rules and "
               f"its default options: Hyperscan below {LITERAL_TIER_FROM:,} literals, the literal tier (a "
               f"character-wise Aho-Corasick automaton) from there on:\n")
    out.append("| engine | " + " | ".join(f"n = {n:,} ({ours(n)[0]})" for n in [0] + sizes) + " |")
    out.append("|---|" + "---:|" * (len(sizes) + 1))
    for e in ("hyperscan-batched", "aho-corasick-rust", "daachorse"):
        row = []
        for n in [0] + sizes:
            h = mbs(ours(n)[1])
            p = mbs(by.get(WATCHLIST_ENGINES[e] if n == 0 else f"watchlist/{e}/{n}"))
            row.append(f"{h / p:.2f}x" if h and p else "–")
        out.append(f"| {e} | " + " | ".join(row) + " |")
    out.append("")
    return out


def lucene_tables(by):
    b = by.get("match/lucene-monitor/cls")
    if b is None:
        return []
    out = ["### Lucene Monitor: the whole rule set as stored queries, cls\n"]
    if "not_run" in b:
        return out + [b["not_run"] if b["not_run"].startswith("not run") else f"not run: {b['not_run']}", ""]
    lim = b.get("docs_limit")
    # Ours on the same documents: all of cls, or (quick mode) the row of
    # match_bench over the same first N documents.
    ours_name = f"stage/scan+evaluate/cls/first:{b['docs']}" if lim else "stage/scan+evaluate/cls"
    ours = by.get(ours_name)
    docs_txt = f"the first {b['docs']:,}" if lim else f"all {b['docs']:,}"
    out.append(f"Documents: {docs_txt} cls documents of the run (normalized title TAB body, "
               f"`--format text --html-strip no`), "
               f"{b.get('rules')} rules -> {b.get('queries')} queries ({b.get('disjuncts')} disjuncts), "
               f"best of {b.get('iterations')} pass(es) after {b.get('warmup')} warm-up. Ours: "
               + (f"`{ours_name}` (scan + rule evaluation over the same documents, one core, "
                  f"Google Benchmark's repeated warm passes; Lucene's figure is its best timed pass, "
                  f"the JIT warmed by {b.get('warmup')} pass(es) only)" if ours else
                  f"no `{ours_name}` row in this run: no ratio on the same documents")
               + ".\n")
    out.append(f"| engine | docs/s | MB/s | build s | ratio ours / Lucene (docs/s, same {b['docs']:,} documents) | "
               "doc-tag pairs ours / Lucene / both | Jaccard | precision | recall | documents differing |")
    out.append("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|")
    r = ips(ours) / ips(b) if ips(ours) and ips(b) else None
    out.append(f"| lucene-monitor | {ips(b):,.0f} | {mbs(b):,.2f} | {(b.get('build_s') or 0) + (b.get('translate_seconds') or 0):.2f} | "
               f"{f'{r:,.0f}x' if r else '–'} | {b.get('pairs_ours', 0):,} / {b.get('pairs_lucene', 0):,} / {b.get('pairs_both', 0):,} | "
               f"{b.get('agreement_jaccard', 0):.4f} | {b.get('agreement_precision', 0):.4f} | {b.get('agreement_recall', 0):.4f} | "
               f"{b.get('docs_differing', 0):,} of {b['docs']:,} |")
    if ours and "not_run" not in ours:
        out.append(f"| newsflow (`{ours_name}`) | {ips(ours):,.0f} | {mbs(ours):,.1f} | | | | | | | |")
    ex = b.get("agreement_examples") or []
    if ex:
        out.append("")
        out.append("Documents where the tags differ (first of them):\n")
        out.append("| doc | only ours | only Lucene | text (first 160 characters) |")
        out.append("|---:|---|---|---|")
        for x in ex:
            t = x.get("text", "").replace("|", "\\|")
            out.append(f"| {x['doc_index']} | {', '.join(x['only_ours'])} | {', '.join(x['only_lucene'])} | {t} |")
    out.append("")
    return out


def plot_watchlist(by, out):
    sizes = watchlist_sizes(by)
    if not sizes:
        return
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.8))
    for e, base in WATCHLIST_ENGINES.items():
        pts, builds = [], []
        for n in [0] + sizes:
            b = by.get(base if n == 0 else f"watchlist/{e}/{n}") if (n or base) else None
            if mbs(b):
                pts.append((n, mbs(b)))
                if n and b.get("build_s"):
                    builds.append((n, b["build_s"]))
        x = lambda n: n if n else 1000  # noqa: E731  (n = 0 drawn at 1k on the log axis)
        if pts:
            a1.plot([x(p[0]) for p in pts], [p[1] for p in pts], marker="o", label=e, color=COLORS.get(e))
        if builds and not e.startswith("scan+evaluate"):
            a2.plot([p[0] for p in builds], [p[1] for p in builds], marker="s", label=f"{e} build s", color=COLORS.get(e))
    for e in ("hyperscan", "literal-tier", "aho-corasick-rust", "daachorse"):
        pts = []
        for n in sizes:
            b = by.get(f"watchlist/{e}/{n}")
            if b and "not_run" not in b:
                v = b.get("db_bytes") if e in ("hyperscan", "literal-tier") else b.get("heap_bytes")
                if v:
                    pts.append((n, v / 1e6))
        if pts:
            a2.plot([p[0] for p in pts], [p[1] for p in pts], marker="^", linestyle="--", color=COLORS.get(e),
                    label=f"{e} {'database' if e == 'hyperscan' else 'automaton' if e == 'literal-tier' else 'heap'} MB")
        if e == "hyperscan":  # the heap its build left: database + rule tables
            hp = [(n, by[f"watchlist/{e}/{n}"]["heap_bytes"] / 1e6) for n in sizes
                  if f"watchlist/{e}/{n}" in by and by[f"watchlist/{e}/{n}"].get("heap_bytes")]
            if hp:
                a2.plot([p[0] for p in hp], [p[1] for p in hp], marker="v", linestyle=":", color=COLORS.get(e),
                        label="hyperscan heap MB (database + rule tables)")
    a1.set_xscale("log")
    a1.set_yscale("log")
    a1.set_xlabel("watch-list names added to the real keywords (0 drawn at 1k)")
    a1.set_ylabel("MB/s on cls (log)")
    a1.set_title("Watch lists: scan throughput")
    a1.grid(which="both", alpha=0.3)
    a1.legend(fontsize=8)
    a2.set_xscale("log")
    a2.set_yscale("log")
    a2.set_xlabel("watch-list names")
    a2.set_ylabel("build seconds / MB (log)")
    a2.set_title("Build time and memory")
    a2.grid(which="both", alpha=0.3)
    a2.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "watchlist.png"), dpi=110)
    plt.close(fig)


STAGES = [
    ("read + gunzip", "read/gunzip/cls"),
    ("decode (simdjson)", "decode/cls"),
    ("normalize (OpenCC gated)", "BM_Normalize"),
    ("normalize, OpenCC on every item", "BM_Normalize_AlwaysOpenCC"),
    ("match: scan only (hyperscan)", "match/hyperscan/cls"),
    ("match: scan + evaluate", "stage/scan+evaluate/cls"),
    ("rule evaluation alone", "stage/evaluate/cls"),
    ("MatchStage (scan, evaluate, spans)", "stage/match/cls"),
    ("store: prepare (ToRecord, encode; workers)", "store/prepare/cls"),
    ("store: RocksDB write, no WAL (writer, file ingest)", "store/write/cls"),
    ("RocksDB write with the WAL (stdin, runs with alerts)", "store/write-wal/cls"),
    ("RocksDB write, WAL fsync per batch (Kafka)", "store/write-sync/cls"),
    ("start-up, compiling the rules (no cache)", "e2e/startup/cache:0"),
    ("start-up, compiled rules from the cache", "e2e/startup/cache:1"),
    ("file -> RocksDB, 1 worker", "e2e/file-rocksdb/cls/threads:1/stories:1"),
    ("file -> RocksDB, 2 workers", "e2e/file-rocksdb/cls/threads:2/stories:1"),
    ("file -> RocksDB, 2 workers, no story ids", "e2e/file-rocksdb/cls/threads:2/stories:0"),
    ("ceiling: memcpy of the JSON lines", "ceiling/memcpy-raw/cls"),
    ("ceiling: memchr of the texts", "ceiling/memchr/cls"),
]


def bar_engines(by, out):
    fig, ax = plt.subplots(figsize=(11, 5.5))
    width = 0.8 / len(ENGINES)
    for i, e in enumerate(ENGINES):
        xs, ys = [], []
        for j, c in enumerate(CORPORA):
            v = mbs(by.get(f"match/{e}/{c}"))
            if v:
                xs.append(j + (i - len(ENGINES) / 2 + 0.5) * width)
                ys.append(v)
        ax.bar(xs, ys, width, label=e, color=COLORS.get(e))
    for j, c in enumerate(CORPORA):
        v = mbs(by.get(f"ceiling/memchr/{c}"))
        if v:
            ax.hlines(v, j - 0.4, j + 0.4, colors="black", linestyles="dotted")
    ax.set_yscale("log")
    ax.set_xticks(range(len(CORPORA)))
    ax.set_xticklabels(CORPORA)
    ax.set_ylabel("MB/s (log scale), one core")
    ax.set_title("Match engines on the project's keywords, same bytes (dotted: memchr ceiling)")
    ax.grid(axis="y", which="both", alpha=0.3)
    ax.legend(ncol=4, fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(os.path.join(out, "engines.png"), dpi=110)
    plt.close(fig)


def line_sweep(by, prefix, engines, out_name, title, xlabel, extra=None, special=None):
    fig, axes = plt.subplots(1, 2 if extra else 1, figsize=(12 if extra else 7, 4.8))
    axes = axes if extra else [axes]
    ax = axes[0]
    for e in engines:
        pts = []
        star = None
        for k, b in by.items():
            if k.startswith(f"{prefix}/{e}/"):
                v = mbs(b)
                if v and special is not None and int(k.split("/")[3]) == special:
                    star = (special, v)
                elif v:
                    pts.append((int(k.split("/")[3]), v))
        if pts:
            pts.sort()
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=e, color=COLORS.get(e))
        if star:
            ax.plot([star[0]], [star[1]], marker="*", markersize=13, linestyle="none", color=COLORS.get(e),
                    markeredgecolor="black", label=None if pts else e)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("MB/s (log)")
    ax.set_title(title)
    ax.grid(which="both", alpha=0.3)
    ax.legend(fontsize=8)
    if extra:
        extra(axes[1])
    fig.tight_layout()
    fig.savefig(os.path.join(out_name), dpi=110)
    plt.close(fig)


def main():
    ctx, by = load(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    bar_engines(by, out)

    def compile_axes(ax):
        for e in ["hyperscan", "hyperscan-batched", "re2set", "pcre2-jit", "aho-corasick-rust", "daachorse", "pyahocorasick"]:
            pts = sorted((int(k.split("/")[3]), b.get("build_s")) for k, b in by.items()
                         if k.startswith(f"sweep/rules/{e}/") and "not_run" not in b and b.get("build_s"))
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="s", label=e, color=COLORS.get(e))
        pts = sorted((int(k.split("/")[3]), b.get("db_bytes") / 1e6) for k, b in by.items()
                     if k.startswith("sweep/rules/hyperscan/") and "not_run" not in b and b.get("db_bytes"))
        if pts:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="^", linestyle="--", color="#1f77b4",
                    label="hyperscan database MB")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("patterns")
        ax.set_ylabel("compile seconds / database MB (log)")
        ax.set_title("Build cost")
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=8)

    line_sweep(by, "sweep/rules", SWEEP_ENGINES,
               os.path.join(out, "sweep-rules.png"),
               "Throughput vs pattern count (2 MB of cls)\n(lines: corpus n-grams; stars: the project's keywords)",
               "patterns", extra=compile_axes,
               special=((ctx.get("inputs") or {}).get("keywords") or {}).get("compared"))

    def per_call_axes(ax):
        for e in ["hyperscan", "hyperscan-batched", "re2set", "memchr"]:
            pts = sorted((int(k.split("/")[3]), 1e9 / ips(b)) for k, b in by.items()
                         if k.startswith(f"sweep/doclen/{e}/") and ips(b))
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=e, color=COLORS.get(e))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("document bytes")
        ax.set_ylabel("ns per document (log)")
        ax.set_title("Time per document")
        ax.grid(which="both", alpha=0.3)
        ax.legend(fontsize=8)

    line_sweep(by, "sweep/doclen", ["hyperscan", "hyperscan-batched", "re2set", "memchr"],
               os.path.join(out, "sweep-doclen.png"), "Throughput vs document length", "document bytes",
               extra=per_call_axes)

    # Threads and density.
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(12, 4.5))
    es = ["hyperscan", "hyperscan-batched", "re2set"]
    for t, off in ((1, -0.2), (2, 0.2)):
        vals = [mbs(by.get(f"sweep/threads/{e}/cls/threads:{t}")) or 0 for e in es]
        a1.bar([i + off for i in range(len(es))], vals, 0.4, label=f"{t} thread{'s' if t > 1 else ''}")
    a1.set_xticks(range(len(es)))
    a1.set_xticklabels(es)
    a1.set_ylabel("MB/s, all threads' bytes / mean thread real time")
    a1.set_title("Threads (2-core machine; not wall time)")
    a1.legend(fontsize=8)
    a1.grid(axis="y", which="both", alpha=0.3)
    bands = ["rare", "medium", "dense"]
    for i, e in enumerate(["hyperscan", "hyperscan-batched", "re2set", "pcre2-jit"]):
        vals = [mbs(by.get(f"sweep/density/{e}/{d}")) or 0 for d in bands]
        a2.bar([j + (i - 1.5) * 0.2 for j in range(3)], vals, 0.2, label=e, color=COLORS.get(e))
    dens = [by.get(f"sweep/density/hyperscan/{d}") for d in bands]
    a2.set_xticks(range(3))
    a2.set_xticklabels([f"{d}\n{b['pairs_per_kb']:.2f} pairs/KB" if b and b.get("pairs_per_kb") is not None else d
                        for d, b in zip(bands, dens)])
    a2.set_yscale("log")
    a2.set_ylabel("MB/s (log)")
    a2.set_title("Hit density: 200 CJK n-grams per band")
    a2.legend(fontsize=8)
    a2.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "sweep-threads-density.png"), dpi=110)
    plt.close(fig)

    # Stages: items/s.
    fig, ax = plt.subplots(figsize=(10, 5.5))
    labels, vals = [], []
    for label, name in STAGES:
        v = ips(by.get(name))
        if v and not name.startswith("e2e/startup"):
            labels.append(label)
            vals.append(v)
    ax.barh(range(len(vals)), vals, color=["#555" if "ceiling" in lab else "#1f77b4" for lab in labels])
    ax.set_yticks(range(len(vals)))
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xscale("log")
    ax.axvline(100e3, color="red", linestyle="--", label="target: 100k items/s end to end")
    for i, v in enumerate(vals):
        ax.text(v, i, f" {v / 1e3:,.0f}k", va="center", fontsize=7)
    ax.set_xlabel("items/s on cls (log)")
    ax.set_title("Stages and the physical reference")
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="x", which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(os.path.join(out, "stages.png"), dpi=110)
    plt.close(fig)

    plot_watchlist(by, out)

    with open(os.path.join(out, "tables.md"), "w") as f:
        f.write("<!-- generated by bench/plot.py from latest.json; do not edit -->\n\n")
        f.write(tables(ctx, by))
    print(f"plot.py: plots and tables.md in {out}")


if __name__ == "__main__":
    main()
