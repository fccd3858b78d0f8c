// yaml_document.h — reads YAML text that must be one document: a rule file,
// a label table, the lint allow file, an eval floor file (and, in pipeline/,
// the subscriptions file, a subscription's body and `run --config`).
//
// yaml-cpp's YAML::Load reads the first document of a stream and drops the
// rest without a word, so rules after a `---` were never loaded nor checked.
// Ownership: *out holds its own node. Threads: pure functions; thread-safe.
// Errors: InvalidArgument "FILE:LINE: ..." (below).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>

#include "newsflow/base/status.h"

namespace newsflow::rules {

// Parses `text` into *out (a Null node when the text holds no document). A
// syntax error anywhere in the text, or a second document, is an
// InvalidArgument "FILE:LINE: ..." naming `file`; for a second document the
// line is that of the `---` that starts it. A `---` opening the one
// document and a `...` ending it are fine.
Status LoadOneYamlDocument(std::string_view text, const std::string& file, YAML::Node* out);

// The two halves of the second-document check, public for the tests and
// fuzz_rule_loader, which hold them to each other.
//
// Whether the lines of `text` alone show that yaml-cpp reads all of it as
// its first document: its first content line opens a block mapping at
// column 0 and no line starts with `---`, `...` or `%`. False
// when unsure. Parsing a rule file twice (the node, then its events) was
// a third of `newsflow run`'s start-up; this check spares the second parse
// for every file as rule files are written.
bool OneDocumentByItsLines(std::string_view text);
// Parses `text` by events and fails as LoadOneYamlDocument does on a
// second document with content, a syntax error, or more than a million
// events (a bound on that parse only: a text the lines settle is not held
// to it).
Status SecondDocumentByEvents(std::string_view text, const std::string& file);

}  // namespace newsflow::rules
