// compiled_rules.cc — builds the Hyperscan database, scans, evaluates rules.
#include "newsflow/rules/compiled_rules.h"

#include "automaton_cache.h"
#include "rule_set_cache.h"
#include "database_cache.h"
#include "literal_automaton.h"
#include "leadless_text.h"

#include <fcntl.h>
#include <hs/hs.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <algorithm>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <numeric>
#include <optional>
#include <system_error>
#include <thread>
#include <tuple>

namespace newsflow::rules {
namespace {

inline bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

inline bool IsAsciiUpper(unsigned char c) { return c >= 'A' && c <= 'Z'; }

inline bool IsAsciiLetter(unsigned char c) { return IsAsciiUpper(c) || (c >= 'a' && c <= 'z'); }

// Can the literal tier match this pattern? Any literal of valid UTF-8.
bool FitsLiteralTier(const Pattern& p) {
  if (p.regex || p.text.empty()) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(p.text.data());
  for (size_t i = 0; i < p.text.size();) {
    size_t len;
    if (LiteralAutomaton::Decode(b, i, p.text.size(), &len) == LiteralAutomaton::kNotAChar) return false;
    i += len;
  }
  return true;
}

// The automaton folds ASCII letters; a hit of a case-sensitive literal with
// letters is kept only if the text's bytes are the literal's.
bool NeedsExactBytes(const Pattern& p) {
  return !p.caseless && std::any_of(p.text.begin(), p.text.end(),
                                    [](char c) { return IsAsciiLetter(static_cast<unsigned char>(c)); });
}

// The literals of `ids`, one per line (an empty line for a regex), and the
// offset where each one's line ends: the text of the self-checks.
// `leadless`: in the leadless scan's form (src/leadless_text.h), as the
// database sees them.
std::string LiteralLines(const std::vector<Pattern>& patterns, const std::vector<uint32_t>& ids,
                         std::vector<uint64_t>* line_end, bool leadless = false) {
  std::string text;
  line_end->assign(patterns.size(), 0);
  for (uint32_t id : ids) {
    if (!patterns[id].regex) text.append(leadless ? LeadlessForm(patterns[id].text) : patterns[id].text);
    (*line_end)[id] = text.size();
    text.push_back('\n');
  }
  return text;
}

// Whether text[0, text.size()) is `literal`, ASCII letters folded when
// `caseless` (what Hyperscan's HS_FLAG_CASELESS matches).
bool SameLiteral(std::string_view text, std::string_view literal, bool caseless) {
  if (!caseless) return text == literal;
  if (text.size() != literal.size()) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto a = static_cast<unsigned char>(text[i]), b = static_cast<unsigned char>(literal[i]);
    if (a != b && !(IsAsciiLetter(a) && (a | 0x20) == (b | 0x20))) return false;
  }
  return true;
}

std::string EscapeLiteral(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() * 4);
  for (unsigned char c : s) {
    out += "\\x";
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

// Flags of every regex pattern (on top of HS_FLAG_CASELESS when caseless).
constexpr unsigned kRegexFlags = HS_FLAG_UTF8 | HS_FLAG_SOM_LEFTMOST;

// Hyperscan 5.4's pure-literal API (hs_compile_lit_multi) builds databases
// whose hs_scan fails with HS_UNKNOWN_ERROR (-13) once the text holds a
// literal that ends in a long run of one byte after a head of 3 or more other
// bytes ("abc" + 34 x "x"), when the set has another literal
// (intel/hyperscan#303, #353: the pure-literal Rose program lacks what that
// literal's confirm needs; the same literals through hs_compile_multi, \xNN
// escaped, scan fine). Measured: a run of 34 fails, 33 does not; the check
// below leaves a wide margin. Such a set goes through hs_compile_multi.
constexpr size_t kRiskyLiteralRun = 16;

bool RiskyForLiteralApi(std::string_view lit) {
  if (lit.size() <= kRiskyLiteralRun) return false;
  size_t run = 1;
  while (run < lit.size() && lit[lit.size() - 1 - run] == lit.back()) ++run;
  return run >= kRiskyLiteralRun && run < lit.size();
}

std::string FormatBudget(std::chrono::milliseconds b) {
  const auto ms = b.count();
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

// ---- Trial compile of the regexes in a child process ----------------------
// The child compiles each regex alone and writes, before each, its index as
// a 4-byte record to a pipe, then kTrialDone. The parent reads the records
// until kTrialDone, EOF or the deadline; on the deadline it kills the child.
// The child is always reaped before TrialCompile returns.

struct TrialPattern {
  std::string expr;
  unsigned flags;
};

struct TrialResult {
  enum Kind { kDone, kTimedOut, kDied, kSystemError } kind = kDone;
  size_t at = 0;       // regex being compiled when the child stopped
  std::string detail;  // how the child died, or the failing system call
};

constexpr uint32_t kTrialDone = 0xFFFFFFFFu;

bool WriteAll(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Runs in the forked child: only compiles, writes to the pipe and _exits
// (no stdio, no atexit handlers, nothing of the parent's state is touched).
[[noreturn]] void RunTrialChild(int fd, pid_t parent, const std::vector<TrialPattern>& patterns) {
#ifdef __linux__
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a parent that dies
#endif
  if (getppid() != parent) _exit(3);
  for (uint32_t i = 0; i < patterns.size(); ++i) {
    if (!WriteAll(fd, &i, sizeof i)) _exit(2);
    hs_database_t* db = nullptr;
    hs_compile_error_t* err = nullptr;
    // Errors are the parent's in-process compile's to report.
    if (hs_compile(patterns[i].expr.c_str(), patterns[i].flags, HS_MODE_BLOCK, nullptr, &db, &err) == HS_SUCCESS)
      hs_free_database(db);
    else
      hs_free_compile_error(err);
  }
  _exit(WriteAll(fd, &kTrialDone, sizeof kTrialDone) ? 0 : 2);
}

// Reads progress records until kTrialDone, EOF or `deadline`. Returns
// kDone, kTimedOut, kDied (EOF without kTrialDone) or kSystemError (poll
// failed, *detail says why); *at = last index read.
TrialResult::Kind WatchTrialChild(int fd, std::chrono::steady_clock::time_point deadline, size_t* at,
                                  std::string* detail) {
  std::string pending;  // bytes of a record not yet complete
  char buf[256];
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return TrialResult::kTimedOut;
    pollfd pfd{fd, POLLIN, 0};
    const int pr = poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left.count(), 60000)));
    if (pr < 0 && errno != EINTR) {
      *detail = std::string("poll: ") + strerror(errno);
      return TrialResult::kSystemError;
    }
    if (pr <= 0) continue;
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return TrialResult::kDied;
    pending.append(buf, static_cast<size_t>(n));
    size_t off = 0;
    for (; off + sizeof(uint32_t) <= pending.size(); off += sizeof(uint32_t)) {
      uint32_t rec;
      std::memcpy(&rec, pending.data() + off, sizeof rec);
      if (rec == kTrialDone) return TrialResult::kDone;
      *at = rec;
    }
    pending.erase(0, off);
  }
}

