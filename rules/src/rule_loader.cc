// rule_loader.cc — parses and validates rules/sets/*.yaml into a RuleSet
// (and reads the directory's *.tsv watch lists with watch_list.cc).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_set>

#include "newsflow/base/fnv1a.h"
#include "newsflow/rules/rule_set.h"
#include "cache_file.h"
#include "rule_set_cache.h"
#include "rule_text_checks.h"
#include "newsflow/rules/taxonomy_ids.h"
#include "newsflow/rules/yaml_document.h"

namespace newsflow::rules {
namespace {

namespace fs = std::filesystem;

// Thrown inside this file only; converted to a Status at the API boundary.
struct RuleError {
  int line;
  std::string rule;
  std::string what;
};

int LineOf(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

std::string Scalar(const YAML::Node& n, const std::string& rule, const char* key) {
  if (!n.IsScalar()) throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a string"};
  return n.as<std::string>();
}

// A plain (unquoted) scalar: yaml-cpp tags a quoted one "!", so '2' and
// "true" are strings, as YAML means them.
bool IsPlainScalar(const YAML::Node& n) { return n.IsScalar() && n.Tag() != "!"; }

// A finite number: .nan, .inf and -.inf parse as doubles but are rejected.
double Number(const YAML::Node& n, const std::string& rule, const char* key) {
  if (!IsPlainScalar(n)) throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a number"};
  double v = 0;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a number"};
  }
  if (!std::isfinite(v))
    throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a finite number (not .nan or .inf)"};
  return v;
}

// true or false, as SCHEMA.md says: not YAML 1.1's yes/no/on/off/y/n, which
// yaml-cpp would also read as booleans, nor a quoted "true".
bool Bool(const YAML::Node& n, const std::string& rule, const char* key) {
  const std::string text = IsPlainScalar(n) ? n.Scalar() : std::string();
  if (text != "true" && text != "false" && text != "True" && text != "False" && text != "TRUE" && text != "FALSE")
    throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be true or false"};
  try {
    return n.as<bool>();
  } catch (const YAML::Exception&) {
    throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be true or false"};
  }
}

// Throws on a key given twice in one mapping (yaml-cpp keeps both and
// iteration would silently let the last one win). `what` names the mapping.
void CheckUniqueKeys(const YAML::Node& map, const std::string& rule, const char* what) {
  std::map<std::string, int> first_line;
  for (const auto& kv : map) {
    const auto key = kv.first.as<std::string>();
    const auto [it, fresh] = first_line.emplace(key, LineOf(kv.first));
    if (!fresh)
      throw RuleError{LineOf(kv.first), rule,
                      "duplicate key `" + key + "` in " + what + " (first at line " + std::to_string(it->second) + ")"};
  }
}

// Rejects keyword (or regex) text that cannot be matched (rule_text_checks.h),
// and a literal written in a form documents never have after normalization
// (full-width ASCII, a Unicode or doubled space, an invisible code point):
// it would never hit, and no other check would say so.
void CheckKeywordText(const Keyword& k, const std::string& rule) {
  if (std::string problem = KeywordTextProblem(k); !problem.empty()) throw RuleError{k.line, rule, problem};
  if (k.regex) return;
  // Between two marks, so that a single space at either end (" AI", which
  // can hit "使用 AI") is kept as documents keep it.
  const std::string marked = "|" + k.text + "|", folded = FoldLikeNormalizedText(marked);
  if (folded != marked)
    throw RuleError{k.line, rule,
                    "keyword '" + k.text + "' can never match: documents are matched normalized (full-width ASCII "
                    "folded, spaces collapsed, invisible characters dropped); write '" +
                        folded.substr(1, folded.size() - 2) + "'"};
}

Keyword ParseKeyword(const YAML::Node& n, const std::string& rule, bool regex) {
  Keyword k;
  k.line = LineOf(n);
  k.regex = regex;
  if (n.IsScalar()) {
    k.text = n.as<std::string>();
  } else if (n.IsMap() && !regex) {
    CheckUniqueKeys(n, rule, "the keyword");
    for (const auto& kv : n) {
      const auto key = kv.first.as<std::string>();
      if (key == "kw") {
        k.text = Scalar(kv.second, rule, "kw");
      } else if (key == "case") {
        k.case_sensitive = Bool(kv.second, rule, "case");
      } else {
        throw RuleError{LineOf(kv.first), rule, "unknown keyword key `" + key + "` (expected kw, case)"};
      }
    }
  } else {
    throw RuleError{k.line, rule, regex ? "a regex must be a string" : "a keyword must be a string or {kw, case}"};
  }
  CheckKeywordText(k, rule);
  // As a watch list's names: a `not` holding 'P&amp;G' would never veto.
  if (std::string problem = NormalizedTextProblem(k); !problem.empty()) throw RuleError{k.line, rule, problem};
  return k;
}

std::vector<Keyword> ParseKeywordList(const YAML::Node& n, const std::string& rule, const char* key,
                                      bool regex = false) {
  if (!n.IsSequence()) throw RuleError{LineOf(n), rule, std::string("`") + key + "` must be a list"};
  std::vector<Keyword> out;
  std::set<std::pair<std::string, bool>> seen;
  // Lowered: a caseless keyword matches every text a case-sensitive one of
  // the same letters does, so one mention of AI would count twice.
  std::map<std::string, std::string> caseless, cased;
  for (const auto& item : n) {
    Keyword k = ParseKeyword(item, rule, regex);
    // Caseless keywords match the same text whatever their ASCII case; a
    // regex's text is its own (\d and \D are two patterns).
    if (!seen.insert({k.case_sensitive || regex ? k.text : AsciiLowered(k.text), k.case_sensitive}).second)
      throw RuleError{k.line, rule, std::string("duplicate keyword '") + k.text + "' in `" + key + "`"};
    if (!regex) {
      const std::string lowered = AsciiLowered(k.text);
      auto& other = k.case_sensitive ? caseless : cased;
      if (const auto it = other.find(lowered); it != other.end())
        throw RuleError{k.line, rule,
                        std::string("duplicate keyword '") + k.text + "' in `" + key + "`: the caseless '" +
                            (k.case_sensitive ? it->second : k.text) + "' matches wherever the case-sensitive '" +
                            (k.case_sensitive ? k.text : it->second) + "' does, so one mention would count twice"};
      (k.case_sensitive ? cased : caseless).emplace(lowered, k.text);
    }
    out.push_back(std::move(k));
  }
  return out;
}

std::vector<Provenance> ParseProvenance(const YAML::Node& v, const std::string& rule) {
  if (!v.IsSequence()) throw RuleError{LineOf(v), rule, "`provenance` must be a list"};
  std::vector<Provenance> out;
  for (const auto& p : v) {
    if (!p.IsMap() || !p["seed"] || !p["clause"])
      throw RuleError{LineOf(p), rule, "a provenance entry needs `seed` and `clause`"};
    CheckUniqueKeys(p, rule, "the provenance entry");
    for (const auto& pk : p) {
      const auto pkey = pk.first.as<std::string>();
      if (pkey != "seed" && pkey != "clause")
        throw RuleError{LineOf(pk.first), rule, "unknown provenance key `" + pkey + "`"};
    }
    out.push_back({Scalar(p["seed"], rule, "seed"), Scalar(p["clause"], rule, "clause")});
    if (out.back().seed.empty() || out.back().clause.empty())
      throw RuleError{LineOf(p), rule, "a provenance entry needs a non-empty `seed` and `clause`"};
    // A file of the seeds directory, by name: a path (/etc/passwd,
    // ../rules/README.md) was opened and searched wherever it led.
    if (const std::string& seed = out.back().seed;
        seed.find('/') != std::string::npos || seed.find('\\') != std::string::npos || seed == "." || seed == "..")
      throw RuleError{LineOf(p), rule, "`seed: " + seed + "` is a path: a seed is the name of a file in the seeds "
                                       "directory (e.g. 000_1fa3d0f570f714d3.txt)"};
  }
  return out;
}

// Applies one `key: value` of a rule mapping to `r` (regexes go to `regexes`).
void ParseRuleKey(const std::string& key, const YAML::Node& k, const YAML::Node& v, Rule* r,
                  std::vector<Keyword>* regexes) {
  if (key == "tag") {
  } else if (key == "name") {
    r->name = Scalar(v, r->tag, "name");
  } else if (key == "any") {
    r->any = ParseKeywordList(v, r->tag, "any");
  } else if (key == "all") {
    if (!v.IsSequence()) throw RuleError{LineOf(v), r->tag, "`all` must be a list of keyword lists"};
    for (const auto& g : v) {
      r->all.push_back(ParseKeywordList(g, r->tag, "all"));
      if (r->all.back().empty()) throw RuleError{LineOf(g), r->tag, "empty `all` group"};
    }
  } else if (key == "not") {
    r->veto = ParseKeywordList(v, r->tag, "not");
  } else if (key == "except") {
    r->except = ParseKeywordList(v, r->tag, "except");
  } else if (key == "regex") {
    *regexes = ParseKeywordList(v, r->tag, "regex", /*regex=*/true);
  } else if (key == "title_weight") {
    r->title_weight = Number(v, r->tag, "title_weight");
    if (r->title_weight <= 0) throw RuleError{LineOf(v), r->tag, "`title_weight` must be > 0"};
  } else if (key == "min_score") {
    r->min_score = Number(v, r->tag, "min_score");
    if (r->min_score < 0) throw RuleError{LineOf(v), r->tag, "`min_score` must be >= 0 (a score is never negative)"};
  } else if (key == "alert") {
    r->alert = Bool(v, r->tag, "alert");
  } else if (key == "provenance") {
    r->provenance = ParseProvenance(v, r->tag);
  } else {
    throw RuleError{LineOf(k), r->tag,
                    "unknown key `" + key +
                        "` (expected tag, name, any, all, not, except, regex, title_weight, min_score, "
                        "alert, provenance)"};
  }
}

Rule ParseRule(const YAML::Node& n, const std::string& file) {
  Rule r;
  r.file = file;
  r.line = LineOf(n);
  if (!n.IsMap()) throw RuleError{r.line, "?", "a rule must be a mapping"};
  if (!n["tag"]) throw RuleError{r.line, "?", "rule has no `tag`"};
  r.tag = Scalar(n["tag"], "?", "tag");
  if (!IsValidTag(r.tag))
    throw RuleError{LineOf(n["tag"]), r.tag,
                    "bad tag id (expected cluster:|theme:|region:|project:|program: and a lowercase slug)"};
  if (std::string problem = TaxonomyProblem(r.tag); !problem.empty()) throw RuleError{LineOf(n["tag"]), r.tag, problem};
  CheckUniqueKeys(n, r.tag, "the rule");
  std::vector<Keyword> regexes;
  for (const auto& kv : n) ParseRuleKey(kv.first.as<std::string>(), kv.first, kv.second, &r, &regexes);
  // Regexes count like `any` keywords.
  for (auto& k : regexes) r.any.push_back(std::move(k));
  if (r.any.empty() && r.all.empty())
    throw RuleError{r.line, r.tag, "rule has no positive keywords (`any`, `all` or `regex`)"};
  if (r.provenance.empty())
    throw RuleError{r.line, r.tag, "rule has no `provenance` (at least one {seed, clause} entry is required)"};
  return r;
}

// A label's field: "feed.field" in lowercase feed and an ASCII field name.
bool IsValidLabelField(std::string_view f) {
  const size_t dot = f.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == f.size()) return false;
  return std::all_of(f.begin(), f.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
           c == '.';
  });
}

