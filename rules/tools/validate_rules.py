#!/usr/bin/env python3
"""Validate the keyword rule sets under rules/sets/ (run in CI).

Checks (each violation is printed; exit status 1 if there is any):
  * every rules/sets/*.yaml parses, has `version: 1` and a `rules` list;
  * only the keys of rules/SCHEMA.md are used, with the right types;
  * tags are taxonomy ids (cluster:/theme:/region:) or project:/program:<slug>,
    slugs lowercase ASCII with hyphens;
  * every cluster:/theme:/region: id of taxonomy.md (rules/taxonomy.md, else
    ../shared/taxonomy.md) has a rule;
  * every provenance entry names an existing seed file and its clause is a
    verbatim substring of that file (10..200 characters, no HTML tag);
  * keywords are non-empty, written in simplified Chinese / half-width ASCII,
    not duplicated inside one rule; regexes compile (Python approximation);
  * there are more than 60 distinct project:/program: tags;
  * every cluster/theme/region provenance clause, tagged alone, gets its rule's tag;
  * every tag fires on (one of) the seed documents its provenance cites, and
    (a note only) on the seeds taxonomy.md lists for it; seed 001 is traditional
    Chinese and is converted with the `opencc` CLI when installed (else its
    citations are skipped);
  * with a corpus (--corpus DIR, default $NEWSFLOW_CORPUS_DIR, else
    ../shared/corpus when present; the cls feed, or all four feeds with
    --all-feeds): every cluster fires on at least one item, and no single
    keyword hits more than --max-keyword-share of them.

Exit status: 0 when no violation, 1 otherwise. Useful while editing rules:
  --report               per-tag counts on the corpus
  --samples TAG [TAG...] sample corpus items of these tags, with the keywords hit

The matcher here is a Python approximation of the C++ engine (SCHEMA.md
semantics: word-bounded caseless ASCII keywords, CJK substrings, `except`
phrase masking, `not` veto, `all` groups, title weight, min_score), good enough
to measure rules; it is not the engine.
"""
import argparse
import glob
import gzip
import html
import json
import os
import re
import shutil
import subprocess
import sys

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("validate_rules.py needs PyYAML: pip install pyyaml")

HERE = os.path.dirname(os.path.abspath(__file__))
RULES_DIR = os.path.dirname(HERE)
REPO = os.path.dirname(RULES_DIR)

TOP_KEYS = {"version", "rules", "labels"}
LABEL_KEYS = {"field", "name", "tags", "weight", "reason"}
LABELS = []  # (where, entry) of every label table entry, checked against the taxonomy in main()
RULE_KEYS = {"tag", "name", "any", "all", "not", "except", "regex", "title_weight",
             "min_score", "alert", "provenance"}
PROV_KEYS = {"seed", "clause"}
KW_OBJ_KEYS = {"kw", "case"}
TAG_RE = re.compile(r"^(cluster|theme|region|project|program):[a-z0-9]+(-[a-z0-9]+)*$")
ASCII_WORD_RE = re.compile(r"^[A-Za-z0-9]+$")
# Characters that only occur in traditional Chinese (a small, safe sample):
# keywords must be written in simplified Chinese.
TRAD_ONLY = set("與產業體導積極發現創應軟訊網絡廣東資數據雲圖電腦龍灣區華為學習實驗國際術機車醫藥療環節氫儲鏈務"
                "幣門開關貝見長問間陽陰點線終構築鋼鐵銀財經濟證劃規個們這來時運動會號碼")


class Report:
    def __init__(self):
        self.errors = []
        self.notes = []

    def err(self, msg):
        self.errors.append(msg)

    def note(self, msg):
        self.notes.append(msg)


# ---------------------------------------------------------------- normalizer
TAG_STRIP = re.compile(r"<[^>]+>")


def normalize(text, t2s=None):
    text = html.unescape(TAG_STRIP.sub(" ", text or ""))
    out = []
    for ch in text:
        o = ord(ch)
        if 0xFF01 <= o <= 0xFF5E:
            out.append(chr(o - 0xFEE0))
        elif ch == "\u3000":
            out.append(" ")
        else:
            out.append(ch)
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    if t2s is not None:
        text = t2s(text)
    return text


