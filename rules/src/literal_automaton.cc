// literal_automaton.cc — builds the double-array Aho-Corasick automaton.
//
// Steps: decode every literal into code points; number the distinct code
// points by descending frequency (frequent characters get small codes, which
// keeps the children of busy states close together); build a trie; place the
// trie's states into the double array depth first (first fit: the lowest
// base whose cells for all of a state's child codes are free, among a
// bounded number of candidates); then compute
// the failure links and the output chains breadth first on the array.
#include "literal_automaton.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <type_traits>

namespace newsflow::rules {
namespace {

struct TrieNode {
  std::vector<std::pair<uint32_t, uint32_t>> children;  // (code, node), in ascending code order
  std::vector<std::pair<uint32_t, uint32_t>> ends;      // (id, bytes) of the literals ending here
};

// The free cells of the growing array, for first-fit placement. `next_`
// is a disjoint-set forest over cells: Free(x) is the lowest free cell >= x
// (path halving keeps it near O(1)), so a state whose child codes are large
// does not walk the dense run of taken cells before it.
class CellAllocator {
 public:
  // The lowest base >= 1 such that base + c is free for every c in `codes`
  // (ascending) among the first kMaxTries candidates; past them, the first
  // base whose cells all lie after every taken cell (so that no set of
  // literals can make placement quadratic). Takes those cells.
  uint32_t Place(const std::vector<uint32_t>& codes) {
    static constexpr int kMaxTries = 256;
    size_t pos = Free(codes.front() + 1);
    for (int tries = 0; tries < kMaxTries; ++tries, pos = Free(pos + 1)) {
      const size_t base = pos - codes.front();
      bool fits = true;
      for (size_t k = 1; k < codes.size() && fits; ++k) fits = Free(base + codes[k]) == base + codes[k];
      if (fits) return TakeAll(base, codes);
    }
    return TakeAll(std::max<size_t>(1, top_ + 1 > codes.front() ? top_ + 1 - codes.front() : 1), codes);
  }
  void Take(size_t cell) {
    Grow(cell + 2);
    next_[cell] = cell + 1;
    top_ = std::max(top_, cell + 1);
  }
  uint32_t TakeAll(size_t base, const std::vector<uint32_t>& codes) {
    for (uint32_t c : codes) Take(base + c);
    return static_cast<uint32_t>(base);
  }
  // One past the highest cell taken.
  size_t size() const { return top_; }

