//! newsflow benchmark peer: the `aho-corasick` crate (1.x).
//!
//! CLI (common peer contract, see ../README.md):
//!   peer-aho-corasick --patterns FILE --docs FILE [--iterations N] [--dump-matches OUT]
//! Harness-specific extra (not part of the contract):
//!   --variant single|split   (default: single)
//!
//! Variants:
//! * `single` (default): ONE automaton over all patterns, built with
//!   `ascii_case_insensitive(true)`. A hit of a case-sensitive pattern that
//!   contains ASCII letters is verified by comparing the matched bytes with
//!   the pattern (exact). Patterns without ASCII letters (all CJK keywords)
//!   need no check: ASCII case folding never touches bytes >= 0x80.
//!   One pass over each document.
//! * `split`: TWO automata, one case-sensitive and one
//!   `ascii_case_insensitive`, each document scanned by both.
//!
//! Both use MatchKind::Standard + `find_overlapping_iter`, so every
//! occurrence of every pattern is seen; the word-boundary flag is checked
//! per occurrence on the bytes around the match.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use std::fs;
use std::io::{self, BufWriter, Write};
use std::process;
use std::time::Instant;

const F_CASELESS: u8 = 1;
const F_BOUNDARY: u8 = 2;
/// case-sensitive pattern containing ASCII letters, matched by a caseless
/// automaton: the matched bytes must be compared with the pattern.
const F_VERIFY: u8 = 4;

struct Args {
    patterns: String,
    docs: String,
    iterations: usize,
    dump: Option<String>,
    variant: Variant,
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Single,
    Split,
}

const USAGE: &str = "usage: peer-aho-corasick --patterns PATTERNS_FILE --docs DOCS_FILE \
     [--iterations N] [--dump-matches OUT_FILE] [--variant single|split]";

fn die(msg: &str) -> ! {
    eprintln!("peer-aho-corasick: {msg}");
    eprintln!("{USAGE}");
    process::exit(2);
}

fn parse_args() -> Args {
    let mut patterns = None;
    let mut docs = None;
    let mut iterations = 5usize;
    let mut dump = None;
    let mut variant = Variant::Single;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        // accept both `--opt value` and `--opt=value`
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) if k.starts_with("--") => (k.to_string(), Some(v.to_string())),
            _ => (a.clone(), None),
        };
        let mut value = |name: &str| -> String {
            inline
                .clone()
                .or_else(|| it.next())
                .unwrap_or_else(|| die(&format!("{name} needs a value")))
        };
        match key.as_str() {
            "--patterns" => patterns = Some(value("--patterns")),
            "--docs" => docs = Some(value("--docs")),
            "--iterations" => {
                let v = value("--iterations");
                iterations = v
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n >= 1)
                    .unwrap_or_else(|| die(&format!("bad --iterations: {v}")));
            }
            "--dump-matches" => dump = Some(value("--dump-matches")),
            "--variant" => {
                variant = match value("--variant").as_str() {
                    "single" => Variant::Single,
                    "split" => Variant::Split,
                    v => die(&format!("bad --variant: {v}")),
                }
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                process::exit(0);
            }
            _ => die(&format!("unknown argument: {a}")),
        }
    }
    Args {
        patterns: patterns.unwrap_or_else(|| die("--patterns is required")),
        docs: docs.unwrap_or_else(|| die("--docs is required")),
        iterations,
        dump,
        variant,
    }
}

fn read_file(path: &str) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| die(&format!("cannot read {path}: {e}")))
}

/// Split on b'\n'; a final empty piece (file ends with a newline) is dropped.
fn split_lines(data: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = data.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines
}

struct Patterns {
    bytes: Vec<Vec<u8>>,
    flags: Vec<u8>,
}

fn load_patterns(path: &str) -> Patterns {
    let data = read_file(path);
    let mut bytes = Vec::new();
    let mut flags = Vec::new();
    for (n, mut line) in split_lines(&data).into_iter().enumerate() {
        if line.last() == Some(&b'\r') {
            line = &line[..line.len() - 1];
        }
        let tab = line
            .iter()
            .position(|&b| b == b'\t')
            .unwrap_or_else(|| die(&format!("{path}:{n}: expected FLAGS<TAB>KEYWORD")));
        let (f, kw) = (&line[..tab], &line[tab + 1..]);
        if kw.is_empty() {
            die(&format!("{path}:{n}: empty keyword"));
        }
        let mut fl = 0u8;
        for &c in f {
            match c {
                b'i' => fl |= F_CASELESS,
                b'b' => fl |= F_BOUNDARY,
                b'-' => {}
                _ => die(&format!("{path}:{n}: unknown flag {:?}", c as char)),
            }
        }
        bytes.push(kw.to_vec());
        flags.push(fl);
    }
    if bytes.is_empty() {
        die(&format!("{path}: no patterns"));
    }
    Patterns { bytes, flags }
}