def opencc_t2s():
    exe = shutil.which("opencc")
    if not exe:
        return None

    def conv(text):
        try:
            r = subprocess.run([exe, "-c", "t2s.json"], input=text.encode(), capture_output=True,
                               timeout=30, check=True)
            return r.stdout.decode()
        except Exception:
            return text
    return conv


# ---------------------------------------------------------------- matcher
def kw_text(k):
    return k["kw"] if isinstance(k, dict) else k


def compile_kw(k):
    case = isinstance(k, dict) and bool(k.get("case"))
    s = kw_text(k)
    flags = 0 if case else re.IGNORECASE
    if s.isascii():
        pre = r"(?<![A-Za-z0-9])" if s[:1].isalnum() else ""
        post = r"(?![A-Za-z0-9])" if s[-1:].isalnum() else ""
        return re.compile(pre + re.escape(s) + post, flags)
    return re.compile(re.escape(s), flags)


class CompiledRule:
    def __init__(self, rule, origin):
        self.origin = origin
        self.tag = rule["tag"]
        self.any = [(kw_text(k), compile_kw(k)) for k in rule.get("any", []) or []]
        self.regex = [(r, re.compile(r)) for r in rule.get("regex", []) or []]
        self.all = [[compile_kw(k) for k in grp] for grp in rule.get("all", []) or []]
        self.not_ = [compile_kw(k) for k in rule.get("not", []) or []]
        self.except_ = [compile_kw(k) for k in rule.get("except", []) or []]
        self.title_weight = float(rule.get("title_weight", 2.0))
        self.min_score = float(rule.get("min_score", 1.0))
        self.prov = [(p.get("seed"), p.get("clause")) for p in rule.get("provenance") or []
                     if isinstance(p, dict) and isinstance(p.get("seed"), str) and isinstance(p.get("clause"), str)]
        self.seeds = [sd for sd, _ in self.prov]

    def _spans(self, pats, text):
        return [m.span() for p in pats for m in p.finditer(text)]

    def _hits(self, pat, text, masks):
        out = []
        for m in pat.finditer(text):
            a, b = m.span()
            if any(ma <= a and b <= mb for ma, mb in masks):
                continue
            out.append(m)
        return out

    def score(self, title, body, detail=None):
        """Score of this rule on one document (title, body already normalized)."""
        whole = title + "\n" + body
        if any(p.search(whole) for p in self.not_):
            return 0.0
        masks = self._spans(self.except_, whole)
        for grp in self.all:
            if not any(self._hits(p, whole, masks) for p in grp):
                return 0.0
        tlen = len(title)
        total = 0.0
        for name, pat in self.any + self.regex:
            hs = self._hits(pat, whole, masks)
            if not hs:
                continue
            in_title = any(m.start() < tlen for m in hs)
            total += (self.title_weight if in_title else 1.0) + min(1.0, 0.25 * (len(hs) - 1))
            if detail is not None:
                detail.append(name)
        if not self.any and not self.regex and self.all:
            total = 1.0  # an all-only rule: the groups alone decide
        return total

    def fires(self, title, body, detail=None):
        return self.score(title, body, detail) >= self.min_score


# ---------------------------------------------------------------- taxonomy
def taxonomy_ids(path):
    fams, seeds_of = {}, {}
    section = None
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            section = ("cluster" if "cluster:" in line else "theme" if "theme:" in line
                       else "region" if "region:" in line else None)
            continue
        m = re.match(r"^\| *([a-z0-9][a-z0-9-]*) *\|", line)
        if section and m and m.group(1) != "id":
            cols = [c.strip() for c in line.strip().strip("|").split("|")]
            tag = f"{section}:{cols[0]}"
            fams[tag] = section
            last = cols[-1]
            if re.fullmatch(r"(\d{3} ?)+", last):
                seeds_of[tag] = last.split()
    return fams, seeds_of