// One entry of a `labels:` list; the label's "field name" is its id in messages.
LabelEntry ParseLabel(const YAML::Node& n, const std::string& file) {
  LabelEntry e;
  e.file = file;
  e.line = LineOf(n);
  if (!n.IsMap()) throw RuleError{e.line, "label", "a label entry must be a mapping"};
  if (!n["field"] || !n["name"]) throw RuleError{e.line, "label", "a label entry needs `field` and `name`"};
  e.field = Scalar(n["field"], "label", "field");
  e.name = Scalar(n["name"], "label", "name");
  const std::string id = "label " + e.field + " " + e.name;
  if (!IsValidLabelField(e.field))
    throw RuleError{LineOf(n["field"]), id, "bad `field` (expected FEED.FIELD, e.g. ths.tagInfo)"};
  CheckUniqueKeys(n, id, "the label entry");
  CheckKeywordText(Keyword{e.name, false, false, LineOf(n["name"])}, id);
  for (const auto& kv : n) {
    const auto key = kv.first.as<std::string>();
    const YAML::Node& v = kv.second;
    if (key == "field" || key == "name") {
    } else if (key == "tags") {
      if (!v.IsSequence() || v.size() == 0) throw RuleError{LineOf(v), id, "`tags` must be a non-empty list"};
      for (const auto& t : v) {
        std::string tag = Scalar(t, id, "tags");
        if (!IsValidTag(tag)) throw RuleError{LineOf(t), id, "bad tag id '" + tag + "'"};
        if (std::string problem = TaxonomyProblem(tag); !problem.empty()) throw RuleError{LineOf(t), id, problem};
        if (std::find(e.tags.begin(), e.tags.end(), tag) != e.tags.end())
          throw RuleError{LineOf(t), id, "tag '" + tag + "' listed twice"};
        e.tags.push_back(std::move(tag));
      }
    } else if (key == "weight") {
      e.weight = Number(v, id, "weight");
      if (e.weight <= 0) throw RuleError{LineOf(v), id, "`weight` must be > 0"};
    } else if (key == "reason") {
      e.reason = Scalar(v, id, "reason");
    } else {
      throw RuleError{LineOf(kv.first), id, "unknown key `" + key + "` (expected field, name, tags, weight, reason)"};
    }
  }
  if (e.tags.empty()) throw RuleError{e.line, id, "label entry has no `tags`"};
  if (e.reason.find_first_not_of(" \t") == std::string::npos)
    throw RuleError{e.line, id, "label entry has no `reason` (its provenance: why the name means these tags)"};
  return e;
}