// Waits for `pid` to end; returns its wait status (0 if it was already
// reaped elsewhere, e.g. SIGCHLD ignored).
int Reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return 0;
  }
  return status;
}

std::string DescribeExit(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  return "ended abnormally";
}

TrialResult TrialCompile(const std::vector<TrialPattern>& patterns, std::chrono::milliseconds budget) {
  TrialResult r;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return {TrialResult::kSystemError, 0, std::string("pipe: ") + strerror(errno)};
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    close(fds[0]);
    close(fds[1]);
    return {TrialResult::kSystemError, 0, std::string("fork: ") + strerror(e)};
  }
  if (pid == 0) {
    close(fds[0]);
    RunTrialChild(fds[1], parent, patterns);
  }
  close(fds[1]);
  r.kind = WatchTrialChild(fds[0], deadline, &r.at, &r.detail);
  close(fds[0]);
  if (r.kind == TrialResult::kTimedOut || r.kind == TrialResult::kSystemError) kill(pid, SIGKILL);
  const int status = Reap(pid);
  if (r.kind == TrialResult::kDied) r.detail = DescribeExit(status);
  return r;
}

}  // namespace

void HsDatabaseDeleter::operator()(hs_database* db) const { hs_free_database(db); }
void HsScratchDeleter::operator()(hs_scratch* s) const { hs_free_scratch(s); }

CompiledRules::~CompiledRules() = default;
ScanScratch::~ScanScratch() = default;

Status CompiledRules::Compile(const RuleSet& set, const EvaluateOptions& options, const CompileOptions& compile,
                              std::shared_ptr<const CompiledRules>* out) {
  return Compile(RuleSet(set), options, compile, out);
}

