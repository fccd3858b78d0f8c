// retag.cc — see retag.h.
#include "pipeline/job/retag.h"

#include <fmt/format.h>

#include <charconv>
#include <vector>

#include "pipeline/job/prepare_stage.h"
#include "pipeline/job/tagger.h"
#include "pipeline/query/doc_position.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {
namespace {

// The progress mark of a retag over a time range: how many documents are
// done, the last one and the rule set that tagged them,
// "<done>\t<time_ms>:<key>\t<ruleset version>" (newest-first order: time
// descending, key ascending).
std::string MarkSource(const RetagOptions& o) {
  if (!o.range_name.empty()) return "retag/as-written/" + o.range_name;
  return fmt::format("retag/{}/{}", o.since_ms ? std::to_string(*o.since_ms) : "-",
                     o.until_ms ? std::to_string(*o.until_ms) : "-");
}

// "<done>\t<position>\t<version>" (doc_position.h) -> done, position and
// the rule set version.
bool ParseMark(const std::string& mark, uint64_t* done, DocPosition* out, std::string_view* version) {
  const size_t tab = mark.find('\t'), last = mark.rfind('\t');
  if (tab == std::string::npos || last == tab) return false;  // a mark without a version: no resume
  const auto [end, ec] = std::from_chars(mark.data(), mark.data() + tab, *done);
  if (ec != std::errc() || end != mark.data() + tab) return false;
  *version = std::string_view(mark).substr(last + 1);
  return DocPosition::Parse(std::string_view(mark).substr(tab + 1, last - tab - 1), out);
}

bool SameTagging(const storage::Record& a, const storage::Record& b) {
  if (a.ruleset_version != b.ruleset_version || a.tags.size() != b.tags.size() || a.spans.size() != b.spans.size())
    return false;
  for (size_t i = 0; i < a.tags.size(); ++i)
    if (a.tags[i].tag != b.tags[i].tag || a.tags[i].score != b.tags[i].score) return false;
  for (size_t i = 0; i < a.spans.size(); ++i) {
    const auto &x = a.spans[i], &y = b.spans[i];
    if (x.tag != y.tag || x.keyword != y.keyword || x.field != y.field || x.begin != y.begin || x.end != y.end)
      return false;
  }
  return true;
}

}  // namespace

// Where an interrupted retag of the same range with the same rule set
// (summary->ruleset_version) stopped, if it did. One with other rules
// starts over: the documents it did carry the other rules' tags.
Status LoadResume(storage::Store* store, const std::string& mark_source, RetagSummary* summary,
                  std::optional<DocPosition>* resume) {
  std::optional<std::string> mark;
  NEWSFLOW_RETURN_IF_ERROR(store->GetProgress(mark_source, &mark));
  DocPosition p;
  uint64_t done = 0;
  std::string_view version;
  if (mark && !mark->empty() && ParseMark(*mark, &done, &p, &version) && version == summary->ruleset_version) {
    *resume = p;
    summary->resumed_after = done;
  }
  return Status::OK();
}

// One stored document tagged again with the worker's rules (its feed labels
// too): *next is what to write, or unset when the tagging did not change.
Status RetagOne(const storage::Record& old, TagWorker* worker, std::optional<storage::Record>* next) {
  Item it = worker->TagText(old.title, old.body, old.labels);
  const storage::Record fresh = ToRecord(it, worker->tagger().rules());
  storage::Record r = old;
  r.tags = fresh.tags;
  r.spans = fresh.spans;
  r.ruleset_version = fresh.ruleset_version;
  if (SameTagging(old, r)) next->reset();
  else *next = std::move(r);
  return Status::OK();
}