/// An automaton plus the map from its local pattern ids to global ids.
struct Auto {
    ac: AhoCorasick,
    ids: Vec<u32>,
}

enum Engine {
    Single(Auto),
    Split(Vec<Auto>),
}

fn build_one(pats: &[&[u8]], ids: Vec<u32>, caseless: bool) -> Auto {
    let mut b = AhoCorasickBuilder::new();
    b.match_kind(MatchKind::Standard).ascii_case_insensitive(caseless);
    // Prefer the DFA (fastest search); fall back to the crate's own choice
    // if the DFA cannot be built for this pattern set.
    let ac = match b.kind(Some(AhoCorasickKind::DFA)).build(pats) {
        Ok(ac) => ac,
        Err(_) => b
            .kind(None)
            .build(pats)
            .unwrap_or_else(|e| die(&format!("cannot build automaton: {e}"))),
    };
    Auto { ac, ids }
}

fn build(p: &mut Patterns, variant: Variant) -> Engine {
    match variant {
        Variant::Single => {
            for (kw, fl) in p.bytes.iter().zip(p.flags.iter_mut()) {
                if *fl & F_CASELESS == 0 && kw.iter().any(|b| b.is_ascii_alphabetic()) {
                    *fl |= F_VERIFY;
                }
            }
            let all: Vec<&[u8]> = p.bytes.iter().map(|v| v.as_slice()).collect();
            let ids = (0..all.len() as u32).collect();
            Engine::Single(build_one(&all, ids, true))
        }
        Variant::Split => {
            let mut autos = Vec::new();
            for caseless in [false, true] {
                let mut sel = Vec::new();
                let mut ids = Vec::new();
                for (i, (kw, &fl)) in p.bytes.iter().zip(&p.flags).enumerate() {
                    if (fl & F_CASELESS != 0) == caseless {
                        sel.push(kw.as_slice());
                        ids.push(i as u32);
                    }
                }
                if !sel.is_empty() {
                    autos.push(build_one(&sel, ids, caseless));
                }
            }
            Engine::Split(autos)
        }
    }
}

impl Engine {
    /// Heap bytes of the automata (the crate's `memory_usage`).
    fn heap_bytes(&self) -> usize {
        match self {
            Engine::Single(a) => a.ac.memory_usage(),
            Engine::Split(v) => v.iter().map(|a| a.ac.memory_usage()).sum(),
        }
    }

    fn kind(&self) -> String {
        let kinds: Vec<String> = match self {
            Engine::Single(a) => vec![format!("{:?}", a.ac.kind())],
            Engine::Split(v) => v.iter().map(|a| format!("{:?}", a.ac.kind())).collect(),
        };
        let mut k = kinds.clone();
        k.dedup();
        k.join("+")
    }
}

#[inline]
fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// Scans all documents once. Returns the number of distinct (doc, pattern)
/// pairs; `emit` is called once per distinct pair.
struct Scanner<'a> {
    engine: &'a Engine,
    pats: &'a Patterns,
    seen: Vec<u32>,
    stamp: u32,
}

impl<'a> Scanner<'a> {
    fn new(engine: &'a Engine, pats: &'a Patterns) -> Self {
        Scanner { engine, pats, seen: vec![0; pats.bytes.len()], stamp: 0 }
    }

    #[inline]
    fn scan_auto(
        &mut self,
        a: &Auto,
        doc: &[u8],
        di: u32,
        count: &mut u64,
        emit: &mut impl FnMut(u32, u32),
    ) {
        for m in a.ac.find_overlapping_iter(doc) {
            let pid = a.ids[m.pattern().as_usize()];
            let pu = pid as usize;
            if self.seen[pu] == self.stamp {
                continue;
            }
            let fl = self.pats.flags[pu];
            if fl & F_VERIFY != 0 && doc[m.start()..m.end()] != self.pats.bytes[pu][..] {
                continue;
            }
            if fl & F_BOUNDARY != 0 {
                let (s, e) = (m.start(), m.end());
                if (s > 0 && is_word(doc[s - 1])) || (e < doc.len() && is_word(doc[e])) {
                    continue;
                }
            }
            self.seen[pu] = self.stamp;
            *count += 1;
            emit(di, pid);
        }
    }

