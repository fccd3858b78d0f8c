#!/usr/bin/env python3
"""rules/tools/keyword_audit.py on a small made-up corpus: which documents a
pair decides (a feed label is its own evidence, never the keyword of the
same name), what held-out drops, that a later round skips what was read,
and the reads -> summary -> fixture path.

Usage: keyword_audit_tool_test.py SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SOURCE = sys.argv.pop(1) if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
TOOL = os.path.join(SOURCE, "rules", "tools", "keyword_audit.py")


def span(tag, keyword, field="body", begin=0):
    return {"tag": tag, "keyword": keyword, "field": field, "begin": begin, "end": begin + len(keyword.encode()),
            "text": keyword}


def doc(key, title, body, tags, spans, story=None, labels=()):
    return {"key": key, "title": title, "body": body, "tags": tags, "spans": spans, "story": story or key,
            "labels": [{"field": "ths.tagInfo", "name": n} for n in labels]}


CHIP = "cluster:semiconductors"
# 芯片 decides the tag in a1..a4 (a4 repeats it), not in b (two keywords) nor in c (the
# label 芯片 is evidence of its own); d is held out by key, e by story, f by its title.
CORPUS = [
    doc("cls:a1", "芯片公司发布新品一号", "芯片出货", [CHIP], [span(CHIP, "芯片")]),
    doc("cls:a2", "芯片公司发布新品二号", "芯片出货", [CHIP], [span(CHIP, "芯片")]),
    doc("cls:a3", "芯片公司发布新品三号", "芯片出货", [CHIP], [span(CHIP, "芯片")]),
    doc("cls:a4", "芯片公司发布新品四号", "芯片出货芯片", [CHIP], [span(CHIP, "芯片"), span(CHIP, "芯片", begin=12)]),
    doc("cls:b", "芯片与晶圆的消息一则", "芯片晶圆", [CHIP], [span(CHIP, "芯片"), span(CHIP, "晶圆", begin=6)]),
    doc("ths:c", "芯片概念的消息一则啊", "芯片", [CHIP], [span(CHIP, "芯片"), span(CHIP, "芯片", field="label")],
        labels=["芯片"]),
    doc("cls:d", "被留出的消息一则啊啊", "芯片", [CHIP], [span(CHIP, "芯片")]),
    doc("eastmoney:e", "同一故事的另一个版本", "芯片", [CHIP], [span(CHIP, "芯片")], story="ths:held"),
    doc("cls:f", "留出条目的标题完全相同", "芯片", [CHIP], [span(CHIP, "芯片")]),
]
HELD_OUT = [{"key": "cls:d", "title": "", "body": ""},
            {"key": "ths:held", "title": "", "body": ""},
            {"key": "ths:g", "title": "留出条目的标题完全相同", "body": ""}]
TAGGED = CORPUS + [doc("ths:held", "", "芯片", [CHIP], [span(CHIP, "芯片")], story="ths:held")]


def write_jsonl(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


class KeywordAuditTool(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.d = self.tmp.name
        self.corpus = os.path.join(self.d, "reviewable.jsonl")
        self.gold = os.path.join(self.d, "gold.jsonl")
        self.tagged = os.path.join(self.d, "tagged.jsonl")
        write_jsonl(self.corpus, CORPUS)
        write_jsonl(self.gold, HELD_OUT)
        write_jsonl(self.tagged, TAGGED)

    def tearDown(self):
        self.tmp.cleanup()

    def run_tool(self, *args, check=True):
        return subprocess.run([sys.executable, TOOL, *args], capture_output=True, text=True, check=check)

    def sample(self, out, *extra):
        self.run_tool("sample", self.corpus, "--gold", self.gold, "--tagged", self.tagged, "--min-docs", "1",
                      "--batches", "1", "--out", out, *extra)
        return read_jsonl(os.path.join(out, "batch_0.jsonl"))

    def test_a_pair_decides_only_documents_where_it_is_the_only_evidence(self):
        rows = self.sample(os.path.join(self.d, "r1"), "--per-pair", "10")
        keys = sorted(r["key"] for r in rows if r["keyword"] == "芯片")
        self.assertEqual(keys, ["cls:a1", "cls:a2", "cls:a3", "cls:a4"])
        self.assertTrue(all(r["decisive_docs"] == 4 for r in rows if r["keyword"] == "芯片"))
        self.assertNotIn("ths:c", [r["key"] for r in rows])  # the label and the keyword together
        self.assertIn("[[芯片]]", rows[0]["context"])

    def test_a_label_alone_is_its_own_pair(self):
        only_label = CORPUS + [doc("ths:h", "只有标签的消息一则啊", "没有关键词", [CHIP],
                                   [span(CHIP, "芯片", field="label")], labels=["芯片"])]
        write_jsonl(self.corpus, only_label)
        rows = self.sample(os.path.join(self.d, "r1"), "--per-pair", "10")
        label_rows = [r for r in rows if r["key"] == "ths:h"]
        self.assertEqual([r["keyword"] for r in label_rows], ["label:芯片"])
        self.assertTrue(label_rows[0]["context"].startswith("[[feed label 芯片]]"))

    def test_held_out_keys_story_copies_and_titles_are_never_drawn(self):
        rows = self.sample(os.path.join(self.d, "r1"), "--per-pair", "10")
        self.assertFalse({"cls:d", "eastmoney:e", "cls:f"} & {r["key"] for r in rows})
        self.assertNotEqual(self.run_tool("sample", self.corpus, "--gold", self.gold, "--out",
                                          os.path.join(self.d, "x"), check=False).returncode, 0,
                            "--gold without --tagged would miss story copies")

    def test_a_later_round_skips_what_was_read_and_keeps_the_pair_count(self):
        r1 = self.sample(os.path.join(self.d, "r1"), "--per-pair", "2")
        r2 = self.sample(os.path.join(self.d, "r2"), "--per-pair", "10", "--skip-read", os.path.join(self.d, "r1"),
                         "--seed", "2", "--id-prefix", "r2-")
        first = {r["key"] for r in r1 if r["keyword"] == "芯片"}
        second = {r["key"] for r in r2 if r["keyword"] == "芯片"}
        self.assertEqual(len(first), 2)
        self.assertEqual(first | second, {"cls:a1", "cls:a2", "cls:a3", "cls:a4"})
        self.assertFalse(first & second)
        self.assertTrue(all(r["decisive_docs"] == 4 and r["id"].startswith("r2-") for r in r2))
        self.assertEqual(r1, self.sample(os.path.join(self.d, "r1again"), "--per-pair", "2"), "not deterministic")

    def test_reads_summary_and_fixture(self):
        out = os.path.join(self.d, "r1")
        rows = self.sample(out, "--per-pair", "10")
        verdicts = [{"id": r["id"], "v": "n" if r["key"] in ("cls:a1", "cls:a2", "cls:a3") else "y",
                     "why": "company name\tonly" if r["key"] == "cls:a1" else ""} for r in rows]
        write_jsonl(os.path.join(out, "verdict_0.jsonl"), verdicts)
        reads = os.path.join(self.d, "reads.tsv")
        summary = os.path.join(self.d, "keywords.tsv")
        self.run_tool("collect", out, "--out", reads)
        self.run_tool("summarize", reads, "--out", summary)
        self.run_tool("summarize", reads, "--out", summary, "--check")
        with open(summary, encoding="utf-8") as f:
            header, chip = f.readline().rstrip("\n").split("\t"), None
            for line in f:
                cols = dict(zip(header, line.rstrip("\n").split("\t")))
                if cols["keyword"] == "芯片":
                    chip = cols
        self.assertEqual((chip["read_y"], chip["read_n"], chip["est_wrong_docs"]), ("1", "3", "3.0"))
        self.assertIn("company name only", chip["wrong_senses"])  # a tab in a reason does not split the row
        with open(summary, "a", encoding="utf-8") as f:
            f.write("extra\n")
        self.assertNotEqual(self.run_tool("summarize", reads, "--out", summary, "--check", check=False).returncode, 0)

        # The fixture: read-as-wrong documents the current rules no longer tag, and one
        # read-as-right document per fixed pair that they still tag.
        now = [dict(d, tags=[]) if d["key"] in ("cls:a1", "cls:a2") else d for d in TAGGED]
        write_jsonl(self.tagged, now)
        fixture = os.path.join(self.d, "fixture.jsonl")
        self.run_tool("fixture", reads, "--tagged", self.tagged, "--out", fixture)
        items = read_jsonl(fixture)
        self.assertEqual([(i["key"], i["read"]) for i in items], [("cls:a1", "n"), ("cls:a2", "n"), ("cls:a4", "y")])
        self.assertEqual(items[0]["keyword"], "芯片")

    def test_a_later_round_adds_to_the_reads_and_its_count_is_the_estimate(self):
        # Round 1 reads two of 芯片's four decisive documents; the reads TSV is all that is kept of it.
        r1 = os.path.join(self.d, "r1")
        rows = self.sample(r1, "--per-pair", "2")
        write_jsonl(os.path.join(r1, "verdict_0.jsonl"), [{"id": r["id"], "v": "y"} for r in rows])
        reads1 = os.path.join(self.d, "reads1.tsv")
        self.run_tool("collect", r1, "--out", reads1)
        # A later rule set decides 芯片 in three documents only (a4 gained a second keyword).
        later = [dict(d, spans=d["spans"] + [span(CHIP, "晶圆", begin=6)]) if d["key"] == "cls:a4" else d
                 for d in CORPUS]
        write_jsonl(self.corpus, later)
        only = os.path.join(self.d, "only.tsv")
        with open(only, "w", encoding="utf-8") as f:
            f.write(f"{CHIP}\t芯片\t5\n{CHIP}\t晶圆\t\n")  # 芯片: up to 5 documents; 晶圆: --per-pair
        r2 = self.sample(os.path.join(self.d, "r2"), "--only", only, "--per-pair", "0", "--skip-read", r1,
                         "--seed", "2", "--id-prefix", "r2-")
        read1 = {r["key"] for r in rows}
        self.assertEqual({r["key"] for r in r2}, {"cls:a1", "cls:a2", "cls:a3"} - read1)
        self.assertTrue(all(r["keyword"] == "芯片" and r["decisive_docs"] == 3 for r in r2))
        write_jsonl(os.path.join(self.d, "r2", "verdict_0.jsonl"), [{"id": r["id"], "v": "n"} for r in r2])
        reads = os.path.join(self.d, "reads.tsv")
        self.run_tool("collect", os.path.join(self.d, "r2"), "--keep", reads1, "--out", reads)
        with open(reads, encoding="utf-8") as f:
            ids = [line.split("\t")[0] for line in f][1:]
        self.assertEqual(ids, [r["id"] for r in rows] + [r["id"] for r in r2])
        summary = os.path.join(self.d, "keywords.tsv")
        self.run_tool("summarize", reads, "--out", summary)
        with open(summary, encoding="utf-8") as f:
            header = f.readline().rstrip("\n").split("\t")
            chip = [dict(zip(header, l.rstrip("\n").split("\t"))) for l in f if "\t芯片\t" in l][0]
        n = len(r2)
        self.assertEqual((chip["decisive_docs"], chip["read_y"], chip["read_n"]), ("3", "2", str(n)))
        self.assertEqual(chip["est_wrong_docs"], f"{3 * n / (2 + n):.1f}")
        # A blank count falls back to --per-pair: cls:b, where 晶圆 and 芯片 give the tag together, is no
        # decisive document of either, so 晶圆 decides nothing and nothing is drawn for it; a bad line is refused.
        with open(only, "w", encoding="utf-8") as f:
            f.write("tag\tkeyword\tcount\n")
        self.assertNotEqual(self.run_tool("sample", self.corpus, "--only", only, "--out", os.path.join(self.d, "bad"),
                                          check=False).returncode, 0, "a header line is not a pair")
        with open(only, "w", encoding="utf-8") as f:
            f.write(f"{CHIP}\t芯片\t\n")
        r3 = self.sample(os.path.join(self.d, "r3"), "--only", only, "--per-pair", "2", "--seed", "3")
        self.assertEqual(len(r3), 2)
        asked = self.run_tool("sample", self.corpus, "--only", only, "--per-pair", "9", "--min-docs", "1",
                              "--out", os.path.join(self.d, "r4"))
        self.assertIn("asked for", asked.stderr, "a pair with fewer documents than asked for is said")
        self.assertNotEqual(self.run_tool("collect", os.path.join(self.d, "r2"), "--keep", summary, "--out",
                                          os.path.join(self.d, "x.tsv"), check=False).returncode, 0,
                            "--keep takes a reads TSV only")

    def test_collect_refuses_verdicts_that_do_not_answer_the_batch(self):
        out = os.path.join(self.d, "r1")
        rows = self.sample(out, "--per-pair", "10")
        write_jsonl(os.path.join(out, "verdict_0.jsonl"), [{"id": r["id"], "v": "y"} for r in rows[:-1]])
        self.assertNotEqual(self.run_tool("collect", out, "--out", os.path.join(self.d, "reads.tsv"),
                                          check=False).returncode, 0)


if __name__ == "__main__":
    unittest.main()