# ---------------------------------------------------------------- checks
def check_keyword_list(rep, where, lst, what):
    if lst is None:
        return []
    if not isinstance(lst, list):
        rep.err(f"{where}: `{what}` must be a list")
        return []
    seen, out = set(), []
    for k in lst:
        if isinstance(k, dict):
            bad = set(k) - KW_OBJ_KEYS
            if bad or "kw" not in k:
                rep.err(f"{where}: `{what}` keyword object {k!r} needs `kw` and only kw/case")
                continue
            if "case" in k and not isinstance(k["case"], bool):
                rep.err(f"{where}: `{what}` keyword {k!r}: case must be true/false")
        elif not isinstance(k, str):
            rep.err(f"{where}: `{what}` keyword {k!r} is not a string")
            continue
        s = kw_text(k)
        if not isinstance(s, str) or not s.strip():
            rep.err(f"{where}: empty keyword in `{what}`")
            continue
        if s != s.strip():
            rep.err(f"{where}: keyword {s!r} in `{what}` has leading/trailing space")
        if re.search(r"\s{2,}|[\t\n]", s):
            rep.err(f"{where}: keyword {s!r} in `{what}` has a run of whitespace (text is collapsed)")
        if any(0xFF01 <= ord(c) <= 0xFF5E or c == "\u3000" for c in s):
            rep.err(f"{where}: keyword {s!r} in `{what}` has full-width ASCII (text is folded to half-width)")
        trad = [c for c in s if c in TRAD_ONLY]
        if trad:
            rep.err(f"{where}: keyword {s!r} in `{what}` has traditional characters {trad}")
        key = s.lower() if s.isascii() and not (isinstance(k, dict) and k.get("case")) else s
        if key in seen:
            rep.err(f"{where}: duplicate keyword {s!r} in `{what}`")
        seen.add(key)
        out.append(k)
    return out


def load_rules(rep, seeds_dir):
    files = sorted(glob.glob(os.path.join(RULES_DIR, "sets", "*.yaml")))
    if not files:
        rep.err("no rule files under rules/sets/")
    seed_text = {}
    rules = []
    for f in files:
        name = os.path.relpath(f, REPO)
        try:
            doc = yaml.safe_load(open(f, encoding="utf-8"))
        except yaml.YAMLError as e:
            rep.err(f"{name}: YAML parse error: {e}")
            continue
        if not isinstance(doc, dict):
            rep.err(f"{name}: top level must be a mapping")
            continue
        for k in set(doc) - TOP_KEYS:
            rep.err(f"{name}: unknown top-level key {k!r}")
        if doc.get("version") != 1:
            rep.err(f"{name}: version must be 1")
        if "labels" in doc:
            lab = doc["labels"]
            if not isinstance(lab, list) or not lab:
                rep.err(f"{name}: `labels` must be a non-empty list")
            else:
                for i, e in enumerate(lab):
                    LABELS.append((f"{name} label #{i + 1}", e))
            if "rules" not in doc:
                continue
        lst = doc.get("rules")
        if not isinstance(lst, list) or not lst:
            rep.err(f"{name}: `rules` must be a non-empty list")
            continue
        for i, r in enumerate(lst):
            where = f"{name} rule #{i + 1}"
            if not isinstance(r, dict):
                rep.err(f"{where}: not a mapping")
                continue
            where = f"{name} rule #{i + 1} ({r.get('tag')})"
            for k in set(r) - RULE_KEYS:
                rep.err(f"{where}: unknown key {k!r}")
            tag = r.get("tag")
            if not isinstance(tag, str) or not TAG_RE.match(tag):
                rep.err(f"{where}: bad tag {tag!r}")
                continue
            if "name" in r and not isinstance(r["name"], str):
                rep.err(f"{where}: name must be a string")
            anys = check_keyword_list(rep, where, r.get("any"), "any")
            check_keyword_list(rep, where, r.get("not"), "not")
            check_keyword_list(rep, where, r.get("except"), "except")
            if "all" in r:
                if not isinstance(r["all"], list) or not all(isinstance(g, list) and g for g in r["all"]):
                    rep.err(f"{where}: `all` must be a list of non-empty lists")
                else:
                    for g in r["all"]:
                        check_keyword_list(rep, where, g, "all")
            regs = r.get("regex") or []
            if not isinstance(regs, list):
                rep.err(f"{where}: `regex` must be a list")
                regs = []
            for rx in regs:
                if not isinstance(rx, str) or not rx:
                    rep.err(f"{where}: empty or non-string regex {rx!r}")
                    continue
                try:
                    re.compile(rx)
                except re.error as e:
                    rep.err(f"{where}: regex {rx!r} does not compile: {e}")
            if not anys and not regs and not r.get("all"):
                rep.err(f"{where}: no keywords (any/regex/all)")
            for k, typ in (("title_weight", (int, float)), ("min_score", (int, float)), ("alert", bool)):
                if k in r and (not isinstance(r[k], typ) or isinstance(r[k], bool) != (typ is bool)):
                    rep.err(f"{where}: {k} has the wrong type")
            prov = r.get("provenance")
            if not isinstance(prov, list) or not prov:
                rep.err(f"{where}: needs at least one provenance entry")
                prov = []
            for p in prov:
                if not isinstance(p, dict) or set(p) != PROV_KEYS:
                    rep.err(f"{where}: provenance entry {p!r} must have exactly seed and clause")
                    continue
                seed, clause = p["seed"], p["clause"]
                path = os.path.join(seeds_dir, str(seed))
                if not isinstance(seed, str) or "/" in seed or not os.path.isfile(path):
                    rep.err(f"{where}: provenance seed {seed!r} is not a file in seeds/")
                    continue
                if seed not in seed_text:
                    seed_text[seed] = open(path, encoding="utf-8").read()
                if not isinstance(clause, str) or not (10 <= len(clause) <= 200):
                    rep.err(f"{where}: clause {clause!r} must be a string of 10..200 characters")
                    continue
                if "<" in clause and re.search(r"<[^>]*>", clause):
                    rep.err(f"{where}: clause {clause!r} contains an HTML tag")
                if clause not in seed_text[seed]:
                    rep.err(f"{where}: clause {clause!r} is not a verbatim substring of {seed}")
            try:
                rules.append(CompiledRule(r, where))
            except re.error as e:
                rep.err(f"{where}: cannot compile: {e}")
    return files, rules