// Appends `n`'s entries; a (field, name) already in `out` is a duplicate.
void ParseLabels(const YAML::Node& n, const std::string& file, std::vector<LabelEntry>* out) {
  if (!n.IsSequence()) throw RuleError{LineOf(n), "labels", "`labels` must be a list"};
  for (const auto& item : n) {
    LabelEntry e = ParseLabel(item, file);
    for (const auto& o : *out)
      if (o.field == e.field && o.name == e.name)
        throw RuleError{e.line, "label " + e.field + " " + e.name,
                        "duplicate label (first at " + o.file + ":" + std::to_string(o.line) + ")"};
    out->push_back(std::move(e));
  }
}

}  // namespace

Status ParseRuleFile(std::string_view yaml_text, const std::string& file, RuleSet* out) {
  try {
    YAML::Node root;
    NEWSFLOW_RETURN_IF_ERROR(LoadOneYamlDocument(yaml_text, file, &root));
    if (!root.IsMap())
      return Status::InvalidArgument(file + ":1: a rule file must be a mapping with `version` and `rules` or `labels`");
    std::map<std::string, int> first_line;
    for (const auto& kv : root) {
      const auto key = kv.first.as<std::string>();
      const std::string where = file + ":" + std::to_string(LineOf(kv.first));
      if (key != "version" && key != "rules" && key != "labels")
        return Status::InvalidArgument(where + ": unknown top-level key `" + key + "` (expected version, rules, labels)");
      if (const auto [it, fresh] = first_line.emplace(key, LineOf(kv.first)); !fresh)
        return Status::InvalidArgument(where + ": duplicate top-level key `" + key + "` (first at line " +
                                       std::to_string(it->second) + ")");
    }
    if (!root["version"] || root["version"].as<std::string>() != "1")
      return Status::InvalidArgument(file + ":1: `version: 1` is required");
    const YAML::Node rules = root["rules"];
    const YAML::Node labels = root["labels"];
    if (!rules && !labels) return Status::InvalidArgument(file + ":1: a rule file needs `rules` or `labels`");
    if (rules && !rules.IsSequence()) return Status::InvalidArgument(file + ":1: `rules` must be a list");
    if (rules)
      for (const auto& n : rules) out->rules.push_back(ParseRule(n, file));
    if (labels) ParseLabels(labels, file, &out->labels);
  } catch (const RuleError& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.line) + ": rule '" + e.rule + "': " + e.what);
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return Status::OK();
}