Status CompiledRules::Compile(RuleSet&& set, const EvaluateOptions& options, const CompileOptions& compile,
                              std::shared_ptr<const CompiledRules>* out) {
  std::shared_ptr<CompiledRules> c(new CompiledRules());
  c->set_ = std::move(set);
  c->options_ = options;

  // Tags: sorted, unique; their index is the tag id used in TagMatch.
  // Views are sorted, not the strings (a watch list has 20k-100k tags, and
  // moving strings about was most of the sort), each with the rule it is
  // the tag of (kNoRule for a label's), so a rule learns its tag id here
  // rather than by a search of the tags.
  // A tag's first 16 bytes, big-endian and zero-padded, order two tags as
  // their bytes do wherever they differ: the sort compares whole tags only
  // on equal heads (a watch list's "watch:w<n>" tags share 7 bytes, and a
  // memcmp per comparison was most of the sort at 100k names).
  constexpr uint32_t kNoRule = UINT32_MAX;
  struct TagRef {
    uint64_t head[2];
    std::string_view tag;
    uint32_t rule;
  };
  auto ref = [](std::string_view tag, uint32_t rule) {
    TagRef r{{0, 0}, tag, rule};
    for (size_t k = 0; k < 16; ++k)
      r.head[k / 8] = (r.head[k / 8] << 8) | (k < tag.size() ? static_cast<uint8_t>(tag[k]) : 0);
    return r;
  };
  std::vector<TagRef> tags;
  tags.reserve(c->set_.rules.size());
  for (uint32_t ri = 0; ri < c->set_.rules.size(); ++ri) tags.push_back(ref(c->set_.rules[ri].tag, ri));
  for (const auto& l : c->set_.labels)
    for (const std::string& t : l.tags) tags.push_back(ref(t, kNoRule));
  std::sort(tags.begin(), tags.end(), [](const TagRef& a, const TagRef& b) {
    if (a.head[0] != b.head[0]) return a.head[0] < b.head[0];
    if (a.head[1] != b.head[1]) return a.head[1] < b.head[1];
    if (const int cmp = a.tag.compare(b.tag); cmp != 0) return cmp < 0;
    return a.rule < b.rule;
  });
  std::vector<uint32_t> rule_tag(c->set_.rules.size());
  for (const TagRef& t : tags) {
    if (c->tags_.empty() || c->tags_.back() != t.tag) c->tags_.emplace_back(t.tag);
    if (t.rule != kNoRule) rule_tag[t.rule] = static_cast<uint32_t>(c->tags_.size() - 1);
  }

  std::vector<std::pair<uint32_t, int>> first_use;  // pattern -> (rule, line)
  c->InternPatterns(rule_tag, &first_use);
  c->IndexLabels();
  if (c->patterns_.empty()) return Status::InvalidArgument("rule set has no keywords");
  NEWSFLOW_RETURN_IF_ERROR(c->SplitTiers(compile.literal_tier_from, compile.cache_dir));
  // The leadless scan: every pattern Hyperscan holds is a literal of valid
  // UTF-8 (what the tier can hold too), so none ends in a dropped lead; and
  // the CPU makes the form with SIMD.
  c->leadless_ = compile.leadless_scan && LeadlessText::Fast() && !c->hs_patterns_.empty() &&
                 std::all_of(c->hs_patterns_.begin(), c->hs_patterns_.end(),
                             [&](uint32_t id) { return FitsLiteralTier(c->patterns_[id]); });
  if (c->leadless_) {
    // What a hit's check reads, side by side: each literal's bytes, and
    // whether its letters compare folded (caseless, with ASCII letters).
    c->literal_at_.assign(c->patterns_.size(), 0);
    for (uint32_t id : c->hs_patterns_) {
      const Pattern& p = c->patterns_[id];
      const bool fold = p.caseless && std::any_of(p.text.begin(), p.text.end(), [](char ch) {
                          return IsAsciiLetter(static_cast<unsigned char>(ch));
                        });
      c->literal_at_[id] = static_cast<uint32_t>(c->literal_arena_.size()) | (fold ? kFoldLetters : 0);
      c->literal_arena_ += p.text;
    }
    if (c->literal_arena_.size() >= kFoldLetters) {  // offsets need bit 31: 2 GiB of keywords scan the bytes
      c->leadless_ = false;
      c->literal_at_.clear();
      c->literal_arena_.clear();
    }
  }
  if (c->hs_patterns_.empty()) {
    *out = std::move(c);
    return Status::OK();
  }
  const uint64_t key = compile.cache_dir.empty() ? 0 : cache::DatabaseKey(c->CompilePlan());
  if (!c->LoadFromCache(compile, key)) {
    const bool any_regex =
        std::any_of(c->patterns_.begin(), c->patterns_.end(), [](const Pattern& p) { return p.regex; });
    if (any_regex && compile.regex_compile_budget.count() > 0)
      NEWSFLOW_RETURN_IF_ERROR(c->CheckRegexBudget(compile.regex_compile_budget, first_use));
    NEWSFLOW_RETURN_IF_ERROR(c->BuildDatabase(any_regex, first_use));
    if (!compile.cache_dir.empty()) {
      const Status s = cache::Store(compile.cache_dir, key, c->db_.get(), c->literal_api_);
      c->cache_written_ = s.ok();
      if (!s.ok()) c->cache_detail_ += (c->cache_detail_.empty() ? "" : "; ") + s.message();
    }
  }
  *out = std::move(c);
  return Status::OK();
}

void CompiledRules::InternPatterns(const std::vector<uint32_t>& rule_tag,
                                   std::vector<std::pair<uint32_t, int>>* first_use) {
  // Patterns: distinct (text, caseless, regex). Remember the first rule that
  // used each, to name it in compile errors. Hashed, keyed by views of the
  // keywords (the set outlives this function): a watch list interns 100k.
  struct KeyHash {
    size_t operator()(const std::tuple<std::string_view, bool, bool>& k) const {
      return std::hash<std::string_view>{}(std::get<0>(k)) ^ (size_t{std::get<1>(k)} << 1) ^ size_t{std::get<2>(k)};
    }
  };
  std::unordered_map<std::tuple<std::string_view, bool, bool>, uint32_t, KeyHash> index;
  index.reserve(set_.rules.size() * 2);
  auto intern = [&](const Keyword& k, uint32_t rule) -> uint32_t {
    const bool caseless = !k.case_sensitive;
    const auto key = std::make_tuple(std::string_view(k.text), caseless, k.regex);
    auto it = index.find(key);
    if (it != index.end()) return it->second;
    const auto id = static_cast<uint32_t>(patterns_.size());
    Pattern p;
    p.text = k.text;
    p.caseless = caseless;
    p.regex = k.regex;
    if (!k.regex) {
      p.left_boundary = IsAsciiAlnum(static_cast<unsigned char>(k.text.front()));
      p.right_boundary = IsAsciiAlnum(static_cast<unsigned char>(k.text.back()));
    }
    patterns_.push_back(std::move(p));
    first_use->emplace_back(rule, k.line);
    index.emplace(key, id);
    return id;
  };

  for (uint32_t ri = 0; ri < set_.rules.size(); ++ri) {
    const Rule& r = set_.rules[ri];
    CompiledRule cr;
    cr.tag = rule_tag[ri];
    for (const auto& k : r.any) cr.any.push_back(intern(k, ri));
    for (const auto& g : r.all) {
      cr.all.emplace_back();
      for (const auto& k : g) cr.all.back().push_back(intern(k, ri));
    }
    for (const auto& k : r.veto) cr.veto.push_back(intern(k, ri));
    for (const auto& k : r.except) cr.except.push_back(intern(k, ri));
    cr.title_weight = r.title_weight;
    cr.min_score = r.min_score;
    cr.alert = r.alert;
    rules_.push_back(std::move(cr));
  }

  // What the match callbacks read per hit, dense (a Pattern is a cache
  // line of its own; a watch list has 100k of them).
  hit_flags_.assign(patterns_.size(), 0);
  literal_bytes_.assign(patterns_.size(), kRegexLength);
  for (size_t i = 0; i < patterns_.size(); ++i) {
    const Pattern& p = patterns_[i];
    hit_flags_[i] = (p.left_boundary ? kLeftBoundary : 0) | (p.right_boundary ? kRightBoundary : 0);
    if (!p.regex) literal_bytes_[i] = static_cast<uint32_t>(p.text.size());
  }

  // Which rules a positive hit of each pattern can make fire.
  rules_of_pattern_.resize(patterns_.size());
  for (uint32_t ri = 0; ri < rules_.size(); ++ri) {
    auto add = [&](uint32_t p) {
      auto& v = rules_of_pattern_[p];
      if (v.empty() || v.back() != ri) v.push_back(ri);
    };
    for (uint32_t p : rules_[ri].any) add(p);
    for (const auto& g : rules_[ri].all)
      for (uint32_t p : g) add(p);
  }
}

