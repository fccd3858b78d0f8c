//! newsflow benchmark peer: the `daachorse` crate (5.x), charwise automaton.
//!
//! CLI (common peer contract, see ../README.md):
//!   peer-daachorse --patterns FILE --docs FILE [--iterations N] [--dump-matches OUT]
//! Harness-specific extras (not part of the contract):
//!   --variant single|split   (default: single)
//!   --prefilter yes|no       (default: yes, the crate's default 2-gram prefilter)
//!
//! Engine: `CharwiseDoubleArrayAhoCorasick` (transitions on Unicode code
//! points, built for CJK text), `MatchKind::Standard` + `find_overlapping_iter`,
//! so every occurrence of every key is seen. The charwise automaton scans
//! `&str`: patterns and documents must be valid UTF-8 (checked at load,
//! untimed; exit 2 otherwise). Match offsets are byte offsets.
//!
//! daachorse has no case-insensitive mode, so ASCII case is folded by hand:
//! * `single` (default): every key is the ASCII-lowercased pattern, and each
//!   document is scanned as an ASCII-lowercased copy (made inside the timed
//!   loop into a reused buffer; ASCII lowering keeps byte offsets and UTF-8
//!   validity). A hit of a case-sensitive pattern that contains ASCII letters
//!   is verified against the original document bytes (exact). Patterns without
//!   ASCII letters (all CJK keywords) need no check. One pass per document.
//!   When no caseless pattern has an ASCII letter, nothing is folded and the
//!   original document is scanned.
//! * `split`: two automata, the case-sensitive patterns as they are (scanned
//!   over the original document) and the caseless ones lowercased (scanned
//!   over the lowered copy). Two passes per document.
//!
//! Keys that are equal after folding (e.g. `IPO` with flags `-` and `ib`, or
//! `AI` and `ai`) are entered once: the automaton's value is an index into a
//! list of groups, each group the pattern ids sharing that key, and every
//! pattern of a hit's group is checked and reported on its own.
//! The word-boundary flag is checked per occurrence on the original bytes
//! around the match.

use daachorse::{CharwiseDoubleArrayAhoCorasick, CharwiseDoubleArrayAhoCorasickBuilder, MatchKind};
use std::collections::HashMap;
use std::fs;
use std::io::{self, BufWriter, Write};
use std::process;
use std::time::Instant;

const F_CASELESS: u8 = 1;
const F_BOUNDARY: u8 = 2;
/// case-sensitive pattern containing ASCII letters, matched by a folded key:
/// the matched bytes must be compared with the pattern.
const F_VERIFY: u8 = 4;

struct Args {
    patterns: String,
    docs: String,
    iterations: usize,
    dump: Option<String>,
    variant: Variant,
    prefilter: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Single,
    Split,
}

const USAGE: &str = "usage: peer-daachorse --patterns PATTERNS_FILE --docs DOCS_FILE \
     [--iterations N] [--dump-matches OUT_FILE] [--variant single|split] [--prefilter yes|no]";

fn die(msg: &str) -> ! {
    eprintln!("peer-daachorse: {msg}");
    eprintln!("{USAGE}");
    process::exit(2);
}

