// rule_set_cache.cc — see rule_set_cache.h.
#include "rule_set_cache.h"

#include <elf.h>
#include <link.h>

#include <cstring>
#include <utility>
#include <vector>

#include "cache_file.h"
#include "newsflow/base/fnv1a.h"

namespace newsflow::rules::cache {
namespace {

constexpr FileKind kRuleSetFile{{'N', 'F', 'R', 'U', 'L', 'E', 'S', '2'}, "rules-", ".bin"};
// Bumped when the encoding below changes.
constexpr std::string_view kRuleSetFormat = "newsflow-rule-set-cache/2";

// A field added to these types must be added to the encoding (and to
// rule_set_cache_test's comparison): their sizes (x86-64, libstdc++) catch
// that one was.
#if defined(__x86_64__) && defined(__GLIBCXX__)
static_assert(sizeof(Keyword) == 40, "Keyword changed: update EncodeRuleSet");
static_assert(sizeof(Provenance) == 64, "Provenance changed: update EncodeRuleSet");
static_assert(sizeof(Rule) == 256, "Rule changed: update EncodeRuleSet");
static_assert(sizeof(LabelEntry) == 168, "LabelEntry changed: update EncodeRuleSet");
#endif

class Writer {
 public:
  void U32(uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void I32(int32_t v) { U32(static_cast<uint32_t>(v)); }
  void F64(double v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void Bool(bool v) { out_.push_back(v ? 1 : 0); }
  void Str(std::string_view s) {
    U32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void Keywords(const std::vector<Keyword>& ks) {
    U32(static_cast<uint32_t>(ks.size()));
    for (const Keyword& k : ks) {
      Str(k.text);
      Bool(k.case_sensitive);
      Bool(k.regex);
      I32(k.line);
    }
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Every read checks that the bytes are there; a count is at most the bytes
// left (each element takes at least one), so a corrupt count cannot make a
// huge allocation.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return ok_ && in_.empty(); }

  uint32_t U32() {
    uint32_t v = 0;
    Bytes(&v, sizeof v);
    return v;
  }
  int32_t I32() { return static_cast<int32_t>(U32()); }
  double F64() {
    double v = 0;
    Bytes(&v, sizeof v);
    return v;
  }
  bool Bool() {
    uint8_t v = 0;
    Bytes(&v, 1);
    if (v > 1) ok_ = false;
    return v == 1;
  }
  std::string Str() {
    const uint32_t n = U32();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  uint32_t Count() {
    const uint32_t n = U32();
    if (n > in_.size()) ok_ = false;
    return ok_ ? n : 0;
  }
  std::vector<Keyword> Keywords() {
    std::vector<Keyword> ks(Count());
    for (Keyword& k : ks) {
      k.text = Str();
      k.case_sensitive = Bool();
      k.regex = Bool();
      k.line = I32();
    }
    return ks;
  }

 private:
  void Bytes(void* out, size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return;
    }
    std::memcpy(out, in_.data(), n);
    in_.remove_prefix(n);
  }

  std::string_view in_;
  bool ok_ = true;
};

// An object's GNU build ID note (hex), or "" if it has none.
std::string ObjectBuildId(const dl_phdr_info* info) {
  std::string out;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_NOTE) continue;
    const size_t align = ph.p_align == 8 ? 8 : 4;
    auto round = [align](size_t n) { return (n + align - 1) & ~(align - 1); };
    const char* p = reinterpret_cast<const char*>(info->dlpi_addr + ph.p_vaddr);
    const char* const end = p + ph.p_memsz;
    while (static_cast<size_t>(end - p) >= sizeof(ElfW(Nhdr))) {
      ElfW(Nhdr) note;
      std::memcpy(&note, p, sizeof note);
      const char* name = p + sizeof note;
      const char* desc = name + round(note.n_namesz);
      if (desc > end || static_cast<size_t>(end - desc) < round(note.n_descsz)) break;
      if (note.n_type == NT_GNU_BUILD_ID && note.n_namesz == 4 && std::memcmp(name, "GNU", 4) == 0) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (size_t k = 0; k < note.n_descsz; ++k) {
          const auto b = static_cast<unsigned char>(desc[k]);
          out.push_back(kHex[b >> 4]);
          out.push_back(kHex[b & 15]);
        }
        return out;
      }
      p = desc + round(note.n_descsz);
    }
  }
  return out;
}

// The build IDs of the program (the first object dl_iterate_phdr reports)
// and of the shared yaml-cpp it loaded, if it loaded one.
struct ParserBuild {
  std::string program, yaml;
  bool first = true, yaml_loaded = false;
};
int FindBuildIds(dl_phdr_info* info, size_t, void* data) {
  auto* b = static_cast<ParserBuild*>(data);
  if (b->first) {
    b->first = false;
    b->program = ObjectBuildId(info);
  } else if (info->dlpi_name != nullptr && std::strstr(info->dlpi_name, "/libyaml-cpp.so") != nullptr) {
    b->yaml_loaded = true;
    b->yaml = ObjectBuildId(info);
  }
  return 0;
}

}  // namespace

const std::string& BuildId() {
  // A parse is the program's code and yaml-cpp's: a shared yaml-cpp can be
  // upgraded (a security update) under an unchanged program, and must then
  // miss the parses of the one before it.
  static const std::string id = [] {
    ParserBuild b;
    dl_iterate_phdr(FindBuildIds, &b);
    if (b.program.empty() || (b.yaml_loaded && b.yaml.empty())) return std::string();
    return b.yaml_loaded ? b.program + "/" + b.yaml : b.program;
  }();
  return id;
}

uint64_t RuleSetKey(std::string_view dir, uint64_t files_hash, std::string_view build_id) {
  uint64_t h = Fnv1a(kFnv1aBasis, kRuleSetFormat);
  const auto part = [&h](std::string_view s) {
    const uint64_t n = s.size();
    h = Fnv1a(Fnv1a(h, &n, sizeof n), s);
  };
  part(build_id);
  part(dir);
  return Fnv1a(h, &files_hash, sizeof files_hash);
}

std::string EncodeRuleSet(const RuleSet& set) {
  Writer w;
  w.U32(static_cast<uint32_t>(set.rules.size()));
  for (const Rule& r : set.rules) {
    w.Str(r.tag);
    w.Str(r.name);
    w.Keywords(r.any);
    w.U32(static_cast<uint32_t>(r.all.size()));
    for (const auto& group : r.all) w.Keywords(group);
    w.Keywords(r.veto);
    w.Keywords(r.except);
    w.F64(r.title_weight);
    w.F64(r.min_score);
    w.Bool(r.alert);
    w.U32(static_cast<uint32_t>(r.provenance.size()));
    for (const Provenance& p : r.provenance) {
      w.Str(p.seed);
      w.Str(p.clause);
    }
    w.Bool(r.watch_list);
    w.Str(r.file);
    w.I32(r.line);
  }
  w.U32(static_cast<uint32_t>(set.labels.size()));
  for (const LabelEntry& l : set.labels) {
    w.Str(l.field);
    w.Str(l.name);
    w.U32(static_cast<uint32_t>(l.tags.size()));
    for (const std::string& t : l.tags) w.Str(t);
    w.F64(l.weight);
    w.Str(l.reason);
    w.Str(l.file);
    w.I32(l.line);
  }
  return w.Take();
}

bool DecodeRuleSet(std::string_view bytes, RuleSet* out) {
  Reader r(bytes);
  RuleSet set;
  set.rules.resize(r.Count());
  for (Rule& rule : set.rules) {
    rule.tag = r.Str();
    rule.name = r.Str();
    rule.any = r.Keywords();
    rule.all.resize(r.Count());
    for (auto& group : rule.all) group = r.Keywords();
    rule.veto = r.Keywords();
    rule.except = r.Keywords();
    rule.title_weight = r.F64();
    rule.min_score = r.F64();
    rule.alert = r.Bool();
    rule.provenance.resize(r.Count());
    for (Provenance& p : rule.provenance) {
      p.seed = r.Str();
      p.clause = r.Str();
    }
    rule.watch_list = r.Bool();
    rule.file = r.Str();
    rule.line = r.I32();
    if (!r.ok()) return false;
  }
  set.labels.resize(r.Count());
  for (LabelEntry& l : set.labels) {
    l.field = r.Str();
    l.name = r.Str();
    l.tags.resize(r.Count());
    for (std::string& t : l.tags) t = r.Str();
    l.weight = r.F64();
    l.reason = r.Str();
    l.file = r.Str();
    l.line = r.I32();
    if (!r.ok()) return false;
  }
  if (!r.AtEnd()) return false;
  out->rules = std::move(set.rules);
  out->labels = std::move(set.labels);
  return true;
}

bool LoadCachedRuleSet(const std::string& dir, uint64_t key, RuleSet* out, std::string* why) {
  std::string payload;
  uint64_t extra = 0;
  if (!ReadCacheFile(dir, kRuleSetFile, key, &payload, &extra, why)) return false;
  if (!DecodeRuleSet(payload, out)) {
    *why = CacheFilePath(dir, kRuleSetFile, key) + ": not a whole rule set";
    return false;
  }
  return true;
}

Status StoreCachedRuleSet(const std::string& dir, uint64_t key, const RuleSet& set) {
  return WriteCacheFile(dir, kRuleSetFile, key, /*extra=*/0, EncodeRuleSet(set));
}

}  // namespace newsflow::rules::cache
