// engine.cc — the engine registry, the default ScanMany, patterns files.
#include "engine.h"

#include <fstream>
#include <sstream>

#include "hyperscan_engine.h"
#include "naive_engine.h"
#include "pcre2_engine.h"
#include "re2set_engine.h"

namespace newsflow::bench {

bool Scanner::ScanMany(std::span<const std::string_view> docs, BatchMatchFn on_match) {
  for (size_t d = 0; d < docs.size(); ++d) {
    if (!Scan(docs[d], [&](uint32_t p) { on_match(d, p); })) return false;
  }
  return true;
}

std::unique_ptr<Engine> MakeEngine(std::string_view name) {
  if (name == "hyperscan") return std::make_unique<HyperscanEngine>();
  if (name == "literal-tier") return std::make_unique<HyperscanEngine>(0);
  if (name == "hyperscan-utf8") return std::make_unique<HyperscanEngine>(HyperscanEngine::kNever, false);
  if (name == "hyperscan-batched") return std::make_unique<HyperscanBatchedEngine>();
  if (name == "re2set") return std::make_unique<Re2SetEngine>();
  if (name == "pcre2-jit") return std::make_unique<Pcre2Engine>();
  if (name == "naive") return std::make_unique<NaiveEngine>();
  return nullptr;
}

const std::vector<std::string>& EngineNames() {
  static const std::vector<std::string> names = {"hyperscan", "literal-tier", "hyperscan-batched",
                                                 "re2set",    "pcre2-jit",    "naive"};
  return names;
}

std::string ReadPatternsFile(const std::string& path, std::vector<PatternSpec>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  out->clear();
  std::string line;
  int no = 0;
  while (std::getline(in, line)) {
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || tab + 1 == line.size())
      return path + ":" + std::to_string(no) + ": expected FLAGS<TAB>KEYWORD";
    PatternSpec p;
    for (char f : std::string_view(line).substr(0, tab)) {
      if (f == 'i') p.caseless = true;
      else if (f == 'b') p.boundary = true;
      else if (f != '-') return path + ":" + std::to_string(no) + ": unknown flag " + std::string(1, f);
    }
    p.text = line.substr(tab + 1);
    out->push_back(std::move(p));
  }
  return "";
}

std::string WritePatternsFile(const std::string& path, const std::vector<PatternSpec>& patterns) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return "cannot write " + path;
  for (const PatternSpec& p : patterns) {
    if (p.text.empty() || p.text.find_first_of("\n\r\t") != std::string::npos)
      return "pattern not expressible in a patterns file: '" + p.text + "'";
    const char* flags = p.caseless ? (p.boundary ? "ib" : "i") : (p.boundary ? "b" : "-");
    out << flags << '\t' << p.text << '\n';
  }
  out.close();
  return out ? "" : "write failed: " + path;
}

}  // namespace newsflow::bench