fn parse_args() -> Args {
    let mut patterns = None;
    let mut docs = None;
    let mut iterations = 5usize;
    let mut dump = None;
    let mut variant = Variant::Single;
    let mut prefilter = true;
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
            "--prefilter" => {
                prefilter = match value("--prefilter").as_str() {
                    "yes" => true,
                    "no" => false,
                    v => die(&format!("bad --prefilter: {v}")),
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
        prefilter,
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
        if std::str::from_utf8(kw).is_err() {
            die(&format!("{path}:{n}: keyword is not valid UTF-8 (the charwise automaton needs str)"));
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

/// An automaton whose values index `groups`; a group holds the global ids of
/// the patterns that share one key. `folded`: scan the ASCII-lowered document.
struct Auto {
    pma: CharwiseDoubleArrayAhoCorasick<u32>,
    groups: Vec<Vec<u32>>,
    folded: bool,
}

enum Engine {
    Single(Auto),
    Split(Vec<Auto>),
}

/// Builds one automaton over the patterns `ids`, keys lowercased if `fold`.
fn build_one(p: &Patterns, ids: &[u32], fold: bool, prefilter: bool) -> Auto {
    let mut key_index: HashMap<Vec<u8>, u32> = HashMap::with_capacity(ids.len());
    let mut keys: Vec<String> = Vec::with_capacity(ids.len());
    let mut groups: Vec<Vec<u32>> = Vec::with_capacity(ids.len());
    for &id in ids {
        let mut k = p.bytes[id as usize].clone();
        if fold {
            k.make_ascii_lowercase();
        }
        let next = groups.len() as u32;
        let g = *key_index.entry(k.clone()).or_insert(next);
        if g == next {
            // valid UTF-8: checked at load, and ASCII lowering keeps it valid
            keys.push(String::from_utf8(k).expect("utf-8 checked at load"));
            groups.push(Vec::new());
        }
        groups[g as usize].push(id);
    }
    let pma = CharwiseDoubleArrayAhoCorasickBuilder::new()
        .match_kind(MatchKind::Standard)
        .use_prefilter(prefilter)
        .build_with_values(keys.iter().zip(0u32..))
        .unwrap_or_else(|e| die(&format!("cannot build automaton: {e}")));
    Auto { pma, groups, folded: fold }
}

fn has_ascii_letter(b: &[u8]) -> bool {
    b.iter().any(|c| c.is_ascii_alphabetic())
}

fn build(p: &mut Patterns, variant: Variant, prefilter: bool) -> Engine {
    match variant {
        Variant::Single => {
            // Fold only if some caseless pattern has a letter to fold.
            let fold = p
                .bytes
                .iter()
                .zip(&p.flags)
                .any(|(kw, &fl)| fl & F_CASELESS != 0 && has_ascii_letter(kw));
            if fold {
                for (kw, fl) in p.bytes.iter().zip(p.flags.iter_mut()) {
                    if *fl & F_CASELESS == 0 && has_ascii_letter(kw) {
                        *fl |= F_VERIFY;
                    }
                }
            }
            let ids: Vec<u32> = (0..p.bytes.len() as u32).collect();
            Engine::Single(build_one(p, &ids, fold, prefilter))
        }
        Variant::Split => {
            let mut autos = Vec::new();
            for caseless in [false, true] {
                let ids: Vec<u32> = (0..p.bytes.len() as u32)
                    .filter(|&i| (p.flags[i as usize] & F_CASELESS != 0) == caseless)
                    .collect();
                if !ids.is_empty() {
                    autos.push(build_one(p, &ids, caseless, prefilter));
                }
            }
            Engine::Split(autos)
        }
    }
}

impl Engine {
    fn autos(&self) -> &[Auto] {
        match self {
            Engine::Single(a) => std::slice::from_ref(a),
            Engine::Split(v) => v,
        }
    }
    fn heap_bytes(&self) -> usize {
        self.autos().iter().map(|a| a.pma.heap_bytes()).sum()
    }
    fn keys(&self) -> usize {
        self.autos().iter().map(|a| a.groups.len()).sum()
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
    lowered: String,
}

impl<'a> Scanner<'a> {
    fn new(engine: &'a Engine, pats: &'a Patterns) -> Self {
        Scanner { engine, pats, seen: vec![0; pats.bytes.len()], stamp: 0, lowered: String::new() }
    }

    #[inline]
    fn scan_auto(
        seen: &mut [u32],
        stamp: u32,
        pats: &Patterns,
        a: &Auto,
        hay: &str,
        doc: &[u8],
        di: u32,
        count: &mut u64,
        emit: &mut impl FnMut(u32, u32),
    ) {
        for m in a.pma.find_overlapping_iter(hay) {
            let (s, e) = (m.start(), m.end());
            for &pid in &a.groups[m.value() as usize] {
                let pu = pid as usize;
                if seen[pu] == stamp {
                    continue;
                }
                let fl = pats.flags[pu];
                if fl & F_VERIFY != 0 && doc[s..e] != pats.bytes[pu][..] {
                    continue;
                }
                if fl & F_BOUNDARY != 0
                    && ((s > 0 && is_word(doc[s - 1])) || (e < doc.len() && is_word(doc[e])))
                {
                    continue;
                }
                seen[pu] = stamp;
                *count += 1;
                emit(di, pid);
            }
        }
    }

    fn scan_all(&mut self, docs: &[&str], mut emit: impl FnMut(u32, u32)) -> u64 {
        let engine = self.engine;
        let pats = self.pats;
        let mut count = 0u64;
        let need_fold = engine.autos().iter().any(|a| a.folded);
        for (di, &doc) in docs.iter().enumerate() {
            if self.stamp == u32::MAX {
                self.seen.iter_mut().for_each(|s| *s = 0);
                self.stamp = 0;
            }
            self.stamp += 1;
            if need_fold {
                self.lowered.clear();
                self.lowered.push_str(doc);
                self.lowered.make_ascii_lowercase();
            }
            for a in engine.autos() {
                let hay: &str = if a.folded { &self.lowered } else { doc };
                Self::scan_auto(
                    &mut self.seen,
                    self.stamp,
                    pats,
                    a,
                    hay,
                    doc.as_bytes(),
                    di as u32,
                    &mut count,
                    &mut emit,
                );
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
    let docs: Vec<&str> = split_lines(&doc_data)
        .into_iter()
        .enumerate()
        .map(|(i, d)| {
            std::str::from_utf8(d).unwrap_or_else(|e| {
                die(&format!(
                    "{}: document {i} is not valid UTF-8 ({e}); the charwise automaton needs str",
                    args.docs
                ))
            })
        })
        .collect();
    let total_bytes: u64 = docs.iter().map(|d| d.len() as u64).sum();

    // ---- build (timed separately) ----
    let peak_ok = reset_peak_rss();
    let rss0 = proc_status_bytes("VmRSS");
    let t0 = Instant::now();
    let engine = build(&mut pats, args.variant, args.prefilter);
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
    let kind = match (&engine, engine.autos().iter().any(|a| a.folded)) {
        (Engine::Single(_), true) => "CharwiseDoubleArrayAhoCorasick(folded)",
        (Engine::Single(_), false) => "CharwiseDoubleArrayAhoCorasick",
        (Engine::Split(_), _) => "CharwiseDoubleArrayAhoCorasick(exact+folded)",
    };
    let json = format!(
        "{{\"engine\": {}, \"kind\": {}, \"variant\": {}, \"prefilter\": {}, \"docs\": {}, \"bytes\": {}, \
         \"patterns\": {}, \"keys\": {}, \"heap_bytes\": {}, \"iterations\": {}, \"build_seconds\": {}, \
         \"seconds\": {}, \"bytes_per_second\": {}, \"items_per_second\": {}, \"pairs\": {}, \"build_rss_bytes\": {}, \"build_peak_rss_bytes\": {}}}",
        json_str("daachorse"),
        json_str(kind),
        json_str(variant),
        args.prefilter,
        docs.len(),
        total_bytes,
        pats.bytes.len(),
        engine.keys(),
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
