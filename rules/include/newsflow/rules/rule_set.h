// rule_set.h — rules as written in rules/sets/*.yaml and *.tsv watch lists
// (see rules/SCHEMA.md).
//
// A RuleSet is plain data: LoadRuleDir() parses and validates every file of
// a directory; CompiledRules (compiled_rules.h) compiles it. Nothing here is
// shared mutable state; the caller owns the RuleSet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "newsflow/base/status.h"

namespace newsflow::rules {

// One literal (or regex) the matcher looks for.
struct Keyword {
  std::string text;
  bool case_sensitive = false;  // ASCII letters only; CJK has no case
  bool regex = false;           // Hyperscan regex instead of a literal
  int line = 0;                 // line in the rule file, for messages
};

// Where a rule comes from: a seed file and a verbatim clause of it.
struct Provenance {
  std::string seed;
  std::string clause;
};

struct Rule {
  std::string tag;                         // "cluster:ai", "project:pengcheng-lab", ...
  std::string name;                        // optional label
  std::vector<Keyword> any;                // at least one must hit (if non-empty)
  std::vector<std::vector<Keyword>> all;   // every group must hit
  std::vector<Keyword> veto;               // `not:` any hit vetoes the rule
  std::vector<Keyword> except;             // hits inside these phrases are ignored
  double title_weight = 2.0;
  double min_score = 1.0;
  bool alert = false;
  std::vector<Provenance> provenance;     // empty for a watch-list entry
  bool watch_list = false;                 // a line of a watch list (*.tsv): the list is its provenance
  std::string file;                        // rule file (path as given)
  int line = 0;                            // line of the rule's first key
};

// A feed metadata label that is evidence for tags (SCHEMA.md, "Feed labels"):
// the feeds attach concept, subject or sector names to their items (ths
// `tagInfo`, cls `subjects`); an entry maps one exact name of one feed field
// to taxonomy tags. Each distinct matching entry adds its weight to its
// tags' scores; a tag applies from labels alone when one of them has weight
// >= 1.0 (lighter entries only add to a tag that applies otherwise), unless
// a `not` keyword of one of the tag's rules hit.
struct LabelEntry {
  std::string field;              // "ths.tagInfo", "cls.subjects", ...: feed '.' field
  std::string name;               // the name exactly as the feed writes it
  std::vector<std::string> tags;  // taxonomy ids it is evidence for
  double weight = 1.0;            // what it adds to each tag's score (> 0)
  std::string reason;             // why the name means those tags (required)
  std::string file;
  int line = 0;
};

struct RuleSet {
  std::vector<Rule> rules;
  std::vector<LabelEntry> labels;  // unique by (field, name)
  std::string version;  // 16 hex digits: hash of every file's name and bytes
};

// Whether LoadRuleDir reads the file at `path`: a *.yaml or *.yml rule file
// or a *.tsv watch list, the extension in any case (whoever watches the
// directory for changes asks this).
bool IsRuleFile(const std::string& path);

// Loads every rule file and watch list (IsRuleFile) directly under `dir`
// (sorted by name). Fails on the first problem in file order with
// "FILE:LINE: rule 'TAG': what is wrong" (SCHEMA.md, "What the loader
// rejects": blank, non-UTF-8 or NUL keywords, .nan/.inf numbers, rules
// without provenance, duplicate keys, ...). Threads: parses the YAML files
// side by side on up to one thread per core, which it starts and joins
// before returning; the result and the error are those of a parse in file
// order.
Status LoadRuleDir(const std::string& dir, RuleSet* out);

// LoadRuleDir with the parsed rule set kept in `cache_dir` (the rules cache
// directory of compiled databases; "" = none): when the rule files, the
// directory and this program's build are those of a cached parse, it is
// read instead of parsing the YAML again (never trusted blindly: a cache
// file that fails any check is a miss, and the directory is parsed). A
// cache that cannot be written is no error. *cache_note (if given) says
// "hit", "miss" or why the cached parse was refused or not written.
Status LoadRuleDir(const std::string& dir, RuleSet* out, const std::string& cache_dir, std::string* cache_note);

// Parses one YAML rule file's text (`file` is used in messages). Appends to out->rules
// and out->labels (a label already in out->labels is a duplicate); does not
// touch out->version.
Status ParseRuleFile(std::string_view yaml_text, const std::string& file, RuleSet* out);

// Parses one watch list's text (SCHEMA.md, "Watch lists"): desks watch
// thousands of companies, each with a few names, and keep them in a
// spreadsheet. One line per entity (LF, CRLF or CR), TAB-separated: its
// `watch:<slug>` tag, then its names (aliases, short names, stock codes),
// each folded as documents are normalized (full-width ASCII, Unicode
// spaces). Lines starting with '#', blank lines, empty cells, a leading
// BOM and a name repeated on its line (ASCII-caselessly, after folding) are
// skipped. Each line becomes one rule (`any` = its names, the default title
// weight and min_score, watch_list = true), appended to out->rules. Fails
// with "FILE:LINE: rule 'TAG': what", adding nothing, on a tag outside the
// watch: family, a line without names, a name the YAML loader would reject
// or holding an HTML entity, a tag `out` or a line above already defines,
// or UTF-16 text.
Status ParseWatchList(std::string_view text, const std::string& file, RuleSet* out);

}  // namespace newsflow::rules
