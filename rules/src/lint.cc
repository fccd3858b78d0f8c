// lint.cc — see lint.h.
#include "newsflow/rules/lint.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "newsflow/rules/yaml_document.h"
#include "rule_text_checks.h"

namespace newsflow::rules {
namespace {

bool IsAlnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

std::string Where(const Rule& r, int line) { return r.file + ":" + std::to_string(line ? line : r.line); }

std::string ReadFile(const std::string& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  *ok = static_cast<bool>(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The label table (SCHEMA.md, "Feed labels"): the loader already rejects
// duplicates and entries without a reason; a tag no rule defines is a typo
// or a tag outside the taxonomy the rules implement.
void LintLabels(const RuleSet& set, std::vector<LintFinding>* out) {
  std::set<std::string> rule_tags;
  for (const Rule& r : set.rules) rule_tags.insert(r.tag);
  for (const LabelEntry& e : set.labels)
    for (const auto& t : e.tags)
      if (!rule_tags.count(t))
        out->push_back({"unknown-tag", t,
                        e.file + ":" + std::to_string(e.line) + ": label " + e.field + " '" + e.name + "': tag '" + t +
                            "' is not defined by any rule of the set",
                        ""});
}

// `k` as normalized documents spell it: full-width ASCII folded (between
// two marks, so that a space at an end stays, as rule_loader.cc keeps it),
// then through `spelling` when given. ASCII case is left as written.
std::string Spelled(const Keyword& k, const KeywordSpelling& spelling) {
  const std::string folded = FoldLikeNormalizedText("|" + k.text + "|");
  std::string text = folded.substr(1, folded.size() - 2);
  return spelling ? spelling(text) : text;
}

// Whether every hit of literal `inner` lies in text that `outer` also hits
// (the same text, ASCII-caselessly if `inner` is caseless), where an ASCII
// end of `inner` is on a word boundary inside `outer` as it needs one.
bool HitsWhereverItHits(const std::string& outer, const std::string& inner, bool inner_caseless) {
  const std::string o = inner_caseless ? AsciiLowered(outer) : outer;
  const std::string i = inner_caseless ? AsciiLowered(inner) : inner;
  for (size_t pos = o.find(i); !i.empty() && pos != std::string::npos; pos = o.find(i, pos + 1)) {
    const size_t end = pos + i.size();
    const bool left = !IsAlnum(static_cast<unsigned char>(i.front())) || pos == 0 ||
                      !IsAlnum(static_cast<unsigned char>(o[pos - 1]));
    const bool right = !IsAlnum(static_cast<unsigned char>(i.back())) || end == o.size() ||
                       !IsAlnum(static_cast<unsigned char>(o[end]));
    if (left && right) return true;
  }
  return false;
}

// A positive keyword that contains a `not` keyword (the same keyword, or
// one inside it) vetoes its own rule wherever it hits; one that is also an
// `except` phrase lies inside that phrase's hit wherever it hits. Either way
// it never counts (`never-counts`), and a rule whose `any` list, or one of
// its `all` groups, holds only such keywords can never fire (`never-fires`,
// reported instead).
void LintKeywordsThatNeverCount(const Rule& r, const KeywordSpelling& spelling, std::vector<LintFinding>* out) {
  if (r.veto.empty() && r.except.empty()) return;
  // Why `k` never counts, or "".
  auto why_dead = [&](const Keyword& k) -> std::string {
    if (k.regex) return "";
    const std::string text = Spelled(k, spelling);
    for (const Keyword& v : r.veto) {
      // A case-sensitive `not` does not veto every spelling of a caseless keyword.
      if (v.regex || (v.case_sensitive && !k.case_sensitive)) continue;
      if (HitsWhereverItHits(text, Spelled(v, spelling), !v.case_sensitive))
        return "every hit of it is vetoed by the `not` keyword '" + v.text + "'";
    }
    for (const Keyword& e : r.except) {
      if (e.regex || (e.case_sensitive && !k.case_sensitive)) continue;
      const std::string phrase = Spelled(e, spelling);
      if (e.case_sensitive ? phrase == text : AsciiLowered(phrase) == AsciiLowered(text))
        return "every hit of it lies inside the `except` phrase '" + e.text + "'";
    }
    return "";
  };
  std::vector<std::pair<const Keyword*, std::string>> dead;
  auto all_dead = [&](const std::vector<Keyword>& list) {
    bool every = !list.empty();
    for (const Keyword& k : list) {
      std::string why = why_dead(k);
      every &= !why.empty();
      if (!why.empty()) dead.emplace_back(&k, std::move(why));
    }
    return every;
  };
  std::string never;
  size_t first = 0;  // in `dead`, the first keyword of the list that never counts
  if (all_dead(r.any)) never = "`any`";
  for (const auto& group : r.all) {
    const size_t before = dead.size();
    if (all_dead(group) && never.empty()) {
      never = "an `all` group";
      first = before;
    }
  }
  if (!never.empty()) {
    out->push_back({"never-fires", r.tag,
                    Where(r, 0) + ": rule '" + r.tag + "' can never fire: no keyword of its " + never +
                        " ever counts ('" + dead[first].first->text + "': " + dead[first].second + ")",
                    ""});
    return;
  }
  for (const auto& [k, why] : dead)
    out->push_back({"never-counts", k->text,
                    Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text + "' never counts: " + why,
                    ""});
}

// A regex is matched against normalized text, which holds no traditional
// Chinese: where `spelling` changes a regex, the characters it changes can
// never match (a keyword gets its simplified spelling added; a regex cannot).
void LintTraditionalRegexes(const Rule& r, const KeywordSpelling& spelling, std::vector<LintFinding>* out) {
  if (!spelling) return;
  std::vector<const Keyword*> all;
  for (const auto* list : {&r.any, &r.veto, &r.except})
    for (const auto& k : *list) all.push_back(&k);
  for (const auto& g : r.all)
    for (const auto& k : g) all.push_back(&k);
  for (const Keyword* k : all) {
    if (!k->regex) continue;
    // A part normalized text never holds (full-width, a doubled space) that
    // an alternation kept from being a load error: a dead alternative.
    if (std::string folded = FoldedRegexProblem(*k); !folded.empty())
      out->push_back({"folded-regex", k->text, Where(r, k->line) + ": rule '" + r.tag + "': " + folded, ""});
    // The normalizer's spelling also folds what a regex's classes may hold
    // ('[，,]'): only a changed ideograph is a traditional one.
    const std::string read = spelling(k->text);
    if (!SameIdeographs(read, k->text))
      out->push_back({"traditional-regex", k->text,
                      Where(r, k->line) + ": rule '" + r.tag + "': regex '" + k->text +
                          "' holds traditional characters, which normalized documents never have (simplified: '" +
                          read + "')",
                      ""});
  }
}

// The keywords that score a rule: its `any` list and its `all` groups.
std::vector<const Keyword*> PositiveKeywords(const Rule& r) {
  std::vector<const Keyword*> out;
  for (const auto& k : r.any) out.push_back(&k);
  for (const auto& g : r.all)
    for (const auto& k : g) out.push_back(&k);
  return out;
}

// An `except` phrase hides the hits of a keyword that lies inside it. One
// that holds no keyword of its tag's rules (any of them: a tag's rules and
// its mined-vocabulary rule share their except phrases) hides nothing: a
// phrase that guarded a keyword since dropped, or one written around a
// neighbouring word ("打击俄" for 炼油 in "打击俄大型炼油企业"), which leaves the
// sense it was meant to remove tagged. A tag with a regex keyword is left
// alone: a regex may hit inside any phrase.
void LintExceptsThatHideNothing(const RuleSet& set, const KeywordSpelling& spelling, std::vector<LintFinding>* out) {
  // Tag -> its positive keywords as documents spell them, with whether each matches caselessly:
  // spelled once, not once per except phrase.
  std::map<std::string, std::vector<std::pair<std::string, bool>>> keywords_of;
  std::set<std::string> has_regex;
  for (const Rule& r : set.rules) {
    if (r.watch_list) continue;
    for (const Keyword* k : PositiveKeywords(r)) {
      if (k->regex) has_regex.insert(r.tag);
      keywords_of[r.tag].emplace_back(Spelled(*k, spelling), !k->case_sensitive);
    }
  }
  std::set<std::pair<std::string, std::string>> said;
  for (const Rule& r : set.rules) {
    if (r.watch_list || has_regex.count(r.tag)) continue;
    for (const Keyword& e : r.except) {
      if (e.regex || !said.insert({r.tag, e.text}).second) continue;
      const std::string phrase = Spelled(e, spelling);
      const auto& keywords = keywords_of[r.tag];
      const bool hides = std::any_of(keywords.begin(), keywords.end(), [&](const auto& k) {
        return HitsWhereverItHits(phrase, k.first, k.second);
      });
      if (!hides)
        out->push_back({"dead-except", e.text,
                        Where(r, e.line) + ": rule '" + r.tag + "': `except` phrase '" + e.text +
                            "' holds no keyword of the tag's rules, so it hides no hit",
                        ""});
    }
  }
}

// What no hit can score, and keywords that are not what they look like:
//   - a min_score above the most the rule's keywords can score (each distinct
//     keyword at most max(title_weight, 1) plus the repeat bonus,
//     CompileOptions' 0.25 x 4): `never-fires`;
//   - a regex with no operator that is also a literal keyword of the rule:
//     two patterns, so one mention counts twice (`counts-twice`; within one
//     list the loader refuses a keyword twice for that reason);
//   - a literal written like a regex (a class, \d, .*, an alternation): it
//     is matched as written and never hits (`literal-regex`).
// A score as a person writes it: 2, 2.5, 0.25.
std::string FormatNumber(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

void LintScoring(const Rule& r, std::vector<LintFinding>* out) {
  if (r.watch_list) return;
  constexpr double kMostRepeats = 0.25 * 4;
  // Each pattern scores once: a keyword as the compiler interns it (text,
  // case, regex), so AI and {kw: AI, case: true} are two.
  std::set<std::tuple<bool, bool, std::string>> distinct;
  const std::vector<const Keyword*> positive = PositiveKeywords(r);
  for (const Keyword* k : positive) distinct.insert({k->regex, k->case_sensitive, k->text});
  const double most = static_cast<double>(distinct.size()) * (std::max(r.title_weight, 1.0) + kMostRepeats);
  if (!positive.empty() && most + 1e-9 < r.min_score)
    out->push_back({"never-fires", r.tag,
                    Where(r, 0) + ": rule '" + r.tag + "' can never fire: min_score " + FormatNumber(r.min_score) +
                        " is above the most its " + std::to_string(distinct.size()) + " keyword(s) can score (" +
                        FormatNumber(most) + ": each at most its title weight " + FormatNumber(r.title_weight) +
                        " plus 1 for repeats)",
                    ""});
  auto operator_free = [](const std::string& re) { return re.find_first_of("\\[](){}|.*+?^$") == std::string::npos; };
  for (const Keyword* k : positive) {
    if (!k->regex || !operator_free(k->text)) continue;
    for (const Keyword* l : positive)
      if (!l->regex && AsciiLowered(l->text) == AsciiLowered(k->text)) {
        out->push_back({"counts-twice", k->text,
                        Where(r, k->line) + ": rule '" + r.tag + "': regex '" + k->text +
                            "' is the keyword '" + l->text + "' of the same rule: one mention scores twice",
                        ""});
        break;
      }
  }
  auto looks_like_regex = [](const std::string& t) {
    if (t.find("\\d") != std::string::npos || t.find("\\s") != std::string::npos || t.find(".*") != std::string::npos ||
        t.find(".+") != std::string::npos)
      return true;
    // A class: [三3], [A-Z], [ＡA] (not a bracketed word: [公告]): a few
    // members, one of them ASCII, or a range.
    const size_t open = t.find('[');
    const size_t close = open == std::string::npos ? open : t.find(']', open);
    if (close != std::string::npos && close > open + 1) {
      const std::string inside = t.substr(open + 1, close - open - 1);
      size_t characters = 0;
      bool ascii = false;
      for (const char c : inside) {
        characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
        ascii |= IsAlnum(static_cast<unsigned char>(c));
      }
      if (characters >= 2 && characters <= 4 && (ascii || inside.find('-') != std::string::npos)) return true;
    }
    const size_t paren = t.find('(');
    return paren != std::string::npos && t.find('|', paren) != std::string::npos && t.find(')', paren) != std::string::npos;
  };
  std::vector<const Keyword*> literals = positive;
  for (const auto& k : r.veto) literals.push_back(&k);
  for (const auto& k : r.except) literals.push_back(&k);
  for (const Keyword* k : literals)
    if (!k->regex && looks_like_regex(k->text))
      out->push_back({"literal-regex", k->text,
                      Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text +
                          "' is written like a regex, but a keyword is matched as written: move it to `regex:`",
                      ""});
}

// A label entry applies to the labels of its field only; `fields` are the
// ones the feeds write (empty: not checked).
void LintLabelFields(const RuleSet& set, const std::vector<std::string>& fields, std::vector<LintFinding>* out) {
  if (fields.empty()) return;
  std::string known;
  for (const auto& f : fields) known += (known.empty() ? "" : ", ") + f;
  for (const LabelEntry& e : set.labels)
    if (std::find(fields.begin(), fields.end(), e.field) == fields.end())
      out->push_back({"unknown-field", e.field,
                      e.file + ":" + std::to_string(e.line) + ": label " + e.field + " '" + e.name +
                          "': no feed writes labels of field '" + e.field + "' (the feeds write " + known +
                          "; a field map's `as` adds its own: explain it in the allow file)",
                      ""});
}

// What a finding about a watch list's name says instead of an allow entry:
// the list is the desk's data, so a reload never waits on it.
constexpr const char* kWatchListFinding =
    "a watch list's name (reported for the desk to read; never blocks a reload)";

}  // namespace

std::vector<LintFinding> Lint(const RuleSet& set, const std::string& seeds_dir, const KeywordSpelling& spelling,
                              const std::vector<std::string>& label_fields) {
  std::vector<LintFinding> out;
  std::set<std::string> watch_tags;
  for (const Rule& r : set.rules)
    if (r.watch_list) watch_tags.insert(r.tag);
  // Keyword -> tags whose positive keywords contain it. Keywords are grouped
  // as normalized documents spell them (full-width ASCII folded, traditional
  // Chinese through `spelling`), and caseless ones (all but `case: true`
  // ones) ASCII-caselessly, as they match: NVIDIA of one tag and Nvidia of
  // another, 晶圓 and 晶圆, hit the same text.
  auto as_read = [&](const Keyword& k) {
    std::string text = Spelled(k, spelling);
    return k.case_sensitive ? text : AsciiLowered(text);
  };
  std::map<std::string, std::set<std::string>> tags_of;
  std::map<std::string, std::string> first_where, first_text;
  std::map<std::string, std::string> seeds;
  // Two keywords YAML joined into one, which then matches nothing: in any
  // list (a folded `not` never vetoes, a folded `except` never excepts).
  auto folded = [&](const Rule& r, const Keyword& k) {
    const std::string head = Where(r, k.line) + ": rule '" + r.tag + "': keyword '" + k.text + "' ";
    // "芯片 - 光刻": a list item indented under the one before.
    if (k.text.find(" - ") != std::string::npos)
      out.push_back({"folded-list", k.text,
                     head + "holds ' - ': a list item indented under the one before, folded into it by YAML",
                     r.watch_list ? kWatchListFinding : ""});
    // "集成电路\n 光刻机" in a [...] list without a comma at the line
    // break, or a block item's name continued on the next line: YAML joins
    // the two lines with a space. A watch list has no YAML; there such a
    // name matches only text spaced so, which Chinese text rarely is.
    else if (HasSpaceBetweenIdeographs(k.text))
      out.push_back({"folded-list", k.text,
                     r.watch_list ? head + "holds a space between two CJK characters: it matches only text spaced so, "
                                           "which Chinese text rarely is"
                                  : head + "holds a space between two CJK characters: two keywords on two lines "
                                           "without a comma between them, joined into one by YAML (documents are "
                                           "not spaced so)",
                     r.watch_list ? kWatchListFinding : ""});
  };
  for (const Rule& r : set.rules) {
    for (const auto& k : r.any) if (!k.regex) folded(r, k);
    for (const auto& g : r.all)
      for (const auto& k : g) if (!k.regex) folded(r, k);
    for (const auto& k : r.veto) if (!k.regex) folded(r, k);
    for (const auto& k : r.except) if (!k.regex) folded(r, k);
  }
  for (const Rule& r : set.rules) {
    for (const Keyword* k : PositiveKeywords(r)) {
      if (k->regex) continue;
      const std::string group = as_read(*k);
      tags_of[group].insert(r.tag);
      first_where.emplace(group, Where(r, k->line));
      first_text.emplace(group, k->text);
      const auto f = static_cast<unsigned char>(k->text.front()), b = static_cast<unsigned char>(k->text.back());
      // A space is a boundary itself; what it does is narrow the keyword.
      if (f == ' ' || b == ' ')
        out.push_back({"edge-space", k->text,
                       Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text +
                           "' starts or ends with a space: that end matches only where a document has a space "
                           "(not before punctuation, a CJK character or the end of the text)",
                       r.watch_list ? kWatchListFinding : ""});
      // One character (的, 在, a letter) is in most documents: the tag would
      // fire on nearly everything, and check and the reload gate take it.
      size_t characters = 0;
      for (const char c : k->text) characters += c != ' ' && (static_cast<unsigned char>(c) & 0xC0) != 0x80;
      if (characters == 1)
        out.push_back({"too-broad", k->text,
                       Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text +
                           "' is one character: it is in most documents, so the rule fires on nearly everything",
                       r.watch_list ? kWatchListFinding : ""});
      if ((f < 0x80 && !IsAlnum(f) && f != ' ') || (b < 0x80 && !IsAlnum(b) && b != ' '))
        out.push_back({"no-boundary", k->text,
                       Where(r, k->line) + ": rule '" + r.tag + "': keyword '" + k->text +
                           "' starts or ends with ASCII punctuation, so that end matches without a word boundary",
                       r.watch_list ? kWatchListFinding : ""});
    }
    // Within one rule's `any`, a longer keyword containing a shorter one always co-fires with it.
    // A watch list's names are alternatives by design (贵州茅台 beside 茅台), and a watch list
    // cites no seed: the list itself is where its entries come from.
    if (r.watch_list) continue;
    LintKeywordsThatNeverCount(r, spelling, &out);
    LintTraditionalRegexes(r, spelling, &out);
    LintScoring(r, &out);
    for (const auto& a : r.any)
      for (const auto& b : r.any) {
        if (&a == &b || a.regex || b.regex || a.text.size() >= b.text.size()) continue;
        if (b.text.find(a.text) == std::string::npos) continue;
        // ASCII boundary keywords may not co-fire ("AI" vs "AIGC"): only CJK-contained cases.
        const bool a_boundary = IsAlnum(static_cast<unsigned char>(a.text.front())) ||
                                IsAlnum(static_cast<unsigned char>(a.text.back()));
        if (a_boundary && b.text.size() > a.text.size()) {
          const size_t pos = b.text.find(a.text);
          const bool left_ok = pos == 0 || !IsAlnum(static_cast<unsigned char>(b.text[pos - 1]));
          const size_t e = pos + a.text.size();
          const bool right_ok = e == b.text.size() || !IsAlnum(static_cast<unsigned char>(b.text[e]));
          if (!left_ok || !right_ok) continue;
        }
        out.push_back({"shadowed", b.text,
                       Where(r, b.line) + ": rule '" + r.tag + "': keyword '" + b.text +
                           "' always co-fires with the shorter '" + a.text +
                           "' of the same rule (it only adds score)",
                       ""});
      }
    if (r.provenance.empty()) {
      out.push_back({"no-provenance", r.tag, Where(r, 0) + ": rule '" + r.tag + "' has no provenance", ""});
    }
    for (const auto& p : r.provenance) {
      auto it = seeds.find(p.seed);
      if (it == seeds.end()) {
        bool ok;
        std::string text = ReadFile((std::filesystem::path(seeds_dir) / p.seed).string(), &ok);
        it = seeds.emplace(p.seed, ok ? text : std::string("\x01missing")).first;
      }
      if (it->second == "\x01missing")
        out.push_back({"bad-provenance", r.tag, Where(r, 0) + ": rule '" + r.tag + "': seed file '" + p.seed +
                                                    "' not found in " + seeds_dir, ""});
      else if (it->second.find(p.clause) == std::string::npos)
        out.push_back({"bad-provenance", r.tag,
                       Where(r, 0) + ": rule '" + r.tag + "': clause not found verbatim in " + p.seed + ": \"" +
                           p.clause + "\"",
                       ""});
    }
  }
  LintExceptsThatHideNothing(set, spelling, &out);
  LintLabels(set, &out);
  LintLabelFields(set, label_fields, &out);
  for (const auto& [kw, tags] : tags_of) {
    if (tags.size() < 2) continue;
    std::string list;
    for (const auto& t : tags) list += (list.empty() ? "" : ", ") + t;
    // A watch name shared with watch entities or one policy tag informs the
    // desk; two policy tags sharing a keyword stay the rule set's finding.
    const auto policy = std::count_if(tags.begin(), tags.end(), [&](const std::string& t) { return !watch_tags.count(t); });
    const bool watched = policy < static_cast<std::ptrdiff_t>(tags.size()) && policy <= 1;
    const std::string& text = first_text[kw];
    out.push_back({"duplicate", text, first_where[kw] + ": keyword '" + text + "' is used by several tags: " + list,
                   watched ? kWatchListFinding : ""});
  }
  return out;
}

Status ApplyLintAllowList(const std::string& allow_file, std::vector<LintFinding>* findings) {
  if (!std::filesystem::exists(allow_file)) return Status::OK();
  try {
    bool read = false;
    const std::string text = ReadFile(allow_file, &read);
    if (!read) return Status::IOError("cannot read allow file " + allow_file);
    YAML::Node root;
    NEWSFLOW_RETURN_IF_ERROR(LoadOneYamlDocument(text, allow_file, &root));
    if (!root.IsSequence()) return Status::InvalidArgument(allow_file + ": must be a list of {check, keyword, why}");
    for (const auto& n : root) {
      if (!n["check"] || !n["keyword"] || !n["why"])
        return Status::InvalidArgument(allow_file + ":" + std::to_string(n.Mark().line + 1) + ": entry needs check, keyword, why");
      const auto check = n["check"].as<std::string>(), kw = n["keyword"].as<std::string>(),
                 why = n["why"].as<std::string>();
      bool used = false;
      for (auto& f : *findings)
        if (f.check == check && f.keyword == kw) {
          f.explained = why;
          used = true;
        }
      if (!used)
        findings->push_back({"stale-allow", kw,
                             allow_file + ":" + std::to_string(n.Mark().line + 1) + ": allow entry for " + check +
                                 " '" + kw + "' matches no finding (remove it)",
                             ""});
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(allow_file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return Status::OK();
}

}  // namespace newsflow::rules