Status CompiledRules::SplitTiers(size_t tier_from, const std::string& cache_dir) {
  std::vector<uint32_t> tier;
  for (uint32_t i = 0; i < patterns_.size(); ++i) (FitsLiteralTier(patterns_[i]) ? tier : hs_patterns_).push_back(i);
  if (tier.size() < tier_from || tier.empty()) {
    hs_patterns_.resize(patterns_.size());
    std::iota(hs_patterns_.begin(), hs_patterns_.end(), 0u);
    return Status::OK();
  }
  std::vector<std::string> folded(tier.size());
  std::vector<LiteralAutomaton::Literal> literals(tier.size());
  std::vector<uint32_t> literal_bytes(patterns_.size(), LiteralAutomaton::kNoLiteral);
  for (size_t k = 0; k < tier.size(); ++k) {
    if (NeedsExactBytes(patterns_[tier[k]])) hit_flags_[tier[k]] |= kExactBytes;
    folded[k] = patterns_[tier[k]].text;
    for (char& ch : folded[k])
      if (IsAsciiUpper(static_cast<unsigned char>(ch))) ch = static_cast<char>(ch + ('a' - 'A'));
    literals[k] = {folded[k], tier[k]};
    literal_bytes[tier[k]] = static_cast<uint32_t>(folded[k].size());
  }
  // Never trusted blindly, built or loaded: every literal must report itself
  // where its own line ends (the same check as a Hyperscan database's).
  std::vector<uint64_t> line_end;
  const std::string text = LiteralLines(patterns_, tier, &line_end);
  auto missing = [&](const LiteralAutomaton& automaton) -> std::optional<uint32_t> {
    std::vector<uint8_t> seen(patterns_.size(), 0);
    bool out_of_range = false;
    automaton.Scan(text, [&](uint32_t id, uint32_t begin, uint32_t end) {
      if (id >= patterns_.size()) out_of_range = true;
      else if (end == line_end[id] &&
               (!(hit_flags_[id] & kExactBytes) || text.compare(begin, end - begin, patterns_[id].text) == 0))
        seen[id] = 1;
    });
    for (uint32_t id : tier)
      if (out_of_range || !seen[id]) return id;
    return std::nullopt;
  };
  // A 100k-name tier's automaton takes ~460M instructions to build: a start
  // with a cache directory loads it (automaton_cache.h).
  // (Only with this program's build ID: the key names the build.)
  auto automaton = std::make_unique<LiteralAutomaton>();
  const bool cached = !cache_dir.empty() && !cache::BuildId().empty();
  const uint64_t key = cached ? cache::AutomatonKey(literals, cache::BuildId()) : 0;
  bool hit = false;
  if (cached) {
    std::string why;
    if (cache::LoadAutomaton(cache_dir, key, literal_bytes, automaton.get(), &why)) {
      hit = !missing(*automaton);
      if (!hit) why = cache::AutomatonFile(cache_dir, key) + ": the automaton does not report every literal";
    }
    tier_cache_state_ = hit ? CacheState::kHit : why == cache::kNoCachedFile ? CacheState::kMiss : CacheState::kRejected;
    if (tier_cache_state_ == CacheState::kRejected) tier_cache_detail_ = why;
  }
  if (!hit) {
    std::string error;
    if (!LiteralAutomaton::Build(literals, automaton.get(), &error)) return Status::Internal("literal tier: " + error);
    if (const auto id = missing(*automaton))
      return Status::Internal("literal tier: the automaton does not report '" + patterns_[*id].text + "'");
    if (cached) {  // a failed write loses only the cache, and says why
      if (Status s = cache::StoreAutomaton(cache_dir, key, *automaton); !s.ok())
        tier_cache_detail_ += (tier_cache_detail_.empty() ? "" : "; ") + ("not written: " + s.message());
    }
  }
  tier_patterns_ = tier.size();
  tier_ = std::move(automaton);
  return Status::OK();
}

