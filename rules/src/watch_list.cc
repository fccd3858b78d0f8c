// watch_list.cc — parses a watch list (*.tsv) into rules; see ParseWatchList
// in rule_set.h and rules/SCHEMA.md, "Watch lists".
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "newsflow/rules/rule_set.h"
#include "rule_text_checks.h"

namespace newsflow::rules {
namespace {

// The next line of `*text` without its end (LF, CRLF, or a lone CR, as old
// spreadsheet exports write); advances past the end.
std::string_view NextLine(std::string_view* text) {
  const size_t end = text->find_first_of("\r\n");
  const std::string_view line = text->substr(0, end);
  size_t skip = end == std::string_view::npos ? text->size() : end + 1;
  if (end != std::string_view::npos && (*text)[end] == '\r' && end + 1 < text->size() && (*text)[end + 1] == '\n')
    ++skip;
  text->remove_prefix(skip);
  return line;
}

// A cell as a spreadsheet quoted it on export ("Apple, Inc.", "McDonald's",
// a quote doubled inside): replaced by the text between the quotes, each ""
// one ", and true. Kept with its quotes, the name could never hit. A cell
// that is not so quoted (a lone " inside: "a"b", or "a"") is left as it is:
// no export writes it, and guessing would change the name.
bool Unquote(std::string* cell) {
  const std::string& c = *cell;
  if (c.size() < 2 || c.front() != '"' || c.back() != '"') return false;
  std::string out;
  for (size_t i = 1; i + 1 < c.size(); ++i) {
    if (c[i] == '"') {
      if (i + 2 >= c.size() || c[i + 1] != '"') return false;  // a lone quote
      ++i;
    }
    out += c[i];
  }
  *cell = std::move(out);
  return true;
}

// Takes the next TAB-separated cell of `line` into *cell. A cell a
// spreadsheet quoted may hold a TAB ("Apple<TAB>Inc" is one cell): one that
// opens with a quote runs to its closing quote (a doubled "" inside is
// text) and the spaces after it. A quote that closes before more text
// ("a"b), or never closes while a TAB follows ("a""<TAB>), is no such cell:
// it ends at the TAB, as any other. False when the quote runs to the end of
// the line unclosed: a line break inside the cell (Alt+Enter), which a
// line-per-entity list cannot hold.
bool NextCell(std::string_view* line, std::string_view* cell) {
  const std::string_view l = *line;
  size_t i = l.find_first_not_of(' ');
  if (i != std::string_view::npos && l[i] == '"') {
    for (++i; i < l.size(); ++i) {
      if (l[i] != '"') continue;
      if (i + 1 < l.size() && l[i + 1] == '"') {
        ++i;
        continue;
      }
      break;
    }
    if (i >= l.size() && l.find('\t') == std::string_view::npos) return false;
    size_t end = i < l.size() ? l.find_first_not_of(' ', i + 1) : std::string_view::npos;
    if (end == std::string_view::npos) end = l.size();
    if (i < l.size() && (end == l.size() || l[end] == '\t')) {
      *cell = l.substr(0, end);
      line->remove_prefix(end == l.size() ? end : end + 1);
      return true;
    }
  }
  const size_t tab = l.find('\t');
  *cell = l.substr(0, tab);
  line->remove_prefix(tab == std::string_view::npos ? l.size() : tab + 1);
  return true;
}

}  // namespace

Status ParseWatchList(std::string_view text, const std::string& file, RuleSet* out) {
  // Where each tag is already defined (by YAML rules, earlier lists, or a
  // line above): an entity is one line. `out` is not touched before the end.
  std::unordered_map<std::string, std::string> defined;
  for (const Rule& r : out->rules) defined.emplace(r.tag, r.file + ":" + std::to_string(r.line));
  std::vector<Rule> rules;
  int line_no = 0;
  auto error = [&](std::string_view rule, const std::string& what) {
    return Status::InvalidArgument(file + ":" + std::to_string(line_no) + ": rule '" + std::string(rule) +
                                   "': " + what);
  };
  // UTF-16 with its BOM, or without: then an ASCII first character (w of
  // watch:) has a NUL beside it, which no UTF-8 list holds.
  if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF" ||
      (text.size() >= 2 && (text[0] == '\0') != (text[1] == '\0')))
    return Status::InvalidArgument(file + ":1: UTF-16 text (a spreadsheet's \"Unicode Text\"): save the list as UTF-8");
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a spreadsheet's UTF-8 BOM
  while (!text.empty()) {
    ++line_no;
    std::string_view line = NextLine(&text);
    if (const std::string folded = FoldLikeNormalizedText(line); folded.empty() || folded[0] == '#') continue;

    Rule r;
    r.file = file;
    r.line = line_no;
    r.watch_list = true;
    std::unordered_set<std::string> names;
    for (size_t col = 0; !line.empty() || col == 0; ++col) {
      std::string_view raw;
      if (!NextCell(&line, &raw))
        return error(col == 0 ? line : r.tag, "a quoted cell does not close on its line (a stray quote, or a line "
                                              "break inside a spreadsheet cell): an entity and its names are one line");
      std::string cell = FoldLikeNormalizedText(raw);
      if (Unquote(&cell)) cell = FoldLikeNormalizedText(cell);  // what was inside the quotes (a TAB: a space)
      if (col == 0) {
        r.tag = cell;
        if (!IsValidWatchTag(r.tag))
          return error(r.tag, std::string("bad tag id (a watch list's first column is watch:<slug>, a lowercase slug "
                                          "of a-z, 0-9 and '-'; tags of other families come from YAML rules with "
                                          "provenance)") +
                                  (r.tag.find(' ') != std::string::npos ? "; columns are TAB-separated" : ""));
        if (const auto it = defined.find(r.tag); it != defined.end())
          return error(r.tag, "tag already defined (at " + it->second + "): an entity's names go on its one line");
        continue;
      }
      if (cell.empty()) continue;  // an empty cell, e.g. a spreadsheet's trailing columns
      Keyword k{cell, false, false, line_no};
      if (std::string problem = KeywordTextProblem(k); !problem.empty()) return error(r.tag, problem);
      if (const std::string_view entity = HtmlEntity(cell); !entity.empty())
        return error(r.tag, "name '" + cell + "' holds the HTML entity '" + std::string(entity) +
                                "': write the character itself (documents are read with entities decoded)");
      // A name repeated on its line (ＮＶＩＤＩＡ beside NVIDIA, NVIDIA beside
      // Nvidia) matches the same text: it counts once.
      if (!names.insert(AsciiLowered(cell)).second) continue;
      r.any.push_back(std::move(k));
    }
    if (r.any.empty()) return error(r.tag, "no names (TAB-separated after the tag)");
    defined.emplace(r.tag, file + ":" + std::to_string(line_no));
    rules.push_back(std::move(r));
  }
  // An empty export (0 bytes, or a header comment only) would drop every
  // watch tag of the file on a reload that reports success, as an empty
  // YAML rule file is refused: delete the file to watch nothing.
  if (rules.empty())
    return Status::InvalidArgument(file + ":1: a watch list with no entities (one line per entity: "
                                          "watch:<slug> TAB names); delete the file to watch none");
  for (Rule& r : rules) out->rules.push_back(std::move(r));
  return Status::OK();
}

}  // namespace newsflow::rules
