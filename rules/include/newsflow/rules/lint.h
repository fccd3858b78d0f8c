// lint.h — static checks of a rule set: duplicate keywords across tags
// (as normalized documents spell them; ASCII-caselessly, unless `case: true`),
// keywords that always co-fire with a shorter one of the same rule, keywords
// that never count (their own rule's `not` or `except` silences every hit)
// and rules that therefore never fire, label entries of a field no feed
// writes, regexes holding traditional Chinese (normalized text has none),
// ASCII keywords whose ends cannot be boundary-checked, keywords
// with a space at an end (which then needs a space in the document), rules
// without provenance,
// provenance clauses that are not verbatim in their seed file, and label
// table entries naming a tag no rule defines. Watch-list entries (*.tsv) get
// the folded-list, edge-space, too-broad, boundary and duplicate checks only
// (their names are alternatives of one entity, and the list is their
// provenance), and those findings come back already explained: they inform
// the desk and never block a reload -- except a duplicate shared with two or
// more policy tags, which stays the rule set's finding.
//
// Findings that are intended are listed, with the reason, in an allow file
// (rules/lint-allow.yaml): `- {check: duplicate, keyword: 芯片, why: "..."}`;
// they are reported as explained and do not fail the lint.
//
// Ownership: values only. Threads: pure functions (Lint reads the seed
// files). Errors: Lint reports problems as findings, never fails;
// ApplyLintAllowList returns IOError or InvalidArgument for an allow file
// it cannot read or parse.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "newsflow/rules/rule_set.h"
#include "newsflow/base/status.h"

namespace newsflow::rules {

struct LintFinding {
  std::string check;    // "duplicate" | "shadowed" | "no-boundary" | "edge-space" | "too-broad" | "folded-list" | "never-counts" |
                        // "never-fires" | "no-provenance" | "bad-provenance" | "unknown-tag" | "unknown-field" |
                        // "traditional-regex" | "stale-allow" (an allow entry that matches no finding)
  std::string keyword;  // keyword concerned (or the tag for provenance checks)
  std::string message;  // what is wrong, with file:line
  std::string explained;  // the allow file's reason, if any
};

// A keyword as normalized documents spell it, beyond what the rules library
// folds itself (full-width ASCII, spaces; ASCII case for caseless keywords):
// traditional Chinese converted to simplified, which is the pipeline's
// (OpenCC; pipeline::SimplifiedSpelling).
using KeywordSpelling = std::function<std::string(const std::string& keyword)>;

// Runs all checks. `seeds_dir` is where provenance seed files are read from.
// Keywords are compared (`duplicate`, `never-counts`) as documents read
// them, through `spelling` when given (晶圓 of one tag is 晶圆 of another).
// `label_fields` are the fields feed labels come in (the built-in feeds':
// pipeline::BuiltInLabelFields); a label entry of another field is
// `unknown-field` (a field map's `as` field is explained in the allow
// file). Empty: not checked.
std::vector<LintFinding> Lint(const RuleSet& set, const std::string& seeds_dir, const KeywordSpelling& spelling = {},
                              const std::vector<std::string>& label_fields = {});

// Marks findings listed in the allow file (missing file = nothing allowed),
// and appends a "stale-allow" finding for each entry that matches none.
// IOError (unreadable file) or InvalidArgument (not a list of {check,
// keyword, why}).
Status ApplyLintAllowList(const std::string& allow_file, std::vector<LintFinding>* findings);

}  // namespace newsflow::rules