std::string CompiledRules::PatternWhere(uint32_t p, const std::vector<std::pair<uint32_t, int>>& first_use) const {
  const auto [ri, line] = first_use[p];
  const Rule& r = set_.rules[ri];
  // A pattern of thousands of bytes (the one Hyperscan refuses for its
  // length) is named by its start and its size, not echoed whole.
  constexpr size_t kShown = 80;
  const std::string& text = patterns_[p].text;
  std::string shown = text;
  if (text.size() > kShown) {
    size_t cut = kShown;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // at a UTF-8 lead byte
    shown = text.substr(0, cut) + "... (" + std::to_string(text.size()) + " bytes)";
  }
  return r.file + ":" + std::to_string(line) + ": rule '" + r.tag + "': pattern '" + shown + "'";
}

Status CompiledRules::CheckRegexBudget(std::chrono::milliseconds budget,
                                       const std::vector<std::pair<uint32_t, int>>& first_use) const {
  std::vector<uint32_t> ids;
  std::vector<TrialPattern> trial;
  for (uint32_t i = 0; i < patterns_.size(); ++i) {
    if (!patterns_[i].regex) continue;
    ids.push_back(i);
    trial.push_back({patterns_[i].text, (patterns_[i].caseless ? HS_FLAG_CASELESS : 0u) | kRegexFlags});
  }
  const TrialResult t = TrialCompile(trial, budget);
  const uint32_t at = ids[std::min(t.at, ids.size() - 1)];
  switch (t.kind) {
    case TrialResult::kDone:
      return Status::OK();
    case TrialResult::kTimedOut:
      return Status::InvalidArgument(PatternWhere(at, first_use) + ": regex did not compile within " +
                                     FormatBudget(budget) +
                                     " (CompileOptions::regex_compile_budget, shared by all the set's regexes)");
    case TrialResult::kDied:
      return Status::InvalidArgument(PatternWhere(at, first_use) +
                                     ": the trial compile of this regex died (" + t.detail + ")");
    case TrialResult::kSystemError:
      break;
  }
  return Status::Internal("cannot trial-compile the regexes: " + t.detail);
}

Status CompiledRules::BuildDatabase(bool any_regex, const std::vector<std::pair<uint32_t, int>>& first_use) {
  // The pure-literal API compiles faster; it is used unless a regex or a
  // literal of the class it mis-scans (RiskyForLiteralApi) is in the set,
  // and its database must then pass VerifyLiterals, else the set is compiled
  // again through hs_compile_multi.
  const bool risky = std::any_of(hs_patterns_.begin(), hs_patterns_.end(),
                                 [&](uint32_t id) { return RiskyForLiteralApi(HsLiteral(patterns_[id])); });
  if (!any_regex && !risky) {
    NEWSFLOW_RETURN_IF_ERROR(CompileDatabase(/*literal_api=*/true, first_use));
    if (VerifyLiterals()) return Status::OK();
  }
  return CompileDatabase(/*literal_api=*/false, first_use);
}

bool CompiledRules::LoadFromCache(const CompileOptions& compile, uint64_t key) {
  if (compile.cache_dir.empty()) return false;
  hs_database_t* db = nullptr;
  bool literal_api = false;
  if (!cache::Load(compile.cache_dir, key, &db, &literal_api, &cache_detail_)) {
    std::error_code ec;  // an unsearchable directory is a miss, never an exception
    cache_state_ = std::filesystem::exists(cache::CacheFile(compile.cache_dir, key), ec) ? CacheState::kRejected
                                                                                         : CacheState::kMiss;
    if (cache_state_ == CacheState::kMiss) cache_detail_.clear();
    return false;
  }
  db_.reset(db);
  literal_api_ = literal_api;
  if (!VerifyLiterals()) {
    db_.reset();
    cache_state_ = CacheState::kRejected;
    cache_detail_ = cache::CacheFile(compile.cache_dir, key) + ": the database does not report every literal";
    return false;
  }
  cache_state_ = CacheState::kHit;
  return true;
}

bool CompiledRules::VerifyLiterals() const {
  // One line per pattern (empty for a regex); literal i must be reported
  // with its own id where its own line ends, and no id may be out of range.
  std::vector<uint64_t> line_end;
  const std::string text = LiteralLines(patterns_, hs_patterns_, &line_end, leadless_);
  std::vector<uint8_t> seen(patterns_.size(), 0);
  // A watch list's lines are megabytes, and this scan was a third of its
  // start (on one core, the other idle): a long text is cut at line ends
  // into two parts, each scanned on a thread of its own with its own
  // scratch. A part's offsets start at 0, so each part knows where it
  // starts; a literal's own line is in one part only, so no two parts mark
  // the same id (and distinct bytes of `seen` are distinct objects). No
  // match spans the cut: a database that reported an out-of-range id only
  // across it would pass, which no real one does (and the scans ignore
  // such ids); one whose own-line report needed bytes before the cut is
  // rejected, which only costs a compile.
  struct Part {
    size_t begin = 0, end = 0;
    const std::vector<uint64_t>* line_end = nullptr;
    std::vector<uint8_t>* seen = nullptr;
    bool out_of_range = false, ok = false;
  };
  auto scan = [this, &text](Part* part) {
    hs_scratch_t* s = nullptr;
    if (hs_alloc_scratch(db_.get(), &s) != HS_SUCCESS) return;
    auto mark = [](unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
      auto* p = static_cast<Part*>(ctx);
      if (id >= p->seen->size()) {
        p->out_of_range = true;
        return 1;  // stop: this database is not for these patterns
      }
      if (p->begin + to == (*p->line_end)[id]) (*p->seen)[id] = 1;
      return 0;
    };
    const hs_error_t rc = hs_scan(db_.get(), text.data() + part->begin, static_cast<unsigned>(part->end - part->begin),
                                  0, s, mark, part);
    hs_free_scratch(s);
    part->ok = !part->out_of_range && (rc == HS_SUCCESS || rc == HS_SCAN_TERMINATED);
  };
  constexpr size_t kSplitFrom = 256 * 1024;  // below it, a thread costs more than it saves
  Part parts[2];
  for (Part& p : parts) p.line_end = &line_end, p.seen = &seen;
  parts[0].end = text.size();
  if (text.size() >= kSplitFrom) {  // (one CPU: no faster, and the same checks)
    // The end of the line that passes the middle (a keyword may hold a
    // '\n' itself: the cut is where LiteralLines put one, never inside).
    for (uint32_t id : hs_patterns_) {
      if (line_end[id] < text.size() / 2) continue;
      parts[0].end = parts[1].begin = line_end[id] + 1;
      parts[1].end = text.size();
      break;
    }
  }
  std::thread second;
  if (parts[1].end > parts[1].begin) {
    try {
      second = std::thread(scan, &parts[1]);
    } catch (const std::system_error&) {  // no thread to be had: the part is scanned here after the first
    }
  } else {
    parts[1].ok = true;
  }
  scan(&parts[0]);
  if (second.joinable()) {
    second.join();
  } else if (!parts[1].ok) {
    scan(&parts[1]);
  }
  if (!parts[0].ok || !parts[1].ok) return false;
  for (uint32_t i : hs_patterns_)
    if (!patterns_[i].regex && !seen[i]) return false;
  return true;
}

