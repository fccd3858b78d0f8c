// yaml_document.cc — see yaml_document.h.
#include "newsflow/rules/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <sstream>
#include <string>

namespace newsflow::rules {
namespace {

// A document start marker: `---` at the start of a line, alone or before a
// space (`--- x` starts a document holding x).
bool IsDocumentStart(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line.substr(0, 3) == "---" && (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
}

// The 1-based line of the last document start marker at or before the
// 0-based line `last` (all of `text` when `last` is negative: yaml-cpp
// gives an empty document no position); 0 if there is none.
int LastDocumentStart(std::string_view text, int last) {
  if (last < 0) last = INT_MAX;
  int found = 0, line = 0;
  for (size_t at = 0; at <= text.size() && line <= last; ++line) {
    const size_t end = std::min(text.find('\n', at), text.size());
    if (IsDocumentStart(text.substr(at, end - at))) found = line + 1;
    at = end + 1;
  }
  return found;
}

// Documents after the first that are read (by events) before the file is
// called malformed: a loop of empty documents ends here.
constexpr int kMaxDocumentsLooked = 16;

// Whether a document holds anything (a null alone is nothing) and where it
// starts; events past a bound end the parse (TooMany).
class DocumentEvents : public YAML::EventHandler {
 public:
  struct TooMany {};
  bool content = false;
  int start_line = -1;  // 0-based line of the last document's start

  void OnDocumentStart(const YAML::Mark& mark) override {
    start_line = mark.line;
    Count();
  }
  void OnDocumentEnd() override { Count(); }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { Count(); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Content(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override { Content(); }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Content();
  }
  void OnSequenceEnd() override { Count(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    Content();
  }
  void OnMapEnd() override { Count(); }

 private:
  void Content() {
    content = true;
    Count();
  }
  void Count() {
    if (++events_ > 1000000) throw TooMany{};
  }
  size_t events_ = 0;
};

}  // namespace

// A block mapping at column 0 ends only at the end of the stream or where
// a `---`, `...` or `%` line pops every indentation; anything else at
// column 0 that cannot continue it is a syntax error, which YAML::Load
// reports first. (Not so a block sequence: a line at its column without
// `- ` ends it, and yaml-cpp reads what follows as a second document.) The
// first content line must be a key as yaml-cpp reads it: its comment starts
// at a `#` after a space or a tab. Unsure: a NUL (yaml-cpp would read
// UTF-16 or UTF-32), a CR not before LF (no line break to yaml-cpp 0.7, so
// the columns differ from the lines seen here), and YAML 1.1's NEL, LS, PS.
bool OneDocumentByItsLines(std::string_view text) {
  for (std::string_view unsure : {std::string_view("\0", 1), std::string_view("\xC2\x85"),
                                  std::string_view("\xE2\x80\xA8"), std::string_view("\xE2\x80\xA9")})
    if (text.find(unsure) != std::string_view::npos) return false;
  for (size_t cr = text.find('\r'); cr != std::string_view::npos; cr = text.find('\r', cr + 1))
    if (cr + 1 == text.size() || text[cr + 1] != '\n') return false;
  bool first = true;
  for (size_t at = 0; at < text.size();) {
    const size_t end = std::min(text.find('\n', at), text.size());
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    const char c = line[0];
    if (c == '-' && line.substr(0, 3) == "---") return false;
    if (c == '.' && line.substr(0, 3) == "...") return false;
    if (c == '%') return false;
    if (!first) continue;
    const size_t content = line.find_first_not_of(" \t");
    if (content == std::string_view::npos || line[content] == '#') continue;
    first = false;
    if (content != 0 || !(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    std::string_view head = line;
    for (size_t h = line.find('#'); h != std::string_view::npos; h = line.find('#', h + 1)) {
      if (line[h - 1] == ' ' || line[h - 1] == '\t') {  // h > 0: line[0] is alphanumeric
        head = line.substr(0, h);
        break;
      }
    }
    while (head.back() == ' ' || head.back() == '\t') head.remove_suffix(1);
    if (head.back() != ':' && head.find(": ") == std::string_view::npos) return false;
  }
  return !first;
}

Status SecondDocumentByEvents(std::string_view text, const std::string& file) {
  // The documents after the first, by their events only, a bounded number
  // of them: one with content is an error at its `---`; empty ones (a
  // trailing `---` with nothing after it) hide nothing.
  DocumentEvents events;
  std::istringstream in{std::string(text)};
  try {
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(events)) {  // the first
      for (int more = 0; more < kMaxDocumentsLooked; ++more) {
        events.content = false;
        if (!parser.HandleNextDocument(events)) break;
        if (events.content || more + 1 == kMaxDocumentsLooked) {
          int line = LastDocumentStart(text, events.start_line);
          if (line == 0) line = events.start_line + 1;
          return Status::InvalidArgument(file + ":" + std::to_string(line) +
                                         ": a second YAML document starts here: it must be one document "
                                         "(what follows `---` would be ignored)");
        }
      }
    }
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  } catch (const DocumentEvents::TooMany&) {
    return Status::InvalidArgument(file + ": over a million YAML events, more than such a file holds");
  }
  return Status::OK();
}

Status LoadOneYamlDocument(std::string_view text, const std::string& file, YAML::Node* out) {
  // A NUL byte: yaml-cpp reads up to it, or reports what follows as a bad
  // escape; the text after it would be dropped without a word. Text with a
  // UTF-16 or UTF-32 byte-order mark is full of them, and yaml-cpp decodes it.
  const bool wide_bom = text.starts_with("\xFF\xFE") || text.starts_with("\xFE\xFF") ||
                        text.starts_with(std::string_view("\0\0\xFE\xFF", 4));
  if (const size_t nul = wide_bom ? std::string_view::npos : text.find('\0'); nul != std::string_view::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n');
    return Status::InvalidArgument(file + ":" + std::to_string(line) +
                                   ": a NUL byte, which YAML text never holds (a binary file, or UTF-16 text?)");
  }
  // The first document, as YAML::Load reads it (never YAML::LoadAll: on some
  // malformed input yaml-cpp 0.7 goes on returning documents without end,
  // which the fuzzer found as a loop filling the memory).
  YAML::Node first;
  try {
    first = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  // Then the documents after it, unless the lines show there are none.
  if (!OneDocumentByItsLines(text)) NEWSFLOW_RETURN_IF_ERROR(SecondDocumentByEvents(text, file));
  *out = first;
  return Status::OK();
}

}  // namespace newsflow::rules