 private:
  size_t Free(size_t x) {
    Grow(x + 2);
    while (next_[x] != x) {
      Grow(next_[x] + 2);
      next_[x] = next_[next_[x]];
      x = next_[x];
    }
    return x;
  }
  void Grow(size_t n) {
    if (next_.size() >= n) return;
    size_t old = next_.size();
    next_.resize(std::max(n, old + old / 2));
    std::iota(next_.begin() + static_cast<std::ptrdiff_t>(old), next_.end(), old);
  }
  std::vector<size_t> next_;
  size_t top_ = 0;
};

}  // namespace

bool LiteralAutomaton::Build(std::span<const Literal> literals, LiteralAutomaton* out, std::string* error) {
  // Decode, count characters.
  std::vector<std::vector<uint32_t>> decoded(literals.size());
  std::vector<std::pair<uint32_t, uint64_t>> freq;  // (code point, count), filled below
  std::vector<uint64_t> count;
  uint32_t max_cp = 'z';
  for (size_t li = 0; li < literals.size(); ++li) {
    const std::string_view t = literals[li].text;
    if (t.empty()) {
      *error = "literal " + std::to_string(literals[li].id) + " is empty";
      return false;
    }
    const auto* p = reinterpret_cast<const unsigned char*>(t.data());
    for (size_t i = 0; i < t.size();) {
      size_t len;
      const uint32_t cp = Decode(p, i, t.size(), &len);
      if (cp == kNotAChar) {
        *error = "literal " + std::to_string(literals[li].id) + " is not valid UTF-8 at byte " + std::to_string(i);
        return false;
      }
      decoded[li].push_back(cp);
      if (cp >= count.size()) count.resize(std::max<size_t>(cp + 1, count.size() * 2), 0);
      ++count[cp];
      max_cp = std::max(max_cp, cp);
      i += len;
    }
  }
  count.resize(max_cp + 1, 0);

  // Codes: 1.. by descending count (ties by code point); 'A'-'Z' read as 'a'-'z'.
  std::vector<uint32_t> cps;
  for (uint32_t cp = 0; cp <= max_cp; ++cp)
    if (count[cp] > 0) cps.push_back(cp);
  std::stable_sort(cps.begin(), cps.end(), [&](uint32_t a, uint32_t b) { return count[a] > count[b]; });
  LiteralAutomaton a;
  a.codes_.assign(static_cast<size_t>(max_cp) + 1, 0);
  for (size_t k = 0; k < cps.size(); ++k) a.codes_[cps[k]] = static_cast<uint32_t>(k + 1);
  for (uint32_t c = 'A'; c <= 'Z'; ++c) a.codes_[c] = a.codes_[c + ('a' - 'A')];
  const auto num_codes = static_cast<uint32_t>(cps.size());

  // Trie, from the literals in code order: a node's children are then
  // added in ascending code order, so a path continues through the last
  // child or not at all (no search among a node's children).
  for (auto& d : decoded)
    for (uint32_t& c : d) c = a.codes_[c];
  std::vector<uint32_t> sorted(literals.size());
  std::iota(sorted.begin(), sorted.end(), 0u);
  std::stable_sort(sorted.begin(), sorted.end(), [&](uint32_t x, uint32_t y) { return decoded[x] < decoded[y]; });
  std::vector<TrieNode> trie(1);
  for (uint32_t li : sorted) {
    uint32_t node = 0;
    for (uint32_t code : decoded[li]) {
      auto& ch = trie[node].children;
      if (!ch.empty() && ch.back().first == code) {
        node = ch.back().second;
      } else {
        const auto next = static_cast<uint32_t>(trie.size());
        ch.emplace_back(code, next);
        trie.emplace_back();  // invalidates `ch`
        node = next;
      }
    }
    trie[node].ends.emplace_back(literals[li].id, static_cast<uint32_t>(literals[li].text.size()));
  }
  decoded.clear();
  decoded.shrink_to_fit();

  // Place depth first (a state's children right after it in time, so a
  // path through the trie stays in nearby cells); da[node] = its cell.
  std::vector<uint32_t> da(trie.size(), kNone), bases(trie.size(), 0), stack{0};
  CellAllocator alloc;
  alloc.Take(0);
  da[0] = 0;
  std::vector<uint32_t> codes;
  while (!stack.empty()) {
    const uint32_t node = stack.back();
    stack.pop_back();
    auto& ch = trie[node].children;
    if (ch.empty()) continue;  // children are in ascending code order already (see the trie above)
    codes.clear();
    for (const auto& [code, child] : ch) codes.push_back(code);
    const uint32_t base = alloc.Place(codes);
    bases[node] = base;
    for (auto it = ch.rbegin(); it != ch.rend(); ++it) {
      da[it->second] = base + it->first;
      stack.push_back(it->second);
    }
  }
  // Breadth-first order, for the failure links below.
  std::vector<uint32_t> order{0};
  order.reserve(trie.size());
  for (size_t qi = 0; qi < order.size(); ++qi)
    for (const auto& [code, child] : trie[order[qi]].children) order.push_back(child);
  // Every base + code (code <= num_codes) must be a cell: pad the array.
  uint32_t max_base = 0;
  for (uint32_t b : bases) max_base = std::max(max_base, b);
  const size_t cells = std::max<size_t>(alloc.size(), static_cast<size_t>(max_base) + num_codes + 1);
  if (cells > kBaseMask) {
    *error = "too many states for the automaton (" + std::to_string(cells) + " cells)";
    return false;
  }
  a.cells_.assign(cells, Cell{});
  a.output_.assign(cells, kNone);
  for (uint32_t node : order) {
    Cell& c = a.cells_[da[node]];
    c.base = bases[node];
    for (const auto& [code, child] : trie[node].children) a.cells_[da[child]].check = da[node];
  }
  // A leaf's base is 0, so base + code lands on some cell whose check is
  // then compared against the leaf's own index: it must never be equal.
  // Cells are children of their parent only, and a leaf has none, so no
  // cell's check names a leaf. Nothing more to do.

  // Failure links and outputs, breadth first (a fail state is shallower,
  // so its output chain is complete before it is linked into).
  auto go = [&](uint32_t s, uint32_t code) -> uint32_t {
    const uint32_t t = (a.cells_[s].base & kBaseMask) + code;
    return a.cells_[t].check == s ? t : kNone;
  };
  for (uint32_t node : order) {
    const uint32_t s = da[node];
    Cell& cs = a.cells_[s];
    if (node != 0) {
      // cs.fail was set when the parent was visited.
      uint32_t head = a.output_[cs.fail];
      for (const auto& [id, bytes] : trie[node].ends) {
        a.outputs_.push_back({id, bytes, head});
        head = static_cast<uint32_t>(a.outputs_.size() - 1);
      }
      a.output_[s] = head;
      if (head != kNone) cs.base |= kHasOutput;
    }
    for (const auto& [code, child] : trie[node].children) {
      const uint32_t t = da[child];
      uint32_t f = 0;
      if (node != 0) {
        uint32_t g = a.cells_[s].fail;
        for (;;) {
          const uint32_t h = go(g, code);
          if (h != kNone) {
            f = h;
            break;
          }
          if (g == 0) break;
          g = a.cells_[g].fail;
        }
      }
      a.cells_[t].fail = f;
    }
  }
  a.states_ = trie.size();
  *out = std::move(a);
  return true;
}

namespace {

// The payload: four counts (u64), then the arrays as they are in memory.
struct Counts {
  uint64_t states, cells, outputs, codes;
};

template <class T, class A>
void AppendArray(const std::vector<T, A>& v, std::string* out) {
  static_assert(std::is_trivially_copyable_v<T>);
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

template <class T, class A>
bool TakeArray(std::string_view* in, uint64_t n, std::vector<T, A>* v) {
  if (n > in->size() / sizeof(T)) return false;
  v->resize(n);
  std::memcpy(v->data(), in->data(), n * sizeof(T));
  in->remove_prefix(n * sizeof(T));
  return true;
}

}  // namespace

void LiteralAutomaton::Serialize(std::string* out) const {
  const Counts n{states_, cells_.size(), outputs_.size(), codes_.size()};
  out->clear();
  out->reserve(sizeof n + cells_.size() * (sizeof(Cell) + 4) + outputs_.size() * sizeof(Output) + codes_.size() * 4);
  out->append(reinterpret_cast<const char*>(&n), sizeof n);
  AppendArray(cells_, out);
  AppendArray(output_, out);
  AppendArray(outputs_, out);
  AppendArray(codes_, out);
}

bool LiteralAutomaton::Load(std::string_view bytes, std::span<const uint32_t> literal_bytes, LiteralAutomaton* out,
                            std::string* why) {
  auto refuse = [why](std::string reason) {
    *why = "not a well-formed automaton: " + std::move(reason);
    return false;
  };
  Counts n{};
  if (bytes.size() < sizeof n) return refuse("too short");
  std::memcpy(&n, bytes.data(), sizeof n);
  bytes.remove_prefix(sizeof n);
  LiteralAutomaton a;
  if (n.cells == 0 || n.cells > kBaseMask || n.states > n.cells) return refuse("cell or state count");
  if (!TakeArray(&bytes, n.cells, &a.cells_) || !TakeArray(&bytes, n.cells, &a.output_) ||
      !TakeArray(&bytes, n.outputs, &a.outputs_) || !TakeArray(&bytes, n.codes, &a.codes_) || !bytes.empty())
    return refuse("sizes");
  a.states_ = n.states;
  uint32_t max_code = 0;
  for (uint32_t c : a.codes_) max_code = std::max(max_code, c);
  // A state is the root or a cell with a parent (check); Step only ever
  // stands on states. Depths through the parents, to order failure links.
  const uint32_t cells = static_cast<uint32_t>(n.cells);
  std::vector<uint32_t> depth(cells, kNone);
  depth[0] = 0;
  std::vector<uint32_t> path;
  for (uint32_t i = 1; i < cells; ++i) {
    if (a.cells_[i].check == kNone || depth[i] != kNone) continue;
    path.clear();
    uint32_t s = i;
    while (s != 0 && depth[s] == kNone) {
      if (a.cells_[s].check >= cells || path.size() > cells) return refuse("a parent out of range or a cycle");
      path.push_back(s);
      s = a.cells_[s].check;
    }
    if (s != 0 && depth[s] == kNone) return refuse("a state without a root");
    for (auto it = path.rbegin(); it != path.rend(); ++it) depth[*it] = depth[a.cells_[*it].check] + 1;
  }
  for (uint32_t i = 0; i < cells; ++i) {
    if (depth[i] == kNone) continue;  // a free cell: never stood on
    const Cell& c = a.cells_[i];
    if (uint64_t{c.base & kBaseMask} + max_code >= cells) return refuse("a transition out of range");
    if (c.fail >= cells || depth[c.fail] == kNone || (i != 0 && depth[c.fail] >= depth[i]) || (i == 0 && c.fail != 0))
      return refuse("a failure link");
    if ((c.base & kHasOutput) && (i == 0 || a.output_[i] >= n.outputs)) return refuse("an output out of range");
  }
  for (uint32_t o = 0; o < n.outputs; ++o) {
    const Output& x = a.outputs_[o];
    if (x.next != kNone && x.next >= o) return refuse("an output chain that may not end");  // Build links back only
    if (x.id >= literal_bytes.size() || literal_bytes[x.id] == kNoLiteral || literal_bytes[x.id] != x.bytes)
      return refuse("an output that is no literal");
  }
  *out = std::move(a);
  return true;
}

}  // namespace newsflow::rules