std::string CompiledRules::CompilePlan() const {
  // Every input of both compiles BuildDatabase may run: the mode, and per
  // pattern the expression and flags for the literal API and for
  // hs_compile_multi, and whether the literal API is avoided for it.
  std::string plan = "mode " + std::to_string(HS_MODE_BLOCK) + "\n";
  if (leadless_) plan += "leadless: bytes 0xe0-0xef dropped\n";
  // Each pattern: its id, kind, flags and length-prefixed text (so no
  // text can make two plans read alike). Appended piece by piece: a watch
  // list's plan is megabytes.
  auto number = [&plan](uint64_t n) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
    plan.append(buf, end);
  };
  std::string lit;
  for (uint32_t id : hs_patterns_) {
    const Pattern& p = patterns_[id];
    const unsigned flags = p.caseless ? HS_FLAG_CASELESS : 0;
    number(id);
    plan += p.regex ? " r " : " l ";
    number(p.regex ? flags | kRegexFlags : flags);
    plan += ' ';
    number(p.text.size());
    plan += ':';
    plan += p.text;
    if (!p.regex) {
      // The bytes Hyperscan gets (the literal, or its leadless form; escaped
      // for hs_compile_multi, which follows from them) and the API it goes to.
      lit = HsLiteral(p);
      plan += " | ";
      number(lit.size());
      plan += ':';
      plan += lit;
      if (RiskyForLiteralApi(lit)) plan += " risky";
    }
    plan += '\x1f';
  }
  return plan;
}

Status CompiledRules::CompileDatabase(bool literal_api, const std::vector<std::pair<uint32_t, int>>& first_use) {
  const auto n = static_cast<unsigned>(hs_patterns_.size());
  std::vector<unsigned> flags(n), ids(n);
  std::vector<size_t> lens(n);
  std::vector<std::string> exprs(n);
  std::vector<const char*> ptrs(n);
  for (unsigned i = 0; i < n; ++i) {
    const Pattern& p = patterns_[hs_patterns_[i]];
    ids[i] = hs_patterns_[i];
    flags[i] = p.caseless ? HS_FLAG_CASELESS : 0;
    if (p.regex) {
      exprs[i] = p.text;
      flags[i] |= kRegexFlags;
    } else {
      exprs[i] = literal_api ? HsLiteral(p) : EscapeLiteral(HsLiteral(p));
    }
    ptrs[i] = exprs[i].c_str();
    lens[i] = exprs[i].size();
  }
  hs_compile_error_t* err = nullptr;
  hs_database_t* db = nullptr;
  hs_error_t rc;
  if (literal_api) {
    rc = hs_compile_lit_multi(ptrs.data(), flags.data(), ids.data(), lens.data(), n, HS_MODE_BLOCK, nullptr, &db,
                              &err);
  } else {
    rc = hs_compile_multi(ptrs.data(), flags.data(), ids.data(), n, HS_MODE_BLOCK, nullptr, &db, &err);
  }
  literal_api_ = literal_api;
  db_.reset(db);
  if (rc == HS_SUCCESS) return Status::OK();
  std::string msg = "hyperscan compile failed";
  if (err) {
    msg = err->message;
    if (err->expression >= 0 && static_cast<size_t>(err->expression) < n)
      msg = PatternWhere(hs_patterns_[static_cast<size_t>(err->expression)], first_use) + ": " + err->message;
    hs_free_compile_error(err);
  }
  return Status::InvalidArgument(msg);
}

Status CompiledRules::NewScratch(std::unique_ptr<ScanScratch>* out) const {
  std::unique_ptr<ScanScratch> s(new ScanScratch());
  if (db_) {
    hs_scratch_t* hs = nullptr;
    if (hs_error_t rc = hs_alloc_scratch(db_.get(), &hs); rc != HS_SUCCESS) {
      return Status::Internal("hyperscan: cannot allocate scratch (error " + std::to_string(rc) + ")");
    }
    s->hs_.reset(hs);
  }
  if (leadless_) s->leadless_ = std::make_unique<LeadlessText>();
  s->owner_ = this;
  s->m_.bits.assign((patterns_.size() + 63) / 64, 0);
  s->m_.hits.reserve(256);
  s->rule_seen_.assign(rules_.size(), 0);
  s->rule_spans_.reserve(options_.max_spans_per_tag);
  *out = std::move(s);
  return Status::OK();
}