namespace {

enum class RuleFileKind { kNone, kRules, kWatchList };

// By extension, in any case: *.yaml / *.yml rule files, *.tsv watch lists
// (an editor or a spreadsheet on another system may write SEMIS.YML).
RuleFileKind KindOf(const fs::path& path) {
  const std::string ext = AsciiLowered(path.extension().string());
  if (ext == ".yaml" || ext == ".yml") return RuleFileKind::kRules;
  if (ext == ".tsv") return RuleFileKind::kWatchList;
  return RuleFileKind::kNone;
}

}  // namespace

bool IsRuleFile(const std::string& path) { return KindOf(fs::path(path)) != RuleFileKind::kNone; }

namespace {

// A (field, name) of `labels` that one of `earlier` already has.
bool RepeatsALabel(const std::vector<LabelEntry>& labels, const std::vector<LabelEntry>& earlier) {
  std::unordered_set<std::string> seen;
  seen.reserve(earlier.size());
  for (const LabelEntry& e : earlier) seen.insert(e.field + '\0' + e.name);
  for (const LabelEntry& e : labels)
    if (seen.count(e.field + '\0' + e.name)) return true;
  return false;
}

}  // namespace

// The YAML files are parsed side by side, each into a set of its own (yaml-cpp
// is most of a start: ~45 ms for the shipped set on one core), then joined in
// file order. What a file checks against the files before it is checked
// while joining: a label repeated from an earlier file, and every watch list
// (parsed at its turn: its tags must not repeat earlier rules'). A file that
// failed alone, or repeats an earlier label, is parsed again at its turn
// against what came before, so the error is the one a parse in order gives.
Status LoadRuleDir(const std::string& dir, RuleSet* out) { return LoadRuleDir(dir, out, "", nullptr); }

