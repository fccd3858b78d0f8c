// yaml_document.cc — see yaml_document.h.
#include "newsflow/rules/yaml_document.h"

#include <algorithm>
#include <climits>
#include <vector>

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

}  // namespace

Status LoadOneYamlDocument(std::string_view text, const std::string& file, YAML::Node* out) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  // A trailing `---` with nothing after it (an editor's habit, `cat` of
  // files that end so) is an empty document: nothing is ignored.
  while (documents.size() > 1 && documents.back().IsNull()) documents.pop_back();
  if (documents.size() > 1) {
    const int mark = documents[1].Mark().line;
    int line = LastDocumentStart(text, mark);
    if (line == 0) line = mark + 1;
    return Status::InvalidArgument(file + ":" + std::to_string(line) +
                                   ": a second YAML document starts here: the file must be one document "
                                   "(what follows `---` would be ignored)");
  }
  *out = documents.empty() ? YAML::Node() : documents[0];
  return Status::OK();
}

}  // namespace newsflow::rules