size_t CompiledRules::database_bytes() const {
  size_t n = 0;
  if (db_) hs_database_size(db_.get(), &n);
  return n;
}

size_t CompiledRules::literal_tier_patterns() const { return tier_patterns_; }
size_t CompiledRules::literal_tier_bytes() const { return tier_ ? tier_->memory_bytes() : 0; }

size_t CompiledRules::scratch_bytes() const {
  hs_scratch_t* s = nullptr;
  size_t n = 0;
  if (db_ && hs_alloc_scratch(db_.get(), &s) == HS_SUCCESS) {
    hs_scratch_size(s, &n);
    hs_free_scratch(s);
  }
  return n;
}

int CompiledRules::OnMatch(unsigned id, unsigned long long from, unsigned long long to, unsigned,
                           void* ctx) {
  auto* s = static_cast<ScanScratch*>(ctx);
  const CompiledRules& c = *s->owner_;
  if (id >= c.literal_bytes_.size()) return 0;  // never from a verified database; never trusted either
  const auto end = static_cast<uint32_t>(to);
  const uint32_t len = c.literal_bytes_[id];
  RecordHit(s, id, len == kRegexLength ? static_cast<uint32_t>(from) : end - len, end);
  return 0;
}

int CompiledRules::OnLeadlessMatch(unsigned id, unsigned long long, unsigned long long to, unsigned, void* ctx) {
  auto* s = static_cast<ScanScratch*>(ctx);
  const CompiledRules& c = *s->owner_;
  if (id >= c.literal_bytes_.size() || to == 0) return 0;  // never from a verified database; never trusted either
  // The form's hit ends at the copy of the keyword's last byte; the text
  // there must hold the keyword (the form loses which lead an ideograph had).
  const uint32_t end = s->leadless_->TextEnd(static_cast<size_t>(to));
  const uint32_t len = c.literal_bytes_[id];
  if (len > end) return 0;
  const uint32_t at = c.literal_at_[id];
  const std::string_view literal(c.literal_arena_.data() + (at & ~kFoldLetters), len);
  const std::string_view here = s->text_.substr(end - len, len);
  if ((at & kFoldLetters) ? !SameLiteral(here, literal, true) : here != literal) return 0;
  RecordHit(s, id, end - len, end);
  return 0;
}

std::string CompiledRules::HsLiteral(const Pattern& p) const {
  return leadless_ && !p.regex ? LeadlessForm(p.text) : p.text;
}

void CompiledRules::RecordHit(ScanScratch* s, uint32_t id, uint32_t begin, uint32_t end) {
  if (const uint8_t f = s->owner_->hit_flags_[id]; f != 0) {
    const std::string_view t = s->text_;
    if ((f & kLeftBoundary) && begin > 0 && IsAsciiAlnum(static_cast<unsigned char>(t[begin - 1]))) return;
    if ((f & kRightBoundary) && end < t.size() && IsAsciiAlnum(static_cast<unsigned char>(t[end]))) return;
    if ((f & kExactBytes) && t.compare(begin, end - begin, s->owner_->patterns_[id].text) != 0) return;
  }
  MatchSet& m = s->m_;
  uint64_t& word = m.bits[id >> 6];
  const uint64_t bit = uint64_t{1} << (id & 63);
  if (!(word & bit)) {
    word |= bit;
    m.touched.push_back(id);
  }
  KeepHit(s->into_, {id, begin, end}, &m.truncated);
}

// The cap: the first kMaxHits hits in end order, and every further hit that
// ends where the last kept one does. Which hits of one end offset an engine
// reports first differs between engines; with the ties kept, the kept set
// does not.
void CompiledRules::KeepHit(std::vector<Hit>* hits, const Hit& h, bool* truncated) {
  if (hits->size() < MatchSet::kMaxHits || hits->back().end == h.end)
    hits->push_back(h);
  else
    *truncated = true;
}

Status CompiledRules::Scan(std::string_view text, uint32_t title_end, ScanScratch* s) const {
  MatchSet& m = s->m_;
  for (uint32_t p : m.touched) m.bits[p >> 6] = 0;
  m.touched.clear();
  m.hits.clear();
  m.truncated = false;
  m.title_end = title_end;
  s->text_ = text;
  if (text.empty()) return Status::OK();
  if (text.size() > UINT32_MAX)
    return Status::InvalidArgument("a text of " + std::to_string(text.size()) + " bytes is too long to scan");
  s->into_ = &m.hits;
  if (db_) {
    hs_error_t rc;
    if (leadless_) {
      s->leadless_->Assign(text);
      rc = hs_scan(db_.get(), s->leadless_->data(), static_cast<unsigned>(s->leadless_->size()), 0, s->hs_.get(),
                   &OnLeadlessMatch, s);
    } else {
      rc = hs_scan(db_.get(), text.data(), static_cast<unsigned>(text.size()), 0, s->hs_.get(), &OnMatch, s);
    }
    if (rc != HS_SUCCESS) return Status::Internal("hyperscan: scan failed (error " + std::to_string(rc) + ")");
  }
  if (tier_) {
    // With both engines, each keeps its own capped list, so that their
    // merge holds the first hits of the text whichever engine found them.
    std::vector<Hit>& tier_hits = db_ ? s->tier_hits_ : m.hits;
    tier_hits.clear();
    s->into_ = &tier_hits;
    tier_->Scan(text, [s](uint32_t id, uint32_t begin, uint32_t end) { RecordHit(s, id, begin, end); });
    if (db_ && !tier_hits.empty()) {
      std::vector<Hit>& merged = s->merged_hits_;
      merged.clear();
      merged.reserve(m.hits.size() + tier_hits.size());
      merged.insert(merged.end(), m.hits.begin(), m.hits.end());
      merged.insert(merged.end(), tier_hits.begin(), tier_hits.end());
      // Hyperscan's regex hits are not always in end order (SOM); sort, not merge.
      std::stable_sort(merged.begin(), merged.end(), [](const Hit& a, const Hit& b) { return a.end < b.end; });
      m.hits.clear();
      for (const Hit& h : merged) KeepHit(&m.hits, h, &m.truncated);
    }
  }
  return Status::OK();
}

