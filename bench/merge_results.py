#!/usr/bin/env python3
"""Merge the raw outputs of bench/run.sh into one Google Benchmark-style JSON.

usage: merge_results.py --raw DIR --out FILE [--quick 0|1]

Inputs under DIR: <bench>.json (Google Benchmark --benchmark_out), peers/*.json
({"name", "result": peer JSON} or {"name", "error"}), inputs.json (bench_data),
load-before.txt / load-after.txt (uptime).

Output: {"context": {...}, "benchmarks": [...]}. Every entry has `name`,
`bytes_per_second`, `items_per_second` (0 when not run) and its counters; an
entry that did not run has `not_run: "<reason>"` (Google Benchmark's
error_message, or the peer runner's).
"""
import argparse
import glob
import json
import os
import platform
import re
import subprocess


def load_avg(path):
    try:
        with open(path) as f:
            m = re.search(r"load average: ([\d.]+), ([\d.]+), ([\d.]+)", f.read())
            return [float(x) for x in m.groups()] if m else None
    except OSError:
        return None


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def gbench_entries(path):
    """Entries of one Google Benchmark JSON file. Repeated benchmarks
    (--benchmark_repetitions) are reported by their median, under the plain
    name, with the repetition count and the standard deviation of the rates."""
    with open(path) as f:
        doc = json.load(f)
    out = []
    stddev = {b["run_name"]: b for b in doc.get("benchmarks", []) if b.get("aggregate_name") == "stddev"}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            if b.get("aggregate_name") != "median":
                continue
            b = dict(b)
            sd = stddev.get(b["run_name"], {})
            b["name"] = b["run_name"]
            b["aggregate"] = f"median of {b.get('repetitions')} repetitions"
            b["bytes_per_second_stddev"] = sd.get("bytes_per_second")
            b["items_per_second_stddev"] = sd.get("items_per_second")
        e = dict(b)
        e["source"] = os.path.basename(path)
        if e.get("error_occurred"):
            e["not_run"] = e.get("error_message", "error")
        e.setdefault("bytes_per_second", 0.0)
        e.setdefault("items_per_second", 0.0)
        out.append(e)
    return doc.get("context", {}), out


def peer_entry(path):
    with open(path) as f:
        doc = json.load(f)
    name = doc["name"]
    if "error" in doc:
        return {"name": name, "run_name": name, "source": "peers", "not_run": doc["error"],
                "error_occurred": True, "error_message": doc["error"],
                "bytes_per_second": 0.0, "items_per_second": 0.0}
    r = doc["result"]
    e = {"name": name, "run_name": name, "run_type": "iteration", "source": "peers",
         "iterations": r.get("iterations", 1), "real_time": r["seconds"] * 1e3,
         "cpu_time": r["seconds"] * 1e3, "time_unit": "ms",
         "bytes_per_second": r["bytes_per_second"], "items_per_second": r["items_per_second"],
         "pairs": r.get("pairs"), "docs": r.get("docs"), "patterns": r.get("patterns"),
         "build_s": r.get("build_seconds")}
    # Everything else the peer reports, as it is: engine, kind, variant,
    # heap_bytes, build_rss_bytes, build_peak_rss_bytes (the Rust peers);
    # queries, disjuncts, translate_seconds, agreement_* , pairs_ours,
    # pairs_lucene, docs_differing, agreement_examples (lucene-monitor); ...
    for k, v in r.items():
        if k not in e and k not in ("seconds", "build_seconds"):
            e[k] = v
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--quick", default="0")
    a = ap.parse_args()
    context, benchmarks = {}, []
    for path in sorted(glob.glob(os.path.join(a.raw, "*.json"))):
        if os.path.basename(path) == "inputs.json":
            continue
        ctx, entries = gbench_entries(path)
        context = context or ctx
        benchmarks += entries
    for path in sorted(glob.glob(os.path.join(a.raw, "peers", "*.json"))):
        benchmarks.append(peer_entry(path))
    try:
        with open(os.path.join(a.raw, "inputs.json")) as f:
            inputs = json.load(f)
    except (OSError, ValueError):
        inputs = None
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rev = ""
    context.update({
        "quick": a.quick == "1",
        "cpu_model": cpu_model(),
        "load_avg_before": load_avg(os.path.join(a.raw, "load-before.txt")),
        "load_avg_after": load_avg(os.path.join(a.raw, "load-after.txt")),
        "inputs": inputs,
        "git": rev or None,
    })
    with open(a.out, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=1, ensure_ascii=False)
        f.write("\n")
    ran = sum(1 for b in benchmarks if "not_run" not in b)
    print(f"merge_results: {len(benchmarks)} entries ({ran} ran, {len(benchmarks) - ran} not run) -> {a.out}")


if __name__ == "__main__":
    main()