    fn scan_all(&mut self, docs: &[&[u8]], mut emit: impl FnMut(u32, u32)) -> u64 {
        let engine = self.engine;
        let mut count = 0u64;
        for (di, doc) in docs.iter().enumerate() {
            if self.stamp == u32::MAX {
                self.seen.iter_mut().for_each(|s| *s = 0);
                self.stamp = 0;
            }
            self.stamp += 1;
            match engine {
                Engine::Single(a) => self.scan_auto(a, doc, di as u32, &mut count, &mut emit),
                Engine::Split(v) => {
                    for a in v {
                        self.scan_auto(a, doc, di as u32, &mut count, &mut emit);
                    }
                }
            }
        }
        count
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 2);
    o.push('"');
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn json_f64(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.9}")
    } else {
        "null".to_string()
    }
}

/// Resident memory of this process from /proc/self/status (`VmRSS`, `VmHWM`),
/// in bytes; 0 where unavailable.
fn proc_status_bytes(key: &str) -> u64 {
    let s = match fs::read_to_string("/proc/self/status") {
        Ok(s) => s,
        Err(_) => return 0,
    };
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let kb: u64 = rest.trim().trim_end_matches("kB").trim().parse().unwrap_or(0);
            return kb * 1024;
        }
    }
    0
}

/// Sets the peak RSS (VmHWM) back to the current RSS (Linux clear_refs 5).
fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn main() {
    let args = parse_args();

    // ---- load (untimed) ----
    let mut pats = load_patterns(&args.patterns);
    let doc_data = read_file(&args.docs);
    let docs = split_lines(&doc_data);
    let total_bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();

    // ---- build (timed separately) ----
    let peak_ok = reset_peak_rss();
    let rss0 = proc_status_bytes("VmRSS");
    let t0 = Instant::now();
    let engine = build(&mut pats, args.variant);
    let build_seconds = t0.elapsed().as_secs_f64();
    let build_rss_bytes = proc_status_bytes("VmRSS").saturating_sub(rss0);
    let build_peak_rss_bytes = if peak_ok { proc_status_bytes("VmHWM").saturating_sub(rss0) } else { 0 };

    // ---- scan: N full passes, best one reported ----
    let mut scanner = Scanner::new(&engine, &pats);
    let mut best = f64::INFINITY;
    let mut pairs: Option<u64> = None;
    for _ in 0..args.iterations {
        let t = Instant::now();
        let n = scanner.scan_all(&docs, |_, _| {});
        let secs = t.elapsed().as_secs_f64();
        let n = std::hint::black_box(n);
        if let Some(p) = pairs {
            if p != n {
                die(&format!("pair count changed between iterations: {p} vs {n}"));
            }
        }
        pairs = Some(n);
        best = best.min(secs);
    }
    let pairs = pairs.unwrap();

    // ---- optional dump (untimed, separate pass) ----
    if let Some(out) = &args.dump {
        let mut v: Vec<(u32, u32)> = Vec::with_capacity(pairs as usize);
        let n = scanner.scan_all(&docs, |d, p| v.push((d, p)));
        assert_eq!(n, pairs);
        v.sort_unstable();
        let f = fs::File::create(out).unwrap_or_else(|e| die(&format!("cannot write {out}: {e}")));
        let mut w = BufWriter::new(f);
        for (d, p) in v {
            writeln!(w, "{d}\t{p}").unwrap_or_else(|e| die(&format!("write {out}: {e}")));
        }
        w.flush().unwrap_or_else(|e| die(&format!("write {out}: {e}")));
    }

    let variant = match args.variant {
        Variant::Single => "single",
        Variant::Split => "split",
    };
    let json = format!(
        "{{\"engine\": {}, \"kind\": {}, \"variant\": {}, \"docs\": {}, \"bytes\": {}, \
         \"patterns\": {}, \"heap_bytes\": {}, \"iterations\": {}, \"build_seconds\": {}, \"seconds\": {}, \
         \"bytes_per_second\": {}, \"items_per_second\": {}, \"pairs\": {}, \"build_rss_bytes\": {}, \"build_peak_rss_bytes\": {}}}",
        json_str("aho-corasick-rust"),
        json_str(&engine.kind()),
        json_str(variant),
        docs.len(),
        total_bytes,
        pats.bytes.len(),
        engine.heap_bytes(),
        args.iterations,
        json_f64(build_seconds),
        json_f64(best),
        json_f64(total_bytes as f64 / best),
        json_f64(docs.len() as f64 / best),
        pairs,
        build_rss_bytes,
        build_peak_rss_bytes
    );
    let stdout = io::stdout();
    let mut lock = stdout.lock();
    writeln!(lock, "{json}").unwrap();
}
