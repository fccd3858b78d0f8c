"""How the labelled sets read the shared wire corpora: one place for the feed
files, their key and body fields, the title rule and first-occurrence
deduplication, so the samplers and validators extract identical text.

Title: the feed's `title`; for cls with an empty title, the 【…】 prefix of
`content` without brackets (or "" when there is none). Body: the body field
exactly as in the feed. A key repeated in a feed keeps its first occurrence.
"""
import gzip, json, os, re, sys

# feed -> (file in the corpus directory, key field, body field)
FEED_FILES = {
    "cls": ("cls-shared.jsonl.gz", "id", "content"),
    "eastmoney": ("eastmoney-shared.jsonl.gz", "code", "summary"),
    "ths": ("ths-shared.jsonl.gz", "id", "digest"),
    "fincuge": ("fincuge-2021-2022.jsonl.gz", "id", "content"),
}
BRACKET = re.compile(r"^\s*【([^】]*)】")

# The shared data beside the clone (../shared), as CI lays it out; the
# corpus directory can be moved with $NEWSFLOW_CORPUS_DIR.
SHARED = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "shared"))
DEFAULT_CORPUS = os.environ.get("NEWSFLOW_CORPUS_DIR") or os.path.join(SHARED, "corpus")
DEFAULT_TAXONOMY = os.path.join(SHARED, "taxonomy.md")


def title_body(feed, d):
    """(title, body) of one feed record, as every labelled set has them."""
    title = d.get("title") or ""
    body = d.get(FEED_FILES[feed][2]) or ""
    if feed == "cls" and not title.strip():
        m = BRACKET.match(body)
        title = m.group(1) if m else ""
    return title, body


def read_feed(corpus, feed):
    """Yields (key, record) for each key's first occurrence in the feed file."""
    fname, key_field, _ = FEED_FILES[feed]
    seen = set()
    with gzip.open(os.path.join(corpus, fname), "rt", encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            d = json.loads(line)
            key = f"{feed}:{d[key_field]}"
            if key in seen:
                continue
            seen.add(key)
            yield key, d


def gold_keys(paths):
    """Every key of the given gold JSON Lines files."""
    keys = set()
    for path in paths:
        with open(path, encoding="utf-8") as f:
            keys.update(json.loads(line)["key"] for line in f if line.strip())
    return keys


def taxonomy_ids(path):
    """First-column ids of the three fixed tables (cluster, theme, region)."""
    valid, section = set(), None
    for line in open(path, encoding="utf-8"):
        if line.startswith("## "):
            section = ("cluster" if "cluster:" in line else "theme" if "theme:" in line
                       else "region" if "region:" in line else None)
            continue
        m = re.match(r"^\|\s*([a-z0-9-]+)\s*\|", line)
        if section and m and m.group(1) != "id" and not set(m.group(1)) <= {"-"}:
            valid.add(f"{section}:{m.group(1)}")
    return valid


def draw_random_and_broad(feed, items, rng, n_random, n_broad, net):
    """One feed's draw as the samplers make it: n_random items uniformly from
    `items`, then n_broad from the rest of them whose title+body holds a word of
    `net`; returned in that order, each marked with its "subset"."""
    rand = rng.sample(items, n_random)
    taken = {it["key"] for it in rand}
    pool = [it for it in items if it["key"] not in taken
            and any(w in it["title"] + it["body"] for w in net)]
    broad = rng.sample(pool, n_broad)
    print(f"{feed}: eligible={len(items)} broad_pool={len(pool)} "
          f"random={len(rand)} broad={len(broad)}", file=sys.stderr)
    return [dict(it, subset="random") for it in rand] + [dict(it, subset="broad") for it in broad]


def write_selection(chosen, exclude, out):
    """Checks a selection (unique keys, none excluded) and writes it as JSON lines."""
    keys = [it["key"] for it in chosen]
    assert len(keys) == len(set(keys)), "duplicate keys"
    assert not set(keys) & exclude, "overlap with an excluded gold file"
    with open(out, "w", encoding="utf-8") as f:
        for it in chosen:
            f.write(json.dumps(it, ensure_ascii=False) + "\n")
    print(f"wrote {len(chosen)} items to {out}", file=sys.stderr)