void CompiledRules::Evaluate(ScanScratch* s, std::span<const DocLabel> labels, std::vector<TagMatch>* out) const {
  const MatchSet& m = s->m_;
  auto& cands = s->candidate_rules_;
  cands.clear();
  for (uint32_t p : m.touched)
    for (uint32_t r : rules_of_pattern_[p])
      if (!s->rule_seen_[r]) {
        s->rule_seen_[r] = 1;
        cands.push_back(r);
      }
  for (uint32_t r : cands) s->rule_seen_[r] = 0;
  std::sort(cands.begin(), cands.end());

  const size_t first_out = out->size();
  for (uint32_t ri : cands) EvaluateRule(ri, s, out);

  // One entry per tag: the best score wins; alert if any firing rule alerts.
  auto begin = out->begin() + static_cast<std::ptrdiff_t>(first_out);
  std::stable_sort(begin, out->end(), [](const TagMatch& a, const TagMatch& b) {
    return a.tag != b.tag ? a.tag < b.tag : a.score > b.score;
  });
  auto w = begin;
  for (auto it = begin; it != out->end(); ++it) {
    if (w != begin && (w - 1)->tag == it->tag) {
      (w - 1)->alert |= it->alert;
      continue;
    }
    if (w != it) *w = std::move(*it);
    ++w;
  }
  out->erase(w, out->end());
  if (!labels.empty() && !label_index_.empty()) AddLabelEvidence(s, labels, first_out, out);
}

void CompiledRules::EvaluateRule(uint32_t ri, ScanScratch* s, std::vector<TagMatch>* out) const {
  const MatchSet& m = s->m_;
  const CompiledRule& r = rules_[ri];
  for (uint32_t p : r.veto)
    if (m.Has(p)) return;

  auto inside_except = [&](const Hit& h) {
    if (r.except.empty()) return false;
    for (const Hit& e : m.hits) {
      if (e.begin > h.begin || e.end < h.end) continue;
      if (std::find(r.except.begin(), r.except.end(), e.pattern) != r.except.end()) return true;
    }
    return false;
  };
  double score = 0;
  std::vector<Hit>& spans = s->rule_spans_;
  spans.clear();
  // Scores one keyword once, however many of the rule's lists name it
  // (SCHEMA.md: each distinct keyword adds to the score); returns whether
  // it counted.
  auto& scored = s->scored_;
  scored.clear();
  auto score_pattern = [&](uint32_t p) -> bool {
    if (!m.Has(p)) return false;
    for (const auto& [q, counted] : scored)
      if (q == p) return counted;
    scored.emplace_back(p, false);
    unsigned n = 0;
    bool in_title = false;
    for (const Hit& h : m.hits) {
      if (h.pattern != p || inside_except(h)) continue;
      ++n;
      in_title |= h.begin < m.title_end;
      if (spans.size() < options_.max_spans_per_tag) spans.push_back(h);
    }
    if (n == 0 && m.truncated && r.except.empty()) n = 1;  // hit beyond the span cap
    if (n == 0) return false;
    score += (in_title ? r.title_weight : 1.0) +
             options_.repeat_bonus * std::min(n - 1, options_.max_repeats_scored);
    scored.back().second = true;
    return true;
  };
  bool any_hit = r.any.empty();
  for (uint32_t p : r.any) any_hit |= score_pattern(p);
  bool all_hit = true;
  for (const auto& g : r.all) {
    bool group_hit = false;
    for (uint32_t p : g) group_hit |= score_pattern(p);
    all_hit &= group_hit;
  }
  if (!any_hit || !all_hit || score < r.min_score) return;
  std::sort(spans.begin(), spans.end(), [](const Hit& a, const Hit& b) {
    return std::tie(a.begin, a.end, a.pattern) < std::tie(b.begin, b.end, b.pattern);
  });
  spans.erase(std::unique(spans.begin(), spans.end(),
                          [](const Hit& a, const Hit& b) {
                            return a.begin == b.begin && a.end == b.end && a.pattern == b.pattern;
                          }),
              spans.end());
  out->push_back({r.tag, score, r.alert, std::vector<Hit>(spans.begin(), spans.end())});
}

Status CompiledRules::Tag(std::string_view text, uint32_t title_end, std::span<const DocLabel> labels,
                          ScanScratch* scratch, std::vector<TagMatch>* out) const {
  NEWSFLOW_RETURN_IF_ERROR(Scan(text, title_end, scratch));
  Evaluate(scratch, labels, out);
  return Status::OK();
}

}  // namespace newsflow::rules