Status LoadRuleDir(const std::string& dir, RuleSet* out, const std::string& cache_dir, std::string* cache_note) {
  std::string note_storage;
  std::string& note = cache_note ? *cache_note : note_storage;
  note.clear();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("rules directory not found: " + dir + " (set with --rules)");
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && IsRuleFile(e.path().string())) files.push_back(e.path());
  if (ec) return Status::IOError("cannot read rules directory " + dir + ": " + ec.message());
  if (files.empty()) return Status::InvalidArgument("no rule files (*.yaml, *.yml) or watch lists (*.tsv) in " + dir);
  std::sort(files.begin(), files.end());
  // A file that cannot be read fails the load at its turn: an earlier
  // file's error comes first, as in a parse in order.
  std::vector<std::string> texts(files.size());
  std::vector<Status> read(files.size());
  uint64_t h = kFnv1aBasis14;  // rule set versions are quoted and stored: keep them
  for (size_t k = 0; k < files.size(); ++k) {
    std::ifstream in(files[k], std::ios::binary);
    if (!in) {
      read[k] = Status::IOError("cannot read rule file " + files[k].string());
      continue;
    }
    std::stringstream ss;
    ss << in.rdbuf();  // an empty file is read as empty (and rejected by its parse)
    texts[k] = ss.str();
    h = Fnv1a(Fnv1a(h, files[k].filename().string()), texts[k]);
  }

  char version[17];
  std::snprintf(version, sizeof version, "%016llx", static_cast<unsigned long long>(h));
  // A parse of these very files (rule_set_cache.h), if one is kept.
  uint64_t cache_key = 0;
  const bool cached = !cache_dir.empty() && !cache::BuildId().empty() &&
                      std::all_of(read.begin(), read.end(), [](const Status& s) { return s.ok(); });
  if (cached) {
    cache_key = cache::RuleSetKey(dir, h, cache::BuildId());
    RuleSet set;
    if (cache::LoadCachedRuleSet(cache_dir, cache_key, &set, &note)) {
      note = "hit";
      set.version = version;
      *out = std::move(set);
      return Status::OK();
    }
    if (note == cache::kNoCachedFile) note = "miss";
  }

  // Each YAML file alone, on up to one thread per core (this one included).
  std::vector<size_t> yaml;
  for (size_t k = 0; k < files.size(); ++k)
    if (read[k].ok() && KindOf(files[k]) == RuleFileKind::kRules) yaml.push_back(k);
  std::vector<RuleSet> alone(files.size());
  std::vector<Status> parsed(files.size());
  std::vector<std::exception_ptr> thrown(files.size());
  std::atomic<size_t> next{0};
  auto parse_some = [&] {
    for (size_t i; (i = next.fetch_add(1)) < yaml.size();) {
      const size_t k = yaml[i];
      try {
        parsed[k] = ParseRuleFile(texts[k], files[k].string(), &alone[k]);
      } catch (...) {  // std::bad_alloc: rethrown below, as a parse in order would
        thrown[k] = std::current_exception();
      }
    }
  };
  {
    std::vector<std::jthread> helpers;
    const size_t want = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), yaml.size());
    for (size_t t = 1; t < want; ++t) {
      try {
        helpers.emplace_back(parse_some);
      } catch (const std::system_error&) {  // no thread to be had: this one parses the rest
        break;
      }
    }
    parse_some();
  }  // joins the helpers

  RuleSet set;
  for (size_t k = 0; k < files.size(); ++k) {
    if (!read[k].ok()) return read[k];
    if (thrown[k]) std::rethrow_exception(thrown[k]);
    Status s;
    if (KindOf(files[k]) == RuleFileKind::kWatchList) {
      s = ParseWatchList(texts[k], files[k].string(), &set);
    } else if (!parsed[k].ok() || RepeatsALabel(alone[k].labels, set.labels)) {
      s = ParseRuleFile(texts[k], files[k].string(), &set);  // fails, as in order
    } else {
      std::move(alone[k].rules.begin(), alone[k].rules.end(), std::back_inserter(set.rules));
      std::move(alone[k].labels.begin(), alone[k].labels.end(), std::back_inserter(set.labels));
    }
    if (!s.ok()) return s;
  }
  if (cached) {
    if (const Status stored = cache::StoreCachedRuleSet(cache_dir, cache_key, set); !stored.ok())
      note += (note.empty() ? "" : "; ") + stored.message();
  }
  set.version = version;
  *out = std::move(set);
  return Status::OK();
}

}  // namespace newsflow::rules
