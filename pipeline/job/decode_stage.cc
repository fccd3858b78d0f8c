// decode_stage.cc — see decode_stage.h.
#include "pipeline/job/decode_stage.h"

#include <algorithm>
#include <atomic>

#include <fmt/format.h>

#include "pipeline/decode/tagged_record.h"
#include "pipeline/log/logger.h"

namespace newsflow::pipeline {

void DecodeStage::Run(Item& it) {
  if (!it.error.empty()) return;
  if (tagged_) return RunTagged(it);
  if (Status s = decoder_.Decode(it.raw, &it.doc); !s.ok()) it.error = s.message();
  if (const auto& m = decoder_.FirstObjectMismatch(); m && !warned_) {
    warned_ = true;
    // Once a process (a run is one), whichever worker met it first.
    static std::atomic<bool> said{false};
    if (!said.exchange(true))
      LogWarn("decode", fmt::format("--format {0} reads items that look like {1} items (their keys are {1}'s: "
                                    "--format auto or {1} would read them so); those with {0}'s fields are stored as "
                                    "{0} documents",
                                    m->read_as, m->looks_like));
  }
}

void DecodeStage::RunTagged(Item& it) {
  it.tagged.reset();
  storage::Record r;
  if (Status s = DecodeTaggedRecord(it.raw, &parser_, &r); !s.ok()) {
    it.error = s.message();
    return;
  }
  Document& d = it.doc;
  d.key = r.key;
  d.source = r.source;
  d.id = r.key.substr(r.source.size() + 1);
  d.time_ms = r.time_ms;
  d.title = std::move(r.title);
  d.body = std::move(r.body);
  d.url = std::move(r.url);
  d.level = std::move(r.level);
  d.stocks = std::move(r.stocks);
  d.stock_codes = std::move(r.stock_codes);
  d.labels = std::move(r.labels);
  PreTagged t;
  t.ruleset_version = std::move(r.ruleset_version);
  for (const auto& tag : r.tags) {
    ItemTag it_tag;
    it_tag.tag = tag.tag;
    it_tag.score = tag.score;
    t.tags.push_back(std::move(it_tag));
  }
  // Its spans, in the producer's order (its keyword numbers would mean
  // nothing here: they stay strings); each is of a tag it carries
  // (DecodeTaggedRecord refuses the others).
  for (auto& s : r.spans) t.spans.push_back(std::move(s));
  it.tagged = std::move(t);
}

}  // namespace newsflow::pipeline