def fired_tags(rules, title, body):
    tags = set()
    for r in rules:
        if r.tag not in tags and r.fires(title, body):
            tags.add(r.tag)
    return tags


def read_corpus(corpus_dir, name, fields):
    path = os.path.join(corpus_dir, name)
    if not os.path.isfile(path):
        return None
    docs = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            docs.append((normalize(str(d.get(fields[0]) or "")), normalize(str(d.get(fields[1]) or ""))))
    return docs


FEEDS = [("cls-shared.jsonl.gz", ("title", "content")), ("eastmoney-shared.jsonl.gz", ("title", "summary")),
         ("ths-shared.jsonl.gz", ("title", "digest")), ("fincuge-2021-2022.jsonl.gz", ("title", "content"))]


def corpus_checks(rep, rules, tags, corpus, args):
    """Fire the rules on corpus items; report per-tag counts and over-broad keywords."""
    feeds = FEEDS if args.all_feeds else FEEDS[:1]
    docs = []
    for name, fields in feeds:
        d = read_corpus(corpus, name, fields)
        if d is not None:
            docs.extend(d)
    if not docs:
        print(f"corpus: no feed files in {corpus}, corpus checks skipped")
        return
    n = len(docs)
    lowered = [(t + "\n" + b).lower() for t, b in docs]
    # keyword -> set of doc indices, prefiltered with a plain substring test
    kw_docs = {}
    for r in rules:
        for name, pat in r.any:
            if name in kw_docs:
                continue
            low = name.lower()
            hit = set()
            for i, text in enumerate(lowered):
                if low in text:
                    t, b = docs[i]
                    if pat.search(t + "\n" + b):
                        hit.add(i)
            kw_docs[name] = hit
    tag_docs = {t: set() for t in tags}
    for r in rules:
        cand = set()
        for name, _ in r.any:
            cand |= kw_docs[name]
        if r.regex:  # regexes are not prefiltered: try every item
            cand = set(range(n))
        for i in cand:
            if i not in tag_docs[r.tag] and r.fires(*docs[i]):
                tag_docs[r.tag].add(i)
    print(f"corpus: {corpus}: {n} items ({', '.join(f[0] for f in feeds)})")
    for t in sorted(tags):
        if t.startswith("cluster:") and not tag_docs[t]:
            rep.err(f"{t}: fires on no corpus item")
    fired = sorted((len(v), t) for t, v in tag_docs.items())
    fam_counts = {}
    for c, t in fired:
        fam_counts.setdefault(t.split(":")[0], []).append(c)
    print("corpus: tags that fire at least once: " + ", ".join(
        f"{fam} {sum(1 for c in cs if c)}/{len(cs)}" for fam, cs in sorted(fam_counts.items())))
    if args.report:
        for c, t in sorted(fired, reverse=True):
            if c:
                print(f"  {c:6d}  {c / n:6.2%}  {t}")
    worst = []
    for r in rules:
        for name, _ in r.any:
            c = len(kw_docs[name])
            worst.append((c / n, name, r.tag))
            if c / n > args.max_keyword_share:
                rep.err(f"{r.tag}: keyword {name!r} hits {c}/{n} items (> {args.max_keyword_share:.0%})")
    worst.sort(reverse=True)
    print("corpus: most frequent keywords: " +
          ", ".join(f"{k} ({t}) {s:.1%}" for s, k, t in worst[:10]))
    for t in args.samples or []:
        ids = sorted(tag_docs.get(t, ()))
        print(f"--- samples of {t}: {len(ids)} items")
        step = max(1, len(ids) // args.n_samples)
        for i in ids[::step][:args.n_samples]:
            title, body = docs[i]
            detail = []
            for r in rules:
                if r.tag == t:
                    r.score(title, body, detail)
            print(f"  [{','.join(dict.fromkeys(detail))}] {(title or body)[:70]} | {body[:110]}")


def check_labels(rep, fams):
    """Label table entries: known keys, taxonomy tag ids, a reason, one entry per (field, name)."""
    seen = {}
    for where, e in LABELS:
        if not isinstance(e, dict):
            rep.err(f"{where}: not a mapping")
            continue
        for k in set(e) - LABEL_KEYS:
            rep.err(f"{where}: unknown key {k!r}")
        key = (e.get("field"), e.get("name"))
        if key in seen:
            rep.err(f"{where}: duplicate of {seen[key]} ({key[0]} {key[1]})")
        seen[key] = where
        if not str(e.get("reason") or "").strip():
            rep.err(f"{where}: no reason")
        tags = e.get("tags")
        if not isinstance(tags, list) or not tags:
            rep.err(f"{where}: `tags` must be a non-empty list")
            continue
        for t in tags:
            fam = str(t).split(":")[0]
            if fam in ("cluster", "theme", "region") and fams and t not in fams:
                rep.err(f"{where}: tag {t!r} is not in the taxonomy")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--taxonomy", default=None, help="taxonomy.md (default: rules/taxonomy.md, else ../shared/taxonomy.md)")
    ap.add_argument("--seeds", default=os.path.join(REPO, "seeds"))
    ap.add_argument("--corpus", default=None, help="corpus dir (default: $NEWSFLOW_CORPUS_DIR, else ../shared/corpus if present)")
    ap.add_argument("--no-corpus", action="store_true", help="skip the corpus checks")
    ap.add_argument("--max-keyword-share", type=float, default=0.10,
                    help="max share of corpus items a single keyword may hit (default 0.10)")
    ap.add_argument("--report", action="store_true", help="print per-tag corpus counts")
    ap.add_argument("--all-feeds", action="store_true", help="corpus checks on all four feeds, not only cls")
    ap.add_argument("--samples", nargs="*", metavar="TAG", help="print sample corpus items of these tags")
    ap.add_argument("--n-samples", type=int, default=12)
    args = ap.parse_args()
    rep = Report()

    tax = args.taxonomy
    if tax is None:
        for cand in (os.path.join(RULES_DIR, "taxonomy.md"), os.path.join(REPO, "..", "shared", "taxonomy.md"),
                     os.path.join(REPO, "shared", "taxonomy.md"),
                     os.path.join(REPO, "docs", "taxonomy.md")):
            if os.path.isfile(cand):
                tax = cand
                break
    if tax is None or not os.path.isfile(tax):
        rep.err("taxonomy.md not found (use --taxonomy)")
        fams, seeds_of = {}, {}
    else:
        fams, seeds_of = taxonomy_ids(tax)
        print(f"taxonomy: {tax}: {len(fams)} fixed ids")

    files, rules = load_rules(rep, args.seeds)
    print(f"rule files: {len(files)}; rules: {len(rules)}; label table entries: {len(LABELS)}")
    check_labels(rep, fams)
    tags = {r.tag for r in rules}
    per_family = {}
    for t in tags:
        per_family.setdefault(t.split(":")[0], set()).add(t)
    for fam in ("cluster", "theme", "region", "project", "program"):
        print(f"  {fam}: {len(per_family.get(fam, ()))} tags, "
              f"{sum(1 for r in rules if r.tag.startswith(fam + ':'))} rules")
    for t in sorted(fams):
        if t not in tags:
            rep.err(f"taxonomy id {t} has no rule")
    for t in sorted(tags):
        fam = t.split(":")[0]
        if fam in ("cluster", "theme", "region") and fams and t not in fams:
            rep.err(f"tag {t} is not a taxonomy id")
    n_named = len(per_family.get("project", ())) + len(per_family.get("program", ()))
    print(f"project/program tags: {n_named}")
    if n_named <= 60:
        rep.err(f"only {n_named} project/program tags (need more than 60)")

    # Seeds: each taxonomy id must fire on (at least one of) the seeds listed for it.
    if rules and os.path.isdir(args.seeds):
        t2s = opencc_t2s()
        seed_files = {os.path.basename(p)[:3]: p for p in glob.glob(os.path.join(args.seeds, "*.txt"))}
        seed_tags = {}
        for num, p in sorted(seed_files.items()):
            raw = open(p, encoding="utf-8").read()
            text = normalize(raw, t2s if num == "001" else None)
            seed_tags[num] = fired_tags(rules, "", text)
        checked = 0
        for t, nums in sorted(seeds_of.items()):
            have = [n for n in nums if n in seed_tags]
            if not have:
                continue
            checked += 1
            if not any(t in seed_tags[n] for n in have):
                rep.err(f"{t}: fires on none of its seeds {have}")
            for n in have:
                if t not in seed_tags[n]:
                    rep.note(f"{t}: listed for seed {n} but does not fire on it")
        print(f"seeds: checked {checked} taxonomy ids against their seed documents"
              + ("" if t2s else " (opencc not found: 001 matched unconverted)"))
        # A tag must fire on (one of) the seeds its provenance cites.
        cited = {}
        for r in rules:
            cited.setdefault(r.tag, set()).update(r.seeds)
        named_checked = 0
        for t, seeds in sorted(cited.items()):
            nums = {s[:3] for s in seeds if s[:3] in seed_tags and (t2s or s[:3] != "001")}
            if not nums:
                continue
            named_checked += 1
            if not any(t in seed_tags[n] for n in nums):
                rep.err(f"{t}: fires on none of the seeds its provenance cites {sorted(nums)}")
        print(f"seeds: checked {named_checked} tags against the seeds their provenance cites")
        # Each provenance clause of a cluster/theme/region rule names its field, so
        # the clause alone must be tagged with the rule's tag.
        n_clauses = 0
        for r in rules:
            if r.tag.split(":")[0] not in ("cluster", "theme", "region"):
                continue
            for seed, clause in r.prov:
                if seed.startswith("001") and not t2s:
                    continue
                n_clauses += 1
                text = normalize(clause, t2s if seed.startswith("001") else None)
                if r.tag not in fired_tags(rules, "", text):
                    rep.err(f"{r.tag}: its own provenance clause {clause!r} is not tagged with it")
        print(f"seeds: checked {n_clauses} provenance clauses tag their own field")

    # Corpus checks (cls feed by default; --all-feeds adds the other three).
    corpus = args.corpus
    if corpus is None and not args.no_corpus:
        for cand in (os.environ.get("NEWSFLOW_CORPUS_DIR") or "", os.path.join(REPO, "..", "shared", "corpus")):
            if os.path.isdir(cand):
                corpus = cand
                break
    if corpus and not args.no_corpus and rules:
        corpus_checks(rep, rules, tags, corpus, args)
    elif not args.no_corpus:
        print("corpus: not found, corpus checks skipped")

    for n in rep.notes:
        print("note:", n)
    for e in rep.errors:
        print("ERROR:", e)
    print(f"{len(rep.errors)} violation(s)")
    return 1 if rep.errors else 0


if __name__ == "__main__":
    sys.exit(main())