Status Retag(storage::Store* store, const RetagOptions& o, RetagSummary* summary) {
  *summary = RetagSummary{};
  TaggerOptions to;
  to.rules_dir = o.rules_dir;
  to.evaluate = o.evaluate;
  to.rules_cache_dir = o.rules_cache_dir;
  std::shared_ptr<const Tagger> tagger;
  NEWSFLOW_RETURN_IF_ERROR(Tagger::Open(to, &tagger));
  std::unique_ptr<TagWorker> worker;
  NEWSFLOW_RETURN_IF_ERROR(tagger->NewWorker(&worker));
  summary->ruleset_version = tagger->version();

  const std::string mark_source = MarkSource(o);
  std::optional<DocPosition> resume;
  NEWSFLOW_RETURN_IF_ERROR(LoadResume(store, mark_source, summary, &resume));
  storage::QueryOptions q;
  q.limit = 0;
  q.since_ms = o.since_ms;
  q.until_ms = o.until_ms;
  if (resume && (!q.until_ms || *q.until_ms > resume->time_ms)) q.until_ms = resume->time_ms;

  // Keys first (the walk's own snapshot), then each batch read again and
  // rewritten only if unchanged since that read.
  std::vector<std::pair<std::string, int64_t>> batch;  // key, time
  Status failed;
  auto flush = [&]() -> Status {
    std::vector<storage::PreparedRecord> records;
    std::vector<std::string> expected;
    std::vector<std::pair<std::vector<storage::TagScore>, std::vector<storage::TagScore>>> tags;  // old, new per record
    for (const auto& [key, time_ms] : batch) {
      std::string encoded;
      bool found = false;
      NEWSFLOW_RETURN_IF_ERROR(store->GetEncoded(key, &encoded, &found));
      if (!found) {
        ++summary->skipped;
        continue;
      }
      storage::Record old;
      if (!storage::DecodeRecord(encoded, &old)) return Status::Corruption("corrupt stored record " + key);
      std::optional<storage::Record> next;
      NEWSFLOW_RETURN_IF_ERROR(RetagOne(old, worker.get(), &next));
      if (!next) {
        ++summary->unchanged;
        continue;
      }
      tags.emplace_back(std::move(old.tags), next->tags);
      storage::PreparedWriteSet one;
      NEWSFLOW_RETURN_IF_ERROR(storage::PrepareRecord(*next, &one));
      records.push_back(std::move(one.records.front()));
      expected.push_back(std::move(encoded));
    }
    const auto& last = batch.back();
    const uint64_t done = summary->resumed_after + summary->scanned + batch.size();
    std::vector<storage::ProgressMark> progress{
        {mark_source,
         fmt::format("{}\t{}\t{}", done, DocPosition{last.second, last.first}.Format(), summary->ruleset_version)}};
    std::vector<bool> written;
    NEWSFLOW_RETURN_IF_ERROR(store->Rewrite(records, expected, progress, "", &written));
    for (size_t i = 0; i < records.size(); ++i) {
      if (!written[i]) {  // a writer stored a newer version since it was read: it keeps its tags
        ++summary->skipped;
        continue;
      }
      ++summary->changed;
      for (const auto& t : tags[i].first) --summary->tag_delta[t.tag];
      for (const auto& t : tags[i].second) ++summary->tag_delta[t.tag];
    }
    summary->scanned += batch.size();
    batch.clear();
    return Status::OK();
  };
  auto stopping = [&] {
    if ((o.stop && o.stop->load()) || (o.withdrawn && o.withdrawn())) summary->interrupted = true;
    return summary->interrupted;
  };
  NEWSFLOW_RETURN_IF_ERROR(store->ForEach(q, [&](const storage::Record& r) {
    if (resume && !resume->Precedes(r.time_ms, r.key)) return true;  // done by the interrupted retag
    batch.emplace_back(r.key, r.time_ms);
    if (batch.size() < o.batch) return true;
    failed = flush();
    return failed.ok() && !stopping();
  }));
  NEWSFLOW_RETURN_IF_ERROR(failed);
  if (summary->interrupted || stopping()) return Status::OK();  // the last, partial batch too
  if (!batch.empty()) NEWSFLOW_RETURN_IF_ERROR(flush());
  // Done: the next retag of this range starts from the newest document
  // again. One that reached the newest documents names its rule set as the
  // store's (serve's newsflow_ruleset_info, stats) until a run writes its own.
  std::vector<bool> none;
  return store->Rewrite({}, {}, {{mark_source, ""}}, o.until_ms ? "" : summary->ruleset_version, &none);
}

std::string RetagSummaryToJson(const RetagSummary& s) {
  std::string out = fmt::format(
      "{{\"scanned\":{},\"changed\":{},\"unchanged\":{},\"skipped\":{},\"resumed_after\":{},\"interrupted\":{},"
      "\"ruleset_version\":",
      s.scanned, s.changed, s.unchanged, s.skipped, s.resumed_after, s.interrupted ? "true" : "false");
  AppendJsonString(&out, s.ruleset_version);
  out += ",\"tag_delta\":{";
  bool first = true;
  for (const auto& [tag, d] : s.tag_delta) {
    if (d == 0) continue;
    if (!first) out += ',';
    first = false;
    AppendJsonString(&out, tag);
    out += fmt::format(":{}", d);
  }
  return out + "}}";
}

}  // namespace newsflow::pipeline
