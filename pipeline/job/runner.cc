// runner.cc — the job, in the order it runs: open, reader, workers, writer,
// summary.
#include "pipeline/job/runner.h"

#include <fmt/format.h>
#include <regex.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <fstream>
#include <sstream>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "newsflow/storage/store.h"
#include "newsflow/base/fnv1a.h"
#include "newsflow/base/thread_name.h"
#include "pipeline/decode/decoder.h"
#include "newsflow/rules/lint.h"
#include "pipeline/job/alert_stage.h"
#include "pipeline/job/current_rules.h"
#include "pipeline/job/reload_requests.h"
#include "pipeline/job/simplified_spelling.h"
#include "pipeline/job/tagger_load.h"
#include "pipeline/log/logger.h"
#include "pipeline/metrics/metrics.h"
#include "pipeline/sink/record_json.h"
#include "pipeline/job/writer_requests.h"
#include "pipeline/job/batch_worker.h"
#include "pipeline/job/checkpoint_due.h"
#include "pipeline/job/bounded_queue.h"
#include "pipeline/job/byte_budget.h"
#include "pipeline/job/file_progress.h"
#include "pipeline/job/prepare_stage.h"
#include "pipeline/job/store_stage.h"
#include "pipeline/job/story_stage.h"
#include "pipeline/job/tagger.h"
#include "pipeline/sink/alert_sink.h"
#include "pipeline/sink/dead_letter_sink.h"
#include "pipeline/sink/file_alert_sink.h"
#include "pipeline/sink/kafka_sinks.h"
#include "pipeline/source/kafka_source.h"
#include "pipeline/source/kafka_uri.h"
#include "pipeline/subscribe/subscription_file.h"

namespace newsflow::pipeline {
namespace {

using Clock = std::chrono::steady_clock;

// Test hooks: the path an environment variable names ("" if unset), and a
// wait while a file is at that path (not at all for ""), ended by a stop.
std::string TestHookPath(const char* variable) {
  const char* v = std::getenv(variable);
  return v != nullptr ? std::string(v) : std::string();
}
void HoldWhileFileExists(const std::string& path, const std::atomic<bool>* stop) {
  while (!path.empty() && access(path.c_str(), F_OK) == 0 && !(stop && stop->load()))
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

// Progress mark: the keys of the last stored batch whose documents the
// tagged topic may not have acknowledged ("" = none).
constexpr char kTaggedPendingMark[] = "tagged/pending";
// Starts (and separates the fields of) a line of kTaggedPendingMark that is
// a Kafka offset the batch ends at: TOPIC, PARTITION, NEXT OFFSET.
constexpr char kPendingOffset = '\x1f';

// "field `id`: expected ..." -> "field `id`"; "json: TAPE_ERROR..." -> "json: TAPE_ERROR";
// "not a JSON object (line starts with ':')" whole (the class ends at ": ",
// not at a colon quoted inside it).
std::string ReasonClass(const std::string& reason) {
  // "NUL byte at offset 17": one class whatever the offset (one summary
  // line per offset otherwise).
  if (reason.rfind("NUL byte at offset ", 0) == 0) return "NUL byte";
  const size_t colon = reason.find(": ");
  if (colon == std::string::npos) return reason.substr(0, 48);
  if (reason.rfind("json:", 0) == 0) {
    const size_t end = reason.find_first_of(":(.", colon + 2);
    std::string kind = reason.substr(0, std::min(end, size_t{60}));
    while (!kind.empty() && kind.back() == ' ') kind.pop_back();  // "... too deep (too many ...)"
    return kind;
  }
  return reason.substr(0, colon);
}

std::string SourcePath(const std::string& source) {
  return source.rfind("file:", 0) == 0 ? source.substr(5) : source;
}

// Kafka records: commit time minus the record's timestamp, per record.
class LatencyRecorder {
 public:
  Status Open(const std::string& path) {
    if (path.empty()) return Status::OK();
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
    return Status::OK();
  }
  ~LatencyRecorder() {
    if (file_) std::fclose(file_);
  }
  void Record(const Batch& b) {
    if (!file_) return;
    const double now_ms =
        std::chrono::duration<double, std::milli>(std::chrono::system_clock::now().time_since_epoch()).count();
    for (const Item& it : b.items)
      if (it.kafka) {
        const double ms = now_ms - static_cast<double>(it.kafka->timestamp_ms);
        samples_.push_back(ms);
        std::fprintf(file_, "%.3f\n", ms);
      }
  }
  void Summarize(RunSummary* s) {
    if (samples_.empty()) return;
    std::sort(samples_.begin(), samples_.end());
    auto pct = [&](double q) {
      return samples_[std::min(samples_.size() - 1, static_cast<size_t>(q * static_cast<double>(samples_.size())))];
    };
    s->latency_samples = samples_.size();
    s->latency_p50_ms = pct(0.50);
    s->latency_p99_ms = pct(0.99);
    s->latency_p999_ms = pct(0.999);
    s->latency_max_ms = samples_.back();
  }

 private:
  std::FILE* file_ = nullptr;
  std::vector<double> samples_;
};

// What the compiled-rules cache did, once per start (a rejected file or a
// cache that cannot be written is worth an operator's look).
void LogRulesCache(const rules::CompiledRules& r) {
  if (r.tier_cache_state() == rules::CacheState::kRejected)
    LogWarn("rules", "cached literal-tier automaton rejected, built again: " + r.tier_cache_detail());
  else if (!r.tier_cache_detail().empty())
    LogWarn("rules", "literal-tier automaton cache: " + r.tier_cache_detail());
  switch (r.cache_state()) {
    case rules::CacheState::kOff: return;
    case rules::CacheState::kHit: LogDebug("rules", "compiled database loaded from the cache"); break;
    case rules::CacheState::kMiss: LogDebug("rules", "compiled the database (not cached yet)"); break;
    case rules::CacheState::kRejected: LogWarn("rules", "cached database rejected, compiled: " + r.cache_detail()); return;
  }
  if (!r.cache_detail().empty()) LogWarn("rules", "database cache: " + r.cache_detail());
}

// One run of the job. Run() calls its parts in order.
class Job {
 public:
  Job(const RunOptions& o, RunSummary* summary) : o_(o), summary_(summary) {}

  // Everything that can fail before a byte is processed. A file source is
  // opened before the store, so a missing input leaves no empty store behind.
  // The rule set loads on a thread of its own meanwhile (TaggerLoad), and
  // the reader starts once the store says where to read from: a start with
  // a watch list spent its ~40 ms of rules, then the store's ~15 ms, before
  // the first line was read. Anything that needs the rules waits for them
  // (WaitRules): the story stage, and in a run that acts outside the store
  // (sinks, subscriptions, Kafka) everything after the source's open. A
  // rule set that fails to load is the run's error, whatever else failed
  // meanwhile, and leaves no store behind that this run created.
  Status Open() {
    NEWSFLOW_RETURN_IF_ERROR(ParseFormatSpec(o_.format, &format_));
    TaggerOptions to;
    to.rules_dir = o_.rules_dir;
    to.evaluate = o_.evaluate;
    to.rules_cache_dir = o_.rules_cache_dir;
    tagger_load_.Start(to, [hold = hold_rules_file_, stop = o_.stop] { HoldWhileFileExists(hold, stop); });
    Status s;
    try {
      s = OpenWhileRulesLoad();
    } catch (...) {  // (bad_alloc) as before the reader existed: to main's "unexpected error"
      Abort();
      if (reader_.joinable()) reader_.join();
      throw;
    }
    if (!s.ok()) Abort();  // a reader may have started
    if (!s.ok() || already_complete() || stopped_waiting_) {
      if (Status rules = WaitRules(); !rules.ok()) return rules;
    }
    return s;
  }

  Status OpenWhileRulesLoad() {
    const bool kafka = IsKafkaUri(o_.source);
    if (o_.source.rfind("follow:", 0) == 0)
      NEWSFLOW_RETURN_IF_ERROR(OpenFollowSource(o_.source.substr(7), o_.limits, o_.stop, &source_));
    else if (!kafka)
      NEWSFLOW_RETURN_IF_ERROR(OpenLineSource(SourcePath(o_.source), o_.limits, o_.stop, &source_));
    // A run that acts outside the store before its first batch waits for
    // its rules first, so that a broken rule set fails it before anything
    // leaves: its sinks open (Kafka metadata), an earlier run's pending
    // alerts and tagged documents are sent and acknowledged, an alert FIFO's
    // reader sees it open, a Kafka consumer joins its group. Subscriptions
    // are checked against the rule set's tags before the store opens.
    if (kafka || !o_.alerts.empty() || !o_.tagged.empty() || !o_.dead_letter.empty() || !o_.subscriptions.empty())
      NEWSFLOW_RETURN_IF_ERROR(WaitRules());
    NEWSFLOW_RETURN_IF_ERROR(CheckFilesBeforeStore());
    // An alert FIFO before the store (IsAlertFifo): only opening it tells
    // whether a process reads it, and one that none reads must leave no
    // empty store behind either. Any other alert sink is opened under the
    // store's lock (a file's open cuts a partial last line).
    if (o_.alerts.rfind("file:", 0) == 0 && IsAlertFifo(o_.alerts.substr(5)))
      NEWSFLOW_RETURN_IF_ERROR(OpenAlertSink(o_.alerts, &alerts_, o_.stop));
    NEWSFLOW_RETURN_IF_ERROR(OpenStore());
    if (stopped_waiting_) return Status::OK();
    // The sinks and the subscriptions first: one that fails to open (a bad
    // parameter, a subscription naming an unknown tag) must fail the run
    // before its consumer joins the group and makes the others rebalance.
    if (!o_.alerts.empty() && !alerts_) NEWSFLOW_RETURN_IF_ERROR(OpenAlertSink(o_.alerts, &alerts_, o_.stop));
    if (!o_.subscriptions.empty()) NEWSFLOW_RETURN_IF_ERROR(OpenSubscriptions(/*strict=*/true));
    if (!o_.dead_letter.empty()) NEWSFLOW_RETURN_IF_ERROR(OpenDeadLetterSink(o_.dead_letter, &dlq_));
    if (!o_.tagged.empty()) NEWSFLOW_RETURN_IF_ERROR(OpenKafkaTaggedSink(o_.tagged, &tagged_));
    // What an earlier run stored but its sinks never acknowledged, before
    // the consumer joins (a slow broker here would delay its first poll).
    NEWSFLOW_RETURN_IF_ERROR(RedeliverPending());
    NEWSFLOW_RETURN_IF_ERROR(RepublishTagged());
    if (kafka) {
      NEWSFLOW_RETURN_IF_ERROR(OpenStoryStage(kafka));  // a store read that can fail: before the join too
      NEWSFLOW_RETURN_IF_ERROR(OpenKafka());
    }
    NEWSFLOW_RETURN_IF_ERROR(Resume());
    if (tracking_) {
      checkpoint_.cap = o_.checkpoint_records;
      checkpoint_.quarter = source_->bytes_total() / 4;
      checkpoint_.from = source_->bytes_read();  // where a resumed run starts
    }
    if (!already_complete()) StartReader();  // reads while the rules load
    NEWSFLOW_RETURN_IF_ERROR(WaitRules());
    if (!kafka) NEWSFLOW_RETURN_IF_ERROR(OpenStoryStage(kafka));
    WarnIfReloadsCannotLint();
    NEWSFLOW_RETURN_IF_ERROR(latency_.Open(o_.latency_out));
    if (metrics_) {
      metrics_->SetRulesetVersion(tagger_->version());
      metrics_->pipeline_open = true;
    }
    if (o_.on_store_open) {
      o_.on_store_open(store_.get());
      store_shared_ = true;
    }
    return Status::OK();
  }

  // Waits for the rule set (TaggerLoad) and makes it the run's; again: its
  // Status. A failure marks a store this run created for removal (Finish).
  Status WaitRules() {
    const bool first = !tagger_load_.taken();
    Status s = tagger_load_.Take(&tagger_);
    if (!first) return s;
    if (!s.ok()) {
      remove_new_store_ = true;
      return s;
    }
    LogRulesCache(tagger_->rules());
    summary_->ruleset_version = tagger_->version();
    current_rules_.emplace(tagger_);
    PublishTags(*tagger_);
    return Status::OK();
  }

  // Reader thread: source -> in_. Written batches come back through
  // recycled_, so the reader refills batches whose strings and vectors
  // already have capacity instead of allocating anew.
  void StartReader() {
    reader_ = std::thread([this] {
      NameThisThread("nf-reader");
      uint64_t seq = 0;
      for (;;) {
        Batch b = recycled_.TryPop().value_or(Batch{});
        if (!source_->Next(&b)) break;
        b.seq = seq++;
        b.input_bytes_read = source_->bytes_read();
        if (!budget_.Acquire(b.bytes)) break;
        const size_t bytes = b.bytes;
        if (!in_.Push(std::move(b))) {
          budget_.Release(bytes);
          break;
        }
      }
      in_.Close();
    });
  }

  // Reloader thread (when the run takes reload requests): compiles and lints
  // a requested rule set off the hot path and hands it to the workers.
  // It also copies the source's health (connected, Kafka lag) into the
  // metrics every 100 ms.
  void StartReloader() {
    if (o_.reload == nullptr && metrics_ == nullptr) return;
    reloader_ = std::thread([this] {
      NameThisThread("nf-reloader");
      std::unique_lock<std::mutex> lock(reload_mu_);
      while (!reload_cv_.wait_for(lock, std::chrono::milliseconds(100), [this] { return finished_; })) {
        if (metrics_) {
          metrics_->source_connected = source_->connected();
          metrics_->kafka_uncommitted_handovers = source_->offset_checks().uncommitted_handovers;
          std::vector<std::tuple<std::string, int32_t, int64_t>> lag;
          for (const PartitionLag& p : source_->lag()) lag.emplace_back(p.topic, p.partition, p.lag);
          metrics_->SetKafkaLag(std::move(lag));
        }
        const bool requested = (o_.reload && o_.reload->exchange(false)) || (o_.reload_requests && o_.reload_requests->pending());
        if (!requested) continue;
        lock.unlock();
        Reload();
        lock.lock();
      }
    });
  }

  void PublishTags(const Tagger& t) const {
    if (!o_.on_rules_loaded) return;
    const auto& tags = t.rules().tags();
    o_.on_rules_loaded(std::make_shared<const std::set<std::string>>(tags.begin(), tags.end()));
  }

  void Reload() {
    const uint64_t ticket = o_.reload_requests ? o_.reload_requests->Begin() : 0;
    const std::string old_version = current_rules_->Get()->version();
    std::shared_ptr<const Tagger> next;
    Status s = LoadCheckedRules(&next);
    if (!s.ok()) {
      ++reload_failed_;
      if (metrics_) ++metrics_->reloads_rejected;
      LogError("rules", "reload rejected, version " + old_version + " keeps tagging: " + s.message());
      if (o_.reload_requests) o_.reload_requests->Complete(ticket, s, old_version);
      return;
    }
    current_rules_->Replace(next);
    PublishTags(*next);
    ++reloaded_;
    if (metrics_) {
      ++metrics_->reloads_ok;
      metrics_->SetRulesetVersion(next->version());
    }
    LogInfo("rules", "reloaded: version " + old_version + " -> " + next->version());
    // Answered last: whoever asked sees the metrics and logs already updated.
    if (o_.reload_requests) o_.reload_requests->Complete(ticket, Status::OK(), next->version());
  }

  // A reload lints the rules against the seed documents their provenance
  // cites: without the seeds directory every reload is rejected. Said at the
  // start, not first at the reload months later (a service's working
  // directory is /, where the default relative "seeds" does not resolve).
  void WarnIfReloadsCannotLint() const {
    std::error_code ec;
    if (!std::filesystem::is_directory(o_.seeds_dir, ec))
      LogWarn("rules", fmt::format("seeds directory '{}' not found: every rule reload (SIGHUP, POST "
                                   "/api/rules/reload) will be rejected until --seeds names it",
                                   o_.seeds_dir));
  }

  // The rules directory compiled, linted like `rules lint` (findings not
  // explained in the allow file reject it), and holding every tag the
  // subscriptions name.
  Status LoadCheckedRules(std::shared_ptr<const Tagger>* out) {
    TaggerOptions to;
    to.rules_dir = o_.rules_dir;
    to.evaluate = o_.evaluate;
    to.rules_cache_dir = o_.rules_cache_dir;
    std::shared_ptr<const Tagger> next;
    NEWSFLOW_RETURN_IF_ERROR(Tagger::Open(to, &next));
    // Label entries are checked against the fields this run's feeds write:
    // the built-in maps' and, with --format map:FILE, that map's own.
    std::vector<std::string> label_fields = BuiltInLabelFields();
    if (format_.kind == FormatSpec::Kind::kMap)
      for (const LabelSource& l : format_.map.labels) label_fields.push_back(l.field);
    std::vector<rules::LintFinding> findings =
        rules::Lint(next->rules().rule_set(), o_.seeds_dir,
                    [&](const std::string& k) { return SimplifiedSpelling(next->normalizer(), k); }, label_fields);
    const std::string allow =
        o_.lint_allow.empty() ? (std::filesystem::path(o_.rules_dir) / ".." / "lint-allow.yaml").string() : o_.lint_allow;
    NEWSFLOW_RETURN_IF_ERROR(rules::ApplyLintAllowList(allow, &findings));
    for (const auto& f : findings)
      if (f.explained.empty())
        return Status::InvalidArgument(
            "lint: " + f.message +
            (std::filesystem::exists(allow) ? ""
                                            : " (no allow file at '" + allow +
                                                  "' explains a finding: --lint-allow names the rule set's)"));
    // The writer may be replacing the list (an edited file): read a copy.
    std::vector<Subscription> subscriptions;
    {
      std::lock_guard lock(subscriptions_mu_);
      if (alert_stage_) subscriptions = alert_stage_->subscriptions();
    }
    {
      const auto& tags = next->rules().tags();
      const std::set<std::string> known(tags.begin(), tags.end());
      for (const Subscription& sub : subscriptions)
        for (const auto* list : {&sub.all, &sub.any, &sub.none})
          for (const auto& t : *list)
            if (!known.count(t))
              return Status::InvalidArgument("subscription '" + sub.name + "' names tag " + t +
                                             ", which the new rules do not have");
    }
    *out = std::move(next);
    return Status::OK();
  }

  void StopReloader() {
    {
      std::lock_guard<std::mutex> lock(reload_mu_);
      finished_ = true;
    }
    reload_cv_.notify_all();
    if (reloader_.joinable()) reloader_.join();
    if (o_.reload_requests) o_.reload_requests->Shutdown();
    summary_->rules_reloaded = reloaded_;
    summary_->rules_reload_failed = reload_failed_;
    if (current_rules_) summary_->ruleset_version = current_rules_->Get()->version();
  }

  // Worker threads: in_ -> BatchWorker -> out_.
  Status StartWorkers() {
    DecoderOptions dopt;
    dopt.max_line_bytes = o_.limits.max_record_bytes;
    live_workers_ = workers_;
    for (int w = 0; w < workers_; ++w) {
      std::unique_ptr<BatchWorker> worker;
      if (Status s = BatchWorker::Create(&*current_rules_, format_, dopt, o_.story.enabled, &worker); !s.ok()) {
        live_workers_ -= workers_ - w;
        if (live_workers_ == 0) out_.Close();
        return s;
      }
      pool_.emplace_back([this, w, worker = std::move(worker)] {
        NameThisThread("nf-work-" + std::to_string(w));
        while (auto b = in_.Pop()) {
          BatchWorker::StepSeconds secs;
          worker->Process(*b, metrics_ ? &secs : nullptr);
          if (metrics_) {
            metrics_->ObserveStage(Stage::kDecode, secs.decode);
            metrics_->ObserveStage(Stage::kTag, secs.tag);
            metrics_->ObserveStage(Stage::kPrepare, secs.prepare);
          }
          if (!out_.Push(std::move(*b))) break;
        }
        if (--live_workers_ == 0) out_.Close();
      });
    }
    return Status::OK();
  }

  // Pops `in` until it is closed and hands its batches to `step` in source
  // order (workers finish them out of order). After the first error it only
  // drains, each batch's bytes back to the budget, and stops the reader and
  // the workers, so they can finish. `idle` (may be empty) is called when
  // no batch came for a second (an error from it is fatal too). Returns the
  // first error.
  Status ForEachInSourceOrder(BoundedQueue<Batch>& in, const std::function<Status(Batch&&)>& step,
                              const std::function<Status()>& idle = {}) {
    std::map<uint64_t, Batch> pending;
    uint64_t next_seq = 0;
    Status fatal;
    // After the first error: the batches held for their turn go back to the
    // budget, and the reader and the workers are stopped.
    auto fail = [&] {
      for (auto& [seq, left] : pending) budget_.Release(left.bytes);
      pending.clear();
      Abort();
    };
    for (;;) {
      bool closed = false;
      std::optional<Batch> b = idle ? in.PopFor(std::chrono::seconds(1), &closed) : in.Pop();
      if (!b) {
        if (!idle || closed) break;
        if (fatal.ok() && !(fatal = idle()).ok()) fail();
        continue;
      }
      if (!fatal.ok()) {
        budget_.Release(b->bytes);
        continue;
      }
      pending.emplace(b->seq, std::move(*b));
      while (fatal.ok() && !pending.empty() && pending.begin()->first == next_seq) {
        Batch ready = std::move(pending.begin()->second);
        pending.erase(pending.begin());
        ++next_seq;
        fatal = step(std::move(ready));
      }
      if (!fatal.ok()) fail();
    }
    return fatal;
  }

  // Story thread (when stories are on): out_ -> story ids -> storied_, in
  // source order. Assignment is serial, so it runs beside the writer instead
  // of in it: batch n is assigned while batch n - 1 is stored. It reads the
  // store only for a document older than the window: the story of a key
  // stored before without waiting (the batches not stored yet it knows
  // itself: StoredThrough), and a late index's range only after the writer
  // has stored every batch before (WaitStored), so it sees what a writer
  // doing both would have seen.
  void StartStoryThread() {
    if (!story_stage_) return;
    story_thread_ = std::thread([this] {
      NameThisThread("nf-story");
      story_status_ = ForEachInSourceOrder(out_, [this](Batch&& b) {
        auto t = Clock::now();
        const uint64_t seq = b.seq;
        const uint64_t joined_before = story_stage_->joined(), late_before = story_stage_->late_joined();
        const uint64_t builds_before = story_stage_->late_builds();
        const uint64_t future_before = story_stage_->future_dated();
        if (Status s = story_stage_->Process(b, [this, seq] { return WaitStored(seq); }, [this] { return StoredThrough(); });
            !s.ok()) {
          budget_.Release(b.bytes);
          return s;
        }
        b.story_joined = story_stage_->joined() - joined_before;
        b.story_late_joined = story_stage_->late_joined() - late_before;
        b.story_late_builds = story_stage_->late_builds() - builds_before;
        b.story_future_dated = story_stage_->future_dated() - future_before;
        Lap(Stage::kStory, &t);
        const size_t bytes = b.bytes;
        if (!storied_.Push(std::move(b))) budget_.Release(bytes);  // not closed before this thread ends
        return Status::OK();
      });
      storied_.Close();  // after story_status_ is set: the writer reads it once storied_ is drained
    });
  }

  // Returns once the writer has stored every batch before `seq`, or an
  // error if it stopped first.
  Status WaitStored(uint64_t seq) {
    std::unique_lock lock(stored_mu_);
    stored_cv_.wait(lock, [&] { return stored_through_ >= seq || writer_stopped_; });
    if (stored_through_ >= seq) return Status::OK();
    return Status::Internal("the writer stopped before the batches this one depends on were stored");
  }
  // Batches with seq below this are stored (does not wait).
  uint64_t StoredThrough() {
    std::lock_guard lock(stored_mu_);
    return stored_through_;
  }
  // The writer stored every batch below `through`; `stopped`: it will store
  // no more.
  void MarkStored(uint64_t through, bool stopped) {
    {
      std::lock_guard lock(stored_mu_);
      stored_through_ = std::max(stored_through_, through);
      writer_stopped_ = writer_stopped_ || stopped;
    }
    stored_cv_.notify_all();
  }

  // Writer (the caller's thread): batches in source order, each stored in
  // one WriteBatch, then published to the sinks, then acknowledged to the
  // source.
  Status WriteAll() {
    BoundedQueue<Batch>& input = story_thread_.joinable() ? storied_ : out_;
    Status fatal = ForEachInSourceOrder(input, [this](Batch&& b) {
      HoldWhileTestFileExists();
      const Status s = WriteOne(b);
      MarkStored(s.ok() ? b.seq + 1 : 0, !s.ok());
      budget_.Release(b.bytes);
      Recycle(std::move(b));
      return s;
    }, retention_ ? std::function<Status()>([this] {
      // A quiet source (a live feed at night, an outage) still has what it
      // stored pruned on time, not when its next line comes.
      return MaybePruneBetweenBatches();
    }) : std::function<Status()>());
    MarkStored(0, true);  // nothing more will be stored
    summary_->peak_inflight_bytes = budget_.peak();
    if (story_thread_.joinable()) {
      story_thread_.join();  // it closed storied_: done
      if (fatal.ok()) fatal = story_status_;
    }
    // The input ended (or the run was stopped): one last pass, so that a
    // replay shorter than --retain-interval, or an input that brought
    // nothing (an empty stdin), does not end unpruned.
    if (fatal.ok()) fatal = PrunePass(/*now=*/true);
    // Every batch's documents were acknowledged: nothing to publish again.
    if (fatal.ok() && tagged_) fatal = ClearTaggedPending();
    ReadStoreGauges();
    return fatal;
  }

  // --retain: a pass when its interval is due (writer thread, between
  // batches or while none comes).
  // What a pass removed is said in the log (as serve --retain says it), and
  // the store gauges follow at once: on a quiet feed no batch comes to
  // refresh them, and /metrics showed what the store held before the pass.
  Status MaybePruneBetweenBatches() { return PrunePass(/*now=*/false); }

  // A file an earlier run stored to its end: nothing to read, but --retain
  // still prunes once (the run is how an operator applies it).
  Status PruneAlreadyComplete() { return already_complete() ? PrunePass(/*now=*/true) : Status::OK(); }

  // A pass now, or when its interval is due; logged if it removed anything.
  Status PrunePass(bool now) {
    if (!retention_) return Status::OK();
    const uint64_t docs = summary_->pruned, alerts = summary_->alerts_pruned, dead = summary_->dead_letters_pruned;
    NEWSFLOW_RETURN_IF_ERROR(now ? retention_->PruneNow(summary_) : retention_->MaybePrune(summary_));
    if (story_stage_ && summary_->pruned != docs) story_stage_->StorePruned();
    if (summary_->pruned == docs && summary_->alerts_pruned == alerts && summary_->dead_letters_pruned == dead)
      return Status::OK();
    ReadStoreGauges();
    LogInfo("retain", fmt::format("pruned {} document(s) older than {}, {} alert(s), {} dead letter(s)",
                                  summary_->pruned - docs, FormatTime(summary_->retain_cutoff_ms),
                                  summary_->alerts_pruned - alerts, summary_->dead_letters_pruned - dead));
    return Status::OK();
  }

  // True when an earlier run stored this file to its end: nothing to do.
  bool already_complete() const { return summary_->already_complete; }
  // Stopped (SIGTERM) while another command held the store: nothing opened
  // but an alert FIFO (Open), whose reader then sees the run's end.
  bool stopped_waiting() const { return stopped_waiting_; }

  // Stops the reader and the workers early (an error, or Open failing half way).
  void Abort() {
    if (source_) source_->Stop();
    budget_.Close();
    in_.Close();
  }

  // Joins the threads, closes the store (its final flush decides whether
  // what was written is durable) and completes the summary.
  Status Finish(Status result) {
    if (reader_.joinable()) reader_.join();
    for (auto& t : pool_) t.join();
    StopReloader();
    if (show_progress_) std::fprintf(stderr, "\n");
    summary_->seconds = std::chrono::duration<double>(Clock::now() - t0_).count();
    latency_.Summarize(summary_);
    if (result.ok() && source_) {
      result = source_->status();
      if (!result.ok()) summary_->input_error_offset = source_->error_offset();
    }
    if (Stopped() && !summary_->already_complete) {
      summary_->interrupted = true;
      // (Stopped before the store opened: a regular file is read from its
      // start, or from where the store left it, next time.)
      summary_->resumable = tracking_ || IsKafkaUri(o_.source) || (source_ && !source_->resume_key().empty()) ||
                            (stopped_waiting_ && source_ && source_->replayable());
    }
    if (result.ok() && tracking_ && !summary_->already_complete && !Stopped()) result = MarkDone();
    // The source goes before the store: a Kafka consumer leaving its group
    // still serves rebalance callbacks, and those read offsets from the store.
    const std::string identity = source_ ? source_->identity() : std::string();
    if (source_) source_->Close();  // a Kafka consumer's final commit and leave: its checks are final after it
    if (source_ && IsKafkaUri(o_.source)) {
      const OffsetChecks checks = source_->offset_checks();
      summary_->kafka_source = true;
      summary_->kafka_offsets_unconfirmed = checks.unconfirmed;
      summary_->kafka_offsets_beyond_end = checks.beyond_end;
      summary_->kafka_uncommitted_handovers = checks.uncommitted_handovers;
    }
    source_.reset();
    // Close() fails after a failed write or flush (the store refuses writes
    // after one, and a WAL-less store then has only its last flush); a
    // successful Close() means every write that returned OK is durable.
    if (store_shared_ && o_.on_store_closing) o_.on_store_closing();
    if (metrics_) metrics_->pipeline_open = false;
    // Freed while the store's final flush runs: that flush has this thread
    // waiting on RocksDB's, so the other core was idle at the run's end.
    const std::jthread freeing = FreeRunStateInBackground();
    if (writer_requests_) {  // before the store closes
      writer_requests_->Stop();
      summary_->backups = writer_requests_->backups_taken();
    }
    if (store_) {
      const Status closed = store_->Close();
      if (closed.ok() && !store_->close_flush_status().ok()) {
        // Durable (the synced log holds every write), but the volume is
        // full or failing, and the store's next open must replay the log.
        LogWarn("store", fmt::format("{}: the documents are safe in the store's write-ahead log, which its next "
                                     "open replays and flushes: that open needs the room this one lacked",
                                     store_->close_flush_status().message()));
      } else if (!closed.ok()) {
        summary_->durable = false;
        summary_->unsynced_log = unsynced_log_;
        if (result.ok()) result = closed.Prefixed("the run's documents are not all durable");
        if (tracking_) {
          CountDurable(identity);
        } else if (std::error_code ec; !std::filesystem::exists(std::filesystem::path(o_.db) / "CURRENT", ec) && !ec) {
          // The store was removed under the run: nothing it stored is there.
          summary_->stored = summary_->dead_lettered = 0;
        }
      }
      if (remove_new_store_ && closed.ok()) RemoveNewStore();  // closed: its lock released
    } else if (!result.ok()) {
      summary_->durable = false;  // no store opened (a file in its place, read-only): nothing is durable
    }
    return result;
  }

 private:
  // What only the threads that are done used, and that takes long to free:
  // the rule set (a watch list's rules, its Hyperscan database and literal
  // automaton), the story window and the recycled batches (10-30 ms on the
  // main thread at the end of a run with a 20,000-name list). Handed to a
  // thread that frees it; freed here if no thread can be started. Called
  // once the workers, the story thread and the reloader have ended.
  std::jthread FreeRunStateInBackground() {
    struct RunState {  // freed in reverse order
      std::shared_ptr<const Tagger> tagger;
      std::unique_ptr<StoryStage> story;  // holds a reference to the tagger's normalizer: freed before it
      std::vector<Batch> batches;
    };
    auto state = std::make_unique<RunState>();
    while (std::optional<Batch> b = recycled_.TryPop()) state->batches.push_back(std::move(*b));
    state->story = std::move(story_stage_);
    state->tagger = std::move(tagger_);
    current_rules_.reset();  // a reference to the same tagger (a reloaded one is the last reference)
    try {
      return std::jthread([state = std::move(state)]() mutable {
        NameThisThread("nf-free");
        state.reset();
      });
    } catch (const std::system_error&) {
      return {};  // the lambda and its state were freed on this thread
    }
  }

  // Another process holds the store's lock. A run (it takes backup and
  // re-tag requests) is an error naming it: two writers of one store. Any
  // other command (a standalone backup, retag or prune: minutes) is waited
  // for, said once in the log, until it ends or the run is stopped: a
  // service restarted while the nightly backup holds the store would fail
  // every restart at once and give up (systemd's StartLimitBurst), with
  // nothing in the journal saying why.
  Status AwaitStoreFree() {
    bool told = false;
    uint64_t waits = 0;
    for (;;) {
      const StoreHolder holder = WhoHoldsStore(o_.db);
      if (holder.kind == StoreHolder::kNone) break;
      if (holder.kind == StoreHolder::kServingWriter)
        return Status::Unavailable(fmt::format("the store at {} is written by another run ({}); one store has one writer",
                                               o_.db, DescribeWriter(holder.pid)));
      if (!told)
        LogWarn("store", fmt::format("the store at {} is held by another command ({}); waiting for it to end",
                                     o_.db, DescribeWriter(holder.pid)));
      told = true;
      if (Stopped()) {  // a stop like any other: nothing read, exit 0, "interrupted"
        LogInfo("store", "stopped while waiting for the store at " + o_.db);
        stopped_waiting_ = true;
        return Status::OK();
      }
      if (o_.on_waiting_for_store && waits++ % 50 == 0) o_.on_waiting_for_store();  // every 10 s, the first at once
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (told) LogInfo("store", "the store at " + o_.db + " is free: opening it");
    return Status::OK();
  }

  // The files the run will read or write once the store is open, checked
  // before it is: a typo in a path fails the run without leaving an empty
  // store behind, as a missing source does. (The alert file itself is opened
  // only under the store's lock: opening cuts a partial last line, which a
  // run holding the store may be writing.)
  Status CheckFilesBeforeStore() {
    if (o_.alerts.rfind("file:", 0) == 0) NEWSFLOW_RETURN_IF_ERROR(CheckWritablePath("alerts", o_.alerts.substr(5)));
    if (!o_.latency_out.empty()) NEWSFLOW_RETURN_IF_ERROR(CheckWritablePath("latency-out", o_.latency_out));
    if (o_.subscriptions.empty()) return Status::OK();
    const auto& tags = current_rules_->Get()->rules().tags();
    std::vector<Subscription> subs;
    return LoadSubscriptions(o_.subscriptions, std::set<std::string>(tags.begin(), tags.end()), &subs);
  }

  // A path a file can be created or appended at by this process: not a
  // directory; writable if it exists, else in a writable directory.
  static Status CheckWritablePath(const std::string& what, const std::string& path) {
    if (path.empty()) return Status::InvalidArgument(what + ": an empty path");
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) return Status::IOError(what + ": " + path + " is a directory");
      if (::access(path.c_str(), W_OK) != 0)
        return Status::IOError(what + ": cannot write " + path + ": " + std::strerror(errno));
      return Status::OK();
    }
    const size_t slash = path.find_last_of('/');
    const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
    if (::stat(dir.c_str(), &st) != 0)
      return Status::IOError(what + ": cannot create " + path + ": " + dir + ": " + std::strerror(errno));
    if (!S_ISDIR(st.st_mode)) return Status::IOError(what + ": cannot create " + path + ": " + dir + " is not a directory");
    if (::access(dir.c_str(), W_OK | X_OK) != 0)
      return Status::IOError(what + ": cannot create " + path + " in " + dir + ": " + std::strerror(errno));
    return Status::OK();
  }

  Status OpenStore() {
    const bool kafka = IsKafkaUri(o_.source);
    storage::StoreOptions so;
    so.path = o_.db;
    so.env = o_.store_env;
    so.sync_writes = o_.sync_writes || kafka;  // offsets must be as durable as the broker's
    // A regular file can be run again (re-ingesting is idempotent): bulk-load
    // it without a WAL. stdin, FIFOs and Kafka keep the WAL, and so does a
    // run that raises alerts: an alert leaves the process (the sink, the SSE
    // stream) right after its batch is written, so the batch, with the
    // alert's outbox entry and id, must survive a crash from then on, or a
    // rerun raises again every alert since the last checkpoint.
    so.disable_wal = !kafka && source_->replayable() && !o_.sync_writes && o_.alerts.empty() && !o_.alert_log;
    // Without a WAL the store keeps its tag, story and stock indexes in
    // vector memtables, which a read sorts whole (StoreTuning::
    // bulk_load_append_indexes): the subscriptions, which read a story's
    // members for every batch, run only with alerts, which keep the WAL.
    if (so.disable_wal && !o_.subscriptions.empty())
      return Status::Internal("a run with subscriptions must keep the store's write-ahead log");
    unsynced_log_ = !so.disable_wal && !so.sync_writes;
    NEWSFLOW_RETURN_IF_ERROR(AwaitStoreFree());
    if (stopped_waiting_) return Status::OK();
    NoteStoreBeforeOpen();
    if (Status s = storage::Store::Open(so, &store_); !s.ok()) {
      // Taken in the moment since the look: say by whom, as prune does.
      if (const int pid = StoreWriterPid(o_.db); pid != 0)
        return Status::Unavailable(s.message() + " (held by " + DescribeWriter(pid) + ")");
      return s;
    }
    ReadStoreGauges();  // the first scrape already shows what the store holds
    store_stage_.emplace(store_.get());
    if (o_.retention.retain_ms > 0) retention_.emplace(store_.get(), o_.retention);
    if (o_.retention.retain_ms > 0 && o_.story.enabled && o_.retention.retain_ms < o_.story.window_ms)
      LogWarn("retain",
              fmt::format("--retain ({} h) is shorter than the story window ({} h): a story's pruned members are "
                          "not in the window a restart rebuilds, so a later report of it can start a new story "
                          "(a new id, and alerts again); keep --retain at least --story-window",
                          o_.retention.retain_ms / 3600000.0, o_.story.window_ms / 3600000.0));
    writer_requests_ = std::make_unique<WriterRequestService>(store_.get(), o_.db, o_.rules_cache_dir);
    writer_requests_->Start();
    return Status::OK();
  }

  // The story stage, once the store is open and the rules are loaded (it
  // sketches with their normalizer; it reads the window from the store).
  Status OpenStoryStage(bool kafka) {
    if (!o_.story.enabled || !store_) return Status::OK();
    // A regular file's batches are cut alike on every run: it can take them
    // in event-time order without its ids depending on timing. (A Kafka
    // source is opened after the store: it reads its offsets there.)
    const bool file = !kafka && source_ && source_->replayable();
    const auto order = file ? StoryStage::Order::kEventTimeWithinBatch : StoryStage::Order::kArrival;
    // Late pairing by default for a regular file only (one feed's file
    // loaded after another's): live input is rarely late by more than the
    // window, and input that keeps going back in time (a replay re-keyed
    // copy after copy) would rebuild late indexes all the time.
    StoryOptions story = o_.story;
    story.late = o_.late_stories.value_or(file);
    return StoryStage::Open(store_.get(), tagger_->normalizer(), story, order, &story_stage_);
  }

  // What is at the store's path before this run opens it: whether a store
  // is there; if not, whether the directory is (a link to one counts) and
  // what it holds, or else the first of its parents that is missing (the
  // open creates them all). A store this run then creates is removed if
  // its rules fail to load (RemoveNewStore).
  void NoteStoreBeforeOpen() {
    namespace fs = std::filesystem;
    std::error_code ec;
    store_existed_ = fs::exists(fs::path(o_.db) / "CURRENT", ec) || ec;
    if (store_existed_) return;
    const fs::file_status st = fs::status(o_.db, ec);  // through a link
    if (ec && ec != std::errc::no_such_file_or_directory) {
      store_existed_ = true;  // cannot tell what is there: touch nothing
      return;
    }
    if (fs::exists(st)) {
      if (!fs::is_directory(st)) {
        store_existed_ = true;  // not a directory (the open fails): touch nothing
        return;
      }
      for (fs::directory_iterator it(o_.db, ec), end; !ec && it != end; it.increment(ec))
        db_entries_before_.insert(it->path().filename().string());
      if (ec) store_existed_ = true;
      return;
    }
    if (fs::is_symlink(fs::symlink_status(o_.db, ec))) {
      store_existed_ = true;  // a dangling link: what the open makes of it is not ours to undo
      return;
    }
    fs::path missing = fs::absolute(o_.db, ec);
    if (ec) {
      store_existed_ = true;
      return;
    }
    while (missing.has_parent_path() && missing.parent_path() != missing &&
           !fs::exists(missing.parent_path(), ec) && !ec)
      missing = missing.parent_path();
    created_dir_ = missing;
  }

  // A run whose rule set failed to load stored nothing, and leaves nothing
  // behind of a store it created (as a missing source or a usage error
  // leave none): the directories it made, else what it added to the one
  // that was there.
  void RemoveNewStore() {
    namespace fs = std::filesystem;
    if (store_existed_) return;
    std::error_code ec;
    if (!created_dir_.empty()) {
      fs::remove_all(created_dir_, ec);
      return;
    }
    std::vector<fs::path> added;
    for (fs::directory_iterator it(o_.db, ec), end; !ec && it != end; it.increment(ec))
      if (!db_entries_before_.count(it->path().filename().string())) added.push_back(it->path());
    for (const fs::path& p : added) fs::remove_all(p, ec);
  }

  // Subscription tags are checked against the rule set's tags: a misspelt
  // id would never fire. At start (`strict`) such a file is refused; on a
  // reload the others take effect and these are held (logged) until a rule
  // reload loads their tags, so one subscription to a tag not loaded yet
  // never freezes the edits and deletions of the rest.
  Status OpenSubscriptions(bool strict) {
    subscriptions_stamp_ = SubscriptionFileStamp(o_.subscriptions);
    const auto& tags = current_rules_->Get()->rules().tags();
    const std::set<std::string> known(tags.begin(), tags.end());
    std::vector<Subscription> subs;
    NEWSFLOW_RETURN_IF_ERROR(LoadSubscriptions(o_.subscriptions, strict ? known : std::set<std::string>{}, &subs));
    subscriptions_held_ = HoldUnknownTags(&subs, known);
    for (const std::string& h : subscriptions_held_)
      LogWarn("subscriptions", h + ": held until a rule reload loads it");
    for (const Subscription& sub : subs)  // kept (it alerts on nothing), but said
      if (std::string why = WhyNeverMatches(sub); !why.empty()) LogWarn("subscriptions", why);
    // A source no feed is called (a typo) matches nothing: said, not refused
    // (a map file's feed may be named before this run reads it).
    std::vector<std::string> named;
    if (format_.kind == FormatSpec::Kind::kMap) named.push_back(format_.map.source);
    const std::set<std::string> feeds = KnownFeeds(named, store_.get());
    std::set<std::string> warnings;  // said once, not at every reload of the file
    for (std::string& w : UnknownSources(subs, feeds)) {
      if (!source_warnings_.count(w)) LogWarn("subscriptions", w + ": it matches nothing yet");
      warnings.insert(std::move(w));
    }
    source_warnings_ = std::move(warnings);
    std::lock_guard lock(subscriptions_mu_);  // the reloader reads the list
    alert_stage_.emplace(store_.get(), std::move(subs));
    return Status::OK();
  }

  // Between batches, at most once a second: a changed subscriptions file
  // (an edit through the API or by hand) replaces the list; one that does
  // not load is logged and the old list stays. A subscription held for
  // naming a tag the loaded rules lack is tried again after each rule
  // reload: the desk accepts a subscription to a tag the rules directory
  // already holds on disk, and it becomes live with the reload that loads
  // that tag, while the file's other subscriptions take effect at once.
  void MaybeReloadSubscriptions() {
    if (o_.subscriptions.empty()) return;
    const std::string rules = current_rules_->Get()->version();
    const bool new_rules = !subscriptions_rejected_under_.empty() && subscriptions_rejected_under_ != rules;
    if (!new_rules && Clock::now() - subscriptions_checked_ < std::chrono::seconds(1)) return;
    subscriptions_checked_ = Clock::now();
    const std::string stamp = SubscriptionFileStamp(o_.subscriptions);
    if (stamp.empty()) {
      // Gone (deleted, or its directory unmounted): the list loaded stays,
      // so that no alert is lost to a file being replaced by hand; said
      // once, and again once it is back.
      const int err = errno;
      if (!subscriptions_missing_) {
        subscriptions_missing_ = true;
        LogWarn("subscriptions",
                fmt::format("cannot read {} ({}): the {} subscription(s) loaded stay in effect until it is back",
                            o_.subscriptions, std::strerror(err),
                            alert_stage_ ? alert_stage_->subscriptions().size() : 0));
      }
      return;
    }
    if (subscriptions_missing_) {
      subscriptions_missing_ = false;
      LogInfo("subscriptions", fmt::format("{} is back", o_.subscriptions));
    }
    if (stamp == subscriptions_stamp_ && !new_rules) return;
    const size_t before = alert_stage_ ? alert_stage_->subscriptions().size() : 0;
    if (Status s = OpenSubscriptions(/*strict=*/false); !s.ok()) {
      subscriptions_rejected_under_ = rules;
      LogError("subscriptions", "reload rejected, the old list stays: " + s.message());
      return;
    }
    // Held subscriptions are tried again at the next rule reload.
    if (subscriptions_held_.empty()) {
      subscriptions_rejected_under_.clear();
    } else {
      subscriptions_rejected_under_ = rules;
    }
    LogInfo("subscriptions", fmt::format("reloaded {}: {} -> {} subscription(s){}", o_.subscriptions, before,
                                         alert_stage_->subscriptions().size(),
                                         subscriptions_held_.empty()
                                             ? ""
                                             : fmt::format(", {} held", subscriptions_held_.size())));
  }

  Status OpenKafka() {
    KafkaSourceOptions ko;
    ko.uri = o_.source;
    ko.limits = o_.limits;
    ko.stop = o_.stop;
    storage::Store* store = store_.get();
    ko.lookup = [store](const std::string& group, const std::string& topic, int32_t partition,
                        std::optional<int64_t>* out) { return store->GetOffset(group, topic, partition, out); };
    return OpenKafkaSource(ko, &source_);
  }

  // A written batch goes back to the reader with its capacity, except for
  // strings grown by one huge record: those are freed, so recycled batches
  // do not keep memory outside the in-flight budget.
  void Recycle(Batch b) {
    constexpr size_t kKeep = size_t{1} << 20;
    bool big = false;
    auto trim = [&big](auto& v) {
      if (v.capacity() <= kKeep) return;
      std::remove_reference_t<decltype(v)>().swap(v);
      big = true;
    };
    for (Item& it : b.items) {
      trim(it.raw);
      trim(it.doc.body);
      trim(it.doc.title);
      trim(it.title_norm.text);
      trim(it.body_norm.text);
      trim(it.title_norm.origin);
      trim(it.body_norm.origin);
    }
    if (big) b.prepared = storage::PreparedWriteSet{};  // its encodings were as large
    b.rules.reset();  // a reloaded-away rule set is not kept alive by the pool
    (void)recycled_.TryPush(std::move(b));
  }

  // Seconds since `*t`, observed as `stage`; moves *t to now.
  void Lap(Stage stage, Clock::time_point* t) {
    const auto now = Clock::now();
    if (metrics_) metrics_->ObserveStage(stage, std::chrono::duration<double>(now - *t).count());
    *t = now;
  }

  Status WriteOne(Batch& b) {
    // Records built here (alerts, --tagged) resolve spans with the batch's
    // rule set, which the prepare stage sets with `prepared` (the store
    // stage checks `prepared_ready` itself).
    if (!b.rules)
      return Status::Internal(fmt::format("writer: batch {} reached the writer unprepared", b.seq));
    if (tracking_) AddProgress(b);
    if (!b.resume_mark.empty())
      b.prepared.progress.push_back(storage::ProgressMark{source_->resume_key(), b.resume_mark});
    // --tagged: the batch's keys, stored with it, until its documents are on
    // the tagged topic (the next batch's write replaces them): a crash
    // between the store write and the broker's acknowledgement republishes
    // them at the next start (RepublishTagged), since the stored offsets
    // already resume after them.
    if (tagged_) {
      std::string keys;
      for (const Item& it : b.items)
        if (it.error.empty()) keys.append(it.doc.key).push_back('\n');
      // And the Kafka offsets the batch ends at, each on a line of its own
      // after kPendingOffset (no key holds a control character): see
      // RepublishTagged.
      for (const storage::Offset& o : b.offsets)
        keys += fmt::format("{}{}{}{}{}{}\n", kPendingOffset, o.topic, kPendingOffset, o.partition, kPendingOffset,
                            o.next_offset);
      b.prepared.progress.push_back(storage::ProgressMark{kTaggedPendingMark, std::move(keys)});
    }
    MaybeReloadSubscriptions();
    auto t = Clock::now();
    NEWSFLOW_RETURN_IF_ERROR(CollectAlerts(b));
    Lap(Stage::kAlerts, &t);
    const uint64_t first_alert_seq = store_->next_alert_seq();
    NEWSFLOW_RETURN_IF_ERROR(store_stage_->Process(b));
    CountStored(b);
    if (metrics_ && alerts_) metrics_->alerts_pending += static_cast<int64_t>(b.prepared.alerts.size());
    Lap(Stage::kStore, &t);
    NEWSFLOW_RETURN_IF_ERROR(MaybePruneBetweenBatches());
    if (tracking_ && checkpoint_.Stored(b.items.size(), b.input_bytes_read))
      NEWSFLOW_RETURN_IF_ERROR(store_->Checkpoint(/*wait=*/false));
    latency_.Record(b);
    NEWSFLOW_RETURN_IF_ERROR(PublishToSinks(b, first_alert_seq));
    Lap(Stage::kPublish, &t);
    source_->Committed(b);  // only once the sinks acknowledged the batch
    Progress(b.input_bytes_read);
    return Status::OK();
  }

  // What a batch just stored adds to the summary, whatever happens after
  // (a sink that fails to take its alerts leaves them raised, in the log
  // and the outbox for redelivery: the summary said 0 alerts and 0 joins).
  void CountStored(const Batch& b) {
    const uint64_t dead_before = summary_->dead_lettered;
    BatchCounts* counts = nullptr;
    if (tracking_) {
      counts = &counted_.emplace_back();
      counts->story_joined = b.story_joined;
      counts->story_late_joined = b.story_late_joined;
      counts->story_future_dated = b.story_future_dated;
    }
    for (const Item& it : b.items) {
      ++summary_->read;
      summary_->bytes += it.raw.size() + 1;
      if (!it.error.empty()) {
        ++summary_->dead_lettered;
        ++summary_->dead_reasons[ReasonClass(it.error)];
        continue;
      }
      ++summary_->stored;
      if (!it.tags.empty()) ++summary_->tagged;
      for (const auto& t : it.tags) {
        TagCount* at = CountEntry(t.tag);
        ++at->second;
        if (counts) batch_tags_.push_back(at);
      }
      if (counts && !it.tags.empty()) ++counts->tagged;
    }
    if (counts) {
      counts->stored_after = summary_->stored;
      counts->SetTags(&batch_tags_);
    }
    if (metrics_) {
      metrics_->items_read += b.items.size();
      metrics_->items_stored += b.items.size() - (summary_->dead_lettered - dead_before);
      metrics_->dead_letters += summary_->dead_lettered - dead_before;
      ReadStoreGauges();
    }
    summary_->story_joined += b.story_joined;
    summary_->story_future_dated += b.story_future_dated;
    summary_->story_late_joined += b.story_late_joined;
    summary_->story_late_builds += b.story_late_builds;
    summary_->alerts += b.prepared.alerts.size();
    for (const SubscriptionAlert& a : batch_alerts_) ++summary_->alerts_by_subscription[a.id.substr(0, a.id.find('/'))];
  }

  // The batch's alerts, into its WriteBatch (log + outbox): subscription
  // alerts (one per subscription and story), then documents whose rule says
  // `alert: true`. Only with an alert sink.
  Status CollectAlerts(Batch& b) {
    b.prepared.alerts.clear();
    b.prepared.alerts_pending = alerts_ != nullptr;
    batch_alerts_.clear();
    if (!alerts_ && !o_.alert_log) return Status::OK();
    if (alert_stage_) NEWSFLOW_RETURN_IF_ERROR(alert_stage_->Decide(b, &batch_alerts_));
    // An alert id is raised once per store (consumers de-duplicate by it
    // anyway), so the log's id -> seq index is exact and a stream resumes
    // after a Last-Event-ID without skipping: a rule alert of a key stored
    // again, or the alert of a subscription deleted and created again for a
    // story it already alerted on, is not raised a second time.
    std::set<std::string> batch_ids;
    auto fresh = [&](const std::string& id, bool* out) -> Status {
      *out = false;
      if (!batch_ids.insert(id).second) return Status::OK();
      std::optional<uint64_t> seq;
      NEWSFLOW_RETURN_IF_ERROR(store_->AlertSeq(id, &seq));
      *out = !seq.has_value();
      return Status::OK();
    };
    std::vector<SubscriptionAlert> kept;
    for (SubscriptionAlert& a : batch_alerts_) {
      bool is_new = false;
      NEWSFLOW_RETURN_IF_ERROR(fresh(a.id, &is_new));
      if (is_new) kept.push_back(std::move(a));
    }
    batch_alerts_ = std::move(kept);
    for (const SubscriptionAlert& a : batch_alerts_) b.prepared.alerts.push_back({a.id, a.json, a.time_ms});
    for (const Item& it : b.items) {
      if (!it.error.empty() || std::none_of(it.tags.begin(), it.tags.end(), [](const ItemTag& t) { return t.alert; }))
        continue;
      const storage::Record r = ToRecord(it, *b.rules);
      bool is_new = false;
      NEWSFLOW_RETURN_IF_ERROR(fresh(r.key, &is_new));
      if (!is_new) continue;
      std::string json = "{\"id\":";  // a rule alert's id is its document's key
      AppendJsonString(&json, r.key);
      json += ',';
      json += std::string_view(RecordToJson(r)).substr(1);
      b.prepared.alerts.push_back({r.key, std::move(json), r.time_ms});
    }
    return Status::OK();
  }

  // Alerts stored by an earlier run but never acknowledged by the sink (a
  // crash, a sink that failed): delivered again before anything new.
  Status RedeliverPending() {
    std::vector<storage::StoredAlert> pending;
    NEWSFLOW_RETURN_IF_ERROR(store_->PendingAlerts(0, &pending));
    if (metrics_) metrics_->alerts_pending = static_cast<int64_t>(pending.size());
    if (pending.empty()) return Status::OK();
    if (!alerts_) {
      LogWarn("alerts", std::to_string(pending.size()) +
                            " alert(s) in the store await delivery; run with --alerts to deliver them");
      return Status::OK();
    }
    std::vector<uint64_t> seqs;
    for (const auto& a : pending) {
      NEWSFLOW_RETURN_IF_ERROR(alerts_->PublishJson(a.id, a.json));
      seqs.push_back(a.seq);
    }
    NEWSFLOW_RETURN_IF_ERROR(alerts_->Flush());
    NEWSFLOW_RETURN_IF_ERROR(store_->AckAlerts(seqs));
    summary_->alerts_redelivered = seqs.size();
    if (metrics_) {
      metrics_->alerts_published += seqs.size();
      metrics_->alerts_pending = 0;
    }
    LogInfo("alerts", "delivered " + std::to_string(seqs.size()) + " alert(s) pending from an earlier run");
    return Status::OK();
  }

  // What the store holds now, for /metrics (two meta keys, in the memtable:
  // cheap enough for every batch).
  void ReadStoreGauges() {
    storage::Counts held;
    if (!metrics_ || !store_ || !store_->GetCounts(&held).ok()) return;
    metrics_->store_documents = static_cast<int64_t>(held.docs);
    metrics_->store_dead_letters = static_cast<int64_t>(held.dead_letters);
  }

  // Hands the stored batch's dead letters and alerts to the sinks, waits for
  // the sinks to acknowledge them, then takes the alerts out of the outbox
  // (CountStored counted the batch already).
  Status PublishToSinks(const Batch& b, uint64_t first_alert_seq) {
    if (dlq_) {
      for (const Item& it : b.items)
        if (!it.error.empty()) NEWSFLOW_RETURN_IF_ERROR(dlq_->Publish(it));
      NEWSFLOW_RETURN_IF_ERROR(dlq_->Flush());
    }
    if (tagged_) {
      if (exit_before_tagged_ > 0 && ++tagged_batches_ == exit_before_tagged_)
        _exit(137);  // tests: a crash between the store write and the tagged topic
      NEWSFLOW_RETURN_IF_ERROR(PublishTagged(b));
    }
    if (b.prepared.alerts.empty()) return Status::OK();
    std::vector<uint64_t> seqs;
    if (alerts_) {  // else the store's alert log is their only sink
      for (const storage::PreparedAlert& a : b.prepared.alerts) {
        NEWSFLOW_RETURN_IF_ERROR(alerts_->PublishJson(a.id, a.json));
        seqs.push_back(first_alert_seq + seqs.size());
      }
      NEWSFLOW_RETURN_IF_ERROR(alerts_->Flush());
    }
    if (!alerts_) return Status::OK();
    if (exit_before_alert_ack_ > 0 && ++alert_batches_delivered_ == exit_before_alert_ack_)
      _exit(137);  // tests: a crash between delivery and acknowledgement
    NEWSFLOW_RETURN_IF_ERROR(store_->AckAlerts(seqs).Prefixed("store"));
    if (metrics_) {
      metrics_->alerts_published += seqs.size();
      metrics_->alerts_pending -= static_cast<int64_t>(seqs.size());
    }
    return Status::OK();
  }

  // kTaggedPendingMark's value: a key per line, then the Kafka offsets the
  // batch ends at (lines after kPendingOffset). offsets_read is false when
  // an offset line does not read.
  struct PendingBatch {
    std::vector<std::string> keys;
    std::vector<CommittedOffset> offsets;  // topic and partition (committed: asked later)
    std::vector<int64_t> ends;             // the next offset after the batch, per entry of `offsets`
    bool offsets_read = true;
  };
  static PendingBatch ParsePending(const std::string& pending) {
    PendingBatch out;
    for (size_t i = 0; i < pending.size();) {
      const size_t end = std::min(pending.find('\n', i), pending.size());
      const std::string_view line = std::string_view(pending).substr(i, end - i);
      i = end + 1;
      if (line.empty()) continue;
      if (line[0] != kPendingOffset) {
        out.keys.emplace_back(line);
        continue;
      }
      const size_t a = line.find(kPendingOffset, 1), b = line.find(kPendingOffset, a + 1);
      CommittedOffset p;
      int64_t next = 0;
      if (a == std::string_view::npos || b == std::string_view::npos ||
          std::from_chars(line.data() + a + 1, line.data() + b, p.partition).ec != std::errc() ||
          std::from_chars(line.data() + b + 1, line.data() + line.size(), next).ec != std::errc()) {
        out.offsets_read = false;
        continue;
      }
      p.topic = std::string(line.substr(1, a - 1));
      out.offsets.push_back(std::move(p));
      out.ends.push_back(next);
    }
    return out;
  }

  // The documents of the last batch an earlier run stored but may not have
  // seen acknowledged on the tagged topic (kTaggedPendingMark): published
  // again before anything new (a desk node de-duplicates by key).
  Status RepublishTagged() {
    std::optional<std::string> pending;
    NEWSFLOW_RETURN_IF_ERROR(store_->GetProgress(kTaggedPendingMark, &pending));
    if (!pending || pending->empty()) return Status::OK();
    const PendingBatch batch = ParsePending(*pending);
    if (tagged_ && PublishedSinceByAnother(batch)) {
      // Published again now, an older version of a key would land after
      // the newer one the other member published: a desk node keeps the
      // last copy it reads.
      NEWSFLOW_RETURN_IF_ERROR(ClearTaggedPending());
      return Status::OK();
    }
    size_t n = 0;
    for (const std::string& key : batch.keys) {
      storage::Record r;
      bool found = false;
      NEWSFLOW_RETURN_IF_ERROR(store_->Get(key, &r, &found));
      if (!found) continue;  // pruned since
      if (!tagged_) {
        LogWarn("tagged", "documents of the last stored batch may not be on the tagged topic; run with --tagged to "
                          "publish them");
        return Status::OK();
      }
      RecordJsonOptions jo;
      jo.body = true;
      NEWSFLOW_RETURN_IF_ERROR(tagged_->PublishJson(r.key, RecordToJson(r, jo)));
      ++n;
    }
    if (!tagged_) return Status::OK();
    NEWSFLOW_RETURN_IF_ERROR(tagged_->Flush());
    NEWSFLOW_RETURN_IF_ERROR(ClearTaggedPending());
    LogInfo("tagged", fmt::format("published {} document(s) of a batch an earlier run stored again", n));
    summary_->tagged_republished = n;
    return Status::OK();
  }

  // Whether the group has committed offsets past every offset the pending
  // batch ends at: another member (the partitions moved while this
  // instance was down) then read the batch's messages again, tagged and
  // published them, and maybe newer versions of their keys after them
  // (offsets are committed only once the tagged topic acknowledged the
  // documents). A batch stored before the offsets were recorded, a source
  // that is not Kafka, or a group Kafka does not answer for: false (the
  // batch is published again, as before).
  bool PublishedSinceByAnother(const PendingBatch& batch) {
    if (!IsKafkaUri(o_.source) || !batch.offsets_read || batch.offsets.empty()) return false;
    std::vector<CommittedOffset> parts = batch.offsets;
    if (Status s = KafkaCommittedOffsets(o_.source, &parts, 10000); !s.ok()) {
      LogWarn("tagged", "publishing the last stored batch again: " + s.message());
      return false;
    }
    for (size_t k = 0; k < parts.size(); ++k)
      if (parts[k].committed < batch.ends[k]) return false;
    LogInfo("tagged", fmt::format("the documents of the batch an earlier run stored were published since by another "
                                  "member of the group (its committed offsets are past the batch's): not published "
                                  "again, which would put older versions after newer ones"));
    return true;
  }

  Status ClearTaggedPending() {
    std::vector<bool> none;
    return store_->Rewrite({}, {}, {{kTaggedPendingMark, ""}}, "", &none);
  }

  // --tagged: every stored document of the batch, as stored (story included).
  Status PublishTagged(const Batch& b) {
    RecordJsonOptions jo;
    jo.body = true;
    for (const Item& it : b.items) {
      if (!it.error.empty()) continue;
      const storage::Record r = ToRecord(it, *b.rules);
      NEWSFLOW_RETURN_IF_ERROR(tagged_->PublishJson(r.key, RecordToJson(r, jo)));
    }
    return tagged_->Flush();
  }

  // A regular file resumes after the records its durable progress covers; a
  // followed file after the position stored with the last batch.
  Status Resume() {
    if (const std::string key = source_->resume_key(); !key.empty()) {
      std::optional<std::string> mark;
      NEWSFLOW_RETURN_IF_ERROR(store_->GetProgress(key, &mark));
      return mark ? source_->ResumeFrom(*mark) : Status::OK();
    }
    if (!source_->replayable() || source_->identity().empty()) return Status::OK();
    tracking_ = true;
    NEWSFLOW_RETURN_IF_ERROR(ReadAs(&read_as_));
    std::optional<std::string> stored, stored_as;
    NEWSFLOW_RETURN_IF_ERROR(store_->GetProgress(source_->identity(), &stored));
    if (!stored) return Status::OK();
    NEWSFLOW_RETURN_IF_ERROR(FileProgress::Parse(*stored, &progress_));
    NEWSFLOW_RETURN_IF_ERROR(store_->GetProgress(ReadAsKey(), &stored_as));
    if (stored_as && *stored_as != read_as_) {
      // Read before another way (a wrong --format, a map since edited, a
      // smaller record cap): what that stored says nothing of what this
      // reading stores, so the file is read again from its start.
      LogInfo("run", fmt::format("{} was read before as {}, now as {}: reading it again from the start", o_.source,
                                 *stored_as, read_as_));
      summary_->reread = true;
      progress_ = FileProgress{};
    }
    base_ = progress_;
    if (progress_.done) {
      summary_->already_complete = true;
      return Status::OK();
    }
    summary_->resumed_from = progress_.records;
    return source_->SkipRecords(progress_.records);
  }

  // How this run reads a file's lines, for its progress mark: the format
  // (a map by a hash of its content: the same file edited reads otherwise)
  // and the record cap (a longer cap stores lines a shorter one
  // dead-lettered). "ths/1048576", "map-0123456789abcdef/1048576".
  Status ReadAs(std::string* out) const {
    std::string format = o_.format;
    if (format.rfind("map:", 0) == 0) {
      std::ifstream in(format.substr(4), std::ios::binary);
      if (!in) return Status::NotFound("cannot read field map " + format.substr(4));
      std::stringstream text;
      text << in.rdbuf();
      format = fmt::format("map-{:016x}", Fnv1a(kFnv1aBasis14, text.str()));  // stored in marks: keep it
    }
    *out = fmt::format("{}/{}", format, o_.limits.max_record_bytes);
    return Status::OK();
  }

  // How the file's lines are read, beside its progress mark (a mark of its
  // own, which a binary from before it ignores: its progress marks still
  // parse). Written with every mark, in the same WriteBatch, so that the
  // two always describe one reading.
  static std::string ReadAsKeyOf(const std::string& identity) { return identity + "/as"; }
  std::string ReadAsKey() const { return ReadAsKeyOf(source_->identity()); }

  // The batch's progress mark, written in its WriteBatch.
  void AddProgress(Batch& b) {
    for (const Item& it : b.items) ++(it.error.empty() ? progress_.stored : progress_.dead);
    progress_.records = b.end_record;
    b.prepared.progress.push_back(storage::ProgressMark{source_->identity(), progress_.Encode()});
    b.prepared.progress.push_back(storage::ProgressMark{ReadAsKey(), read_as_});
  }

  Status MarkDone() {
    progress_.done = true;
    storage::PreparedWriteSet done;
    done.progress.push_back({source_->identity(), progress_.Encode()});
    done.progress.push_back({ReadAsKey(), read_as_});
    return store_->Write(done).Prefixed("store");
  }

  bool Stopped() const { return o_.stop && o_.stop->load(); }

  // After a failed write or flush: what the store made durable is what its
  // durable progress mark says; the summary reports that, not what was sent.
  // `identity`: the (already closed) source's progress key.
  void CountDurable(const std::string& identity) {
    storage::StoreOptions ro;
    ro.path = o_.db;
    ro.read_only = true;
    ro.create_if_missing = false;
    std::unique_ptr<storage::Store> reader;
    std::optional<std::string> text, read_as;
    FileProgress durable = base_;
    // As a secondary, which holds against a writer that opens the store the
    // moment this run's closed (serve --retain); if that cannot open (no
    // usable $TMPDIR for its directory), a plain read-only open, which
    // needs none: this run was the store's writer, and it is closed.
    Status opened = storage::Store::Open(ro, &reader);
    if (!opened.ok()) {
      ro.no_writer = true;
      opened = storage::Store::Open(ro, &reader);
    }
    // A mark of another reading (this one re-reads the file, and none of
    // its batches became durable): nothing of this reading is durable.
    if (!opened.ok()) {
      // What the failed run made durable cannot be read back: none of it is
      // counted (a count must never claim what may not be there).
      LogWarn("store", fmt::format("reading back what this run made durable: {}; the summary counts none of its "
                                   "documents as stored, and a rerun of the file resumes from what is",
                                   opened.message()));
    } else if (reader->GetProgress(identity, &text).ok() && text &&
               reader->GetProgress(ReadAsKeyOf(identity), &read_as).ok() && (!read_as || *read_as == read_as_)) {
      (void)FileProgress::Parse(*text, &durable).ok();
    }
    summary_->stored = durable.stored >= base_.stored ? durable.stored - base_.stored : 0;
    summary_->dead_lettered = durable.dead >= base_.dead ? durable.dead - base_.dead : 0;
    summary_->read = summary_->stored + summary_->dead_lettered;
    // The batches after the durable ones are not stored: neither are their
    // tags, nor their documents' story joins. (Their alerts stay counted:
    // the sink took them; a re-run raises them again.)
    for (auto c = counted_.rbegin(); c != counted_.rend() && c->stored_after > summary_->stored; ++c) {
      summary_->tagged -= c->tagged;
      summary_->story_joined -= c->story_joined;
      summary_->story_late_joined -= c->story_late_joined;
      summary_->story_future_dated -= c->story_future_dated;
      for (const auto& [tag, n] : c->tags) tag->second -= n;
    }
    tag_entries_.clear();  // views and pointers of entries the line below may erase
    std::erase_if(summary_->tag_counts, [](const auto& t) { return t.second == 0; });
  }

  // `bytes_read`: the input read through the batch just stored (the
  // reader's own count, taken on its thread: Batch::input_bytes_read).
  void Progress(uint64_t bytes_read) {
    if (!show_progress_ || Clock::now() - last_progress_ < std::chrono::milliseconds(500)) return;
    last_progress_ = Clock::now();
    const double secs = std::chrono::duration<double>(last_progress_ - t0_).count();
    const RunSummary& s = *summary_;
    std::string pct;
    if (source_->bytes_total() > 0)
      pct = fmt::format(" {:5.1f}% of input,", 100.0 * static_cast<double>(bytes_read) /
                                                   static_cast<double>(source_->bytes_total()));
    std::fprintf(stderr, "\r%s %llu items, %.0f items/s, %.1f MB/s, %.1f%% tagged   ", pct.c_str(),
                 static_cast<unsigned long long>(s.read), static_cast<double>(s.read) / secs,
                 static_cast<double>(s.bytes) / secs / 1e6,
                 s.stored ? 100.0 * static_cast<double>(s.tagged) / static_cast<double>(s.stored) : 0.0);
  }

  const RunOptions& o_;
  RunSummary* summary_;
  FormatSpec format_;
  std::shared_ptr<const Tagger> tagger_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Source> source_;
  std::unique_ptr<AlertSink> alerts_;
  std::unique_ptr<DeadLetterSink> dlq_;
  std::unique_ptr<AlertSink> tagged_;  // --tagged: the stored documents, for a desk node
  LatencyRecorder latency_;
  bool tracking_ = false;        // a regular file: progress marks, resume, checkpoints
  bool unsynced_log_ = false;    // the store keeps a write-ahead log this run does not fsync (no --sync)
  std::string read_as_;          // tracking_: how this run reads the file (ReadAs)
  bool stopped_waiting_ = false;  // stopped while another command held the store (AwaitStoreFree)
  FileProgress progress_, base_; // now, and where this run started
  CheckpointDue checkpoint_;  // tracking_: when the bulk load flushes
  // tracking_: what each counted batch added to the summary's counts of
  // stored documents. A regular file is stored without a WAL, so a failed
  // flush loses the batches after the last durable one, and CountDurable
  // takes their counts back. ~50 bytes and a few per tag per batch.
  using TagCount = std::pair<const std::string, uint64_t>;  // an entry of summary_->tag_counts
  struct BatchCounts {
    uint64_t stored_after = 0;  // summary_->stored with the batch counted
    uint64_t tagged = 0, story_joined = 0, story_late_joined = 0, story_future_dated = 0;
    std::vector<std::pair<TagCount*, uint64_t>> tags;  // each entry the batch counted, and how often
    // Takes the batch's entries, one per tag counted (in any order), as
    // (entry, count) pairs; leaves *entries empty. Sorted, not searched per
    // tag: a batch with a watch list counts thousands of distinct tags.
    void SetTags(std::vector<TagCount*>* entries) {
      std::sort(entries->begin(), entries->end());
      for (TagCount* e : *entries) {
        if (tags.empty() || tags.back().first != e) tags.emplace_back(e, 0);
        ++tags.back().second;
      }
      entries->clear();
    }
  };
  // summary_->tag_counts' entry for `tag` (made at 0 if new): found through
  // a hash of the tags already counted, not the tree's string compares
  // (a run with a watch list counts ~10 tags per document). The tree's
  // entries never move, and only the run's end erases any.
  TagCount* CountEntry(const std::string& tag) {
    if (auto it = tag_entries_.find(tag); it != tag_entries_.end()) return it->second;
    TagCount* at = &*summary_->tag_counts.try_emplace(tag).first;
    tag_entries_.emplace(at->first, at);
    return at;
  }
  std::vector<BatchCounts> counted_;
  std::vector<TagCount*> batch_tags_;  // CountStored's scratch for BatchCounts::SetTags
  std::unordered_map<std::string_view, TagCount*> tag_entries_;  // keys: views of summary_->tag_counts' keys
  std::optional<StoreStage> store_stage_;
  std::unique_ptr<StoryStage> story_stage_;
  std::optional<AlertStage> alert_stage_;  // replaced by the writer only; subscriptions_mu_ guards the replacement
  std::mutex subscriptions_mu_;           // against the reloader thread's read of the list
  std::optional<RetentionStage> retention_;  // --retain
  std::unique_ptr<WriterRequestService> writer_requests_;  // serves `newsflow backup` and `retag` while the run holds the store
  std::vector<SubscriptionAlert> batch_alerts_;  // decided before the batch's write, published after it
  Metrics* const metrics_ = o_.metrics;
  bool store_shared_ = false;              // on_store_open was called: call on_store_closing
  std::string subscriptions_stamp_;        // the subscriptions file as last loaded (SubscriptionFileStamp)
  bool subscriptions_missing_ = false;     // the file could not be found at the last check (said once)
  std::set<std::string> source_warnings_;  // UnknownSources of the loaded file, already logged
  std::string subscriptions_rejected_under_;  // the rule set version that last rejected or held some ("" if none)
  std::vector<std::string> subscriptions_held_;  // why each held subscription is (HoldUnknownTags)
  Clock::time_point subscriptions_checked_ = Clock::now();

  const int workers_ = std::clamp(o_.threads > 0 ? o_.threads : static_cast<int>(std::thread::hardware_concurrency()),
                                  1, RunOptions::kMaxThreads);
  BoundedQueue<Batch> in_{o_.queue_batches};
  BoundedQueue<Batch> out_{o_.queue_batches + static_cast<size_t>(workers_)};
  BoundedQueue<Batch> recycled_{o_.queue_batches + static_cast<size_t>(workers_) + 2};
  ByteBudget budget_{o_.max_inflight_bytes};
  std::thread reader_;
  std::vector<std::thread> pool_;
  // With stories: out_ -> story thread -> storied_ -> writer.
  BoundedQueue<Batch> storied_{o_.queue_batches};
  std::thread story_thread_;
  Status story_status_;                 // the story thread's error, set before it closes storied_
  std::mutex stored_mu_;
  std::condition_variable stored_cv_;
  uint64_t stored_through_ = 0;  // batches with seq below this are stored (guarded by stored_mu_)
  bool writer_stopped_ = false;  // the writer failed or ended (guarded by stored_mu_)
  std::optional<CurrentRules> current_rules_;  // what the workers tag with (hot reload)
  TaggerLoad tagger_load_;                     // the rule set loading while the run opens (Open)
  bool remove_new_store_ = false;              // the rules failed to load: remove a store this run created
  bool store_existed_ = true;                  // a store was at o_.db before the open (NoteStoreBeforeOpen)
  std::filesystem::path created_dir_;          // if not: the first missing directory of o_.db's path, or
  std::set<std::string> db_entries_before_;    // what the directory o_.db held
  std::thread reloader_;
  std::mutex reload_mu_;
  std::condition_variable reload_cv_;
  bool finished_ = false;  // guarded by reload_mu_
  std::atomic<uint64_t> reloaded_{0}, reload_failed_{0};
  std::atomic<int> live_workers_{0};

  // Test hook: NEWSFLOW_TEST_EXIT_BEFORE_ALERT_ACK=N ends the process like
  // kill -9 right after the Nth batch with alerts had them delivered and
  // before the store heard of it (tests/pipeline/alert_outbox_test.cc).
  const uint64_t exit_before_alert_ack_ = [] {
    const char* v = std::getenv("NEWSFLOW_TEST_EXIT_BEFORE_ALERT_ACK");
    return v != nullptr ? std::strtoull(v, nullptr, 10) : 0;
  }();
  uint64_t alert_batches_delivered_ = 0;
  // Test hook: NEWSFLOW_TEST_EXIT_BEFORE_TAGGED=N ends the process like
  // kill -9 once the Nth batch is stored, before its documents are
  // published to --tagged (tests/kafka/scale_out_test.cc).
  const uint64_t exit_before_tagged_ = [] {
    const char* v = std::getenv("NEWSFLOW_TEST_EXIT_BEFORE_TAGGED");
    return v != nullptr ? std::strtoull(v, nullptr, 10) : 0;
  }();
  uint64_t tagged_batches_ = 0;
  // Test hook: NEWSFLOW_TEST_HOLD_WRITES_FILE=PATH holds the writer before
  // each batch while PATH exists, so that a Kafka source's backlog fills and
  // pauses its partitions on cue (tests/kafka/group_test.cc).
  const std::string hold_writes_file_ = TestHookPath("NEWSFLOW_TEST_HOLD_WRITES_FILE");
  void HoldWhileTestFileExists() const { HoldWhileFileExists(hold_writes_file_, o_.stop); }
  // Test hook: NEWSFLOW_TEST_HOLD_RULES_FILE=PATH holds the rules' load
  // (TaggerLoad, on its thread) while PATH exists, so that a test sees the
  // store open and the reader reading before the rules are loaded, or a
  // rule set fail after the store was created (tests/pipeline/run_start_test.cc).
  const std::string hold_rules_file_ = TestHookPath("NEWSFLOW_TEST_HOLD_RULES_FILE");
  const Clock::time_point t0_ = Clock::now();
  const bool show_progress_ = o_.progress && isatty(2);
  Clock::time_point last_progress_ = Clock::now();
};

}  // namespace

namespace {
// InvalidArgument when the Kafka `sink` (flag) names a topic the Kafka
// `source` reads, on a broker the two share.
Status CheckSinkApartFromSource(const std::string& source, const std::string& sink, const char* flag) {
  KafkaUri in, out;
  if (!ParseKafkaUri(source, &in).ok() || !ParseKafkaUri(sink, &out).ok()) return Status::OK();  // said above
  auto brokers = [](const std::string& list) {
    std::set<std::string> s;
    for (std::string b : SplitComma(list)) {
      if (b.rfind("localhost:", 0) == 0) b = "127.0.0.1" + b.substr(9);  // one host, two names
      s.insert(std::move(b));
    }
    return s;
  };
  // A source topic may be a pattern (^...), which librdkafka matches as a
  // POSIX extended regex (regcomp, as librdkafka's own).
  auto reads = [&](const std::string& topic) {
    for (const std::string& t : in.topics) {
      if (t == topic) return true;
      if (t[0] != '^') continue;
      regex_t re;
      if (regcomp(&re, t.c_str(), REG_EXTENDED | REG_NOSUB) != 0) continue;
      const bool hit = regexec(&re, topic.c_str(), 0, nullptr, 0) == 0;
      regfree(&re);
      if (hit) return true;
    }
    return false;
  };
  const std::set<std::string> a = brokers(in.brokers), b = brokers(out.brokers);
  const bool same_cluster = std::any_of(a.begin(), a.end(), [&](const std::string& x) { return b.count(x) > 0; });
  for (const std::string& t : out.topics)
    if (same_cluster && reads(t))
      return Status::InvalidArgument(fmt::format(
          "{} {} writes into the topic this run reads ({}): what it publishes would be read again", flag, sink, t));
  return Status::OK();
}
}  // namespace

Status RunOptions::Validate() const {
  if (db.empty()) return Status::InvalidArgument("--db is required");
  if (source.empty()) return Status::InvalidArgument("--source is empty");
  if (threads < 0 || threads > kMaxThreads)
    return Status::InvalidArgument(fmt::format("--threads must be 0..{} (0 = one per core), got {}", kMaxThreads, threads));
  if (limits.max_items == 0) return Status::InvalidArgument("--batch must be at least 1");
  if (limits.max_record_bytes == 0) return Status::InvalidArgument("--max-record-bytes must be at least 1");
  if (retention.retain_ms < 0 || retention.interval_ms < 0)
    return Status::InvalidArgument("--retain and --retain-interval must not be negative");
  if (queue_batches == 0) return Status::InvalidArgument("the queue must hold at least one batch");
  if (max_inflight_bytes < limits.max_record_bytes)
    return Status::InvalidArgument(fmt::format("--max-inflight-bytes ({}) must be at least --max-record-bytes ({})",
                                               max_inflight_bytes, limits.max_record_bytes));
  for (const std::string_view prefix : {"file:", "follow:"})
    if (source == prefix) return Status::InvalidArgument("--source " + std::string(prefix) + " needs a PATH after it");
  if (alerts == "file:") return Status::InvalidArgument("--alerts file: needs a PATH after it");
  if (!alerts.empty() && alerts.rfind("file:", 0) != 0 && !IsKafkaUri(alerts))
    return Status::InvalidArgument("--alerts must be file:PATH or kafka://HOST:PORT/TOPIC, got '" + alerts + "'");
  if (!subscriptions.empty() && alerts.empty() && !alert_log)
    return Status::InvalidArgument(
        "--subscriptions needs --alerts (file:PATH or kafka://HOST:PORT/TOPIC) or --http (the alert stream)");
  if (!tagged.empty() && !IsKafkaUri(tagged))
    return Status::InvalidArgument("--tagged must be kafka://HOST:PORT/TOPIC, got '" + tagged + "'");
  if (!dead_letter.empty() && !IsKafkaUri(dead_letter))
    return Status::InvalidArgument("--dead-letter must be kafka://HOST:PORT/TOPIC, got '" + dead_letter + "'");
  // Kafka addresses and their settings are usage errors before anything opens.
  if (IsKafkaUri(source)) NEWSFLOW_RETURN_IF_ERROR(CheckKafkaSourceUri(source));
  if (IsKafkaUri(alerts)) NEWSFLOW_RETURN_IF_ERROR(CheckKafkaSinkUri(alerts, "alerts"));
  if (!dead_letter.empty()) NEWSFLOW_RETURN_IF_ERROR(CheckKafkaSinkUri(dead_letter, "dead letters"));
  if (!tagged.empty()) NEWSFLOW_RETURN_IF_ERROR(CheckKafkaSinkUri(tagged, "tagged documents"));
  // A sink writing into the topic the run reads: a desk node's --tagged
  // there read its own documents again for ever (one message became
  // thousands in seconds); a tagging node's, alerts or dead letters
  // there, each came back as a dead letter.
  if (IsKafkaUri(source)) {
    for (const auto& [flag, sink] : {std::pair<const char*, const std::string*>{"--tagged", &tagged},
                                     {"--alerts", &alerts}, {"--dead-letter", &dead_letter}})
      if (IsKafkaUri(*sink)) NEWSFLOW_RETURN_IF_ERROR(CheckSinkApartFromSource(source, *sink, flag));
  }
  // The format, a map:FILE's file included, is part of the command line:
  // one that cannot be read or is wrong is a usage error (as a --config).
  FormatSpec spec;
  if (Status s = ParseFormatSpec(format, &spec); !s.ok())
    return Status::InvalidArgument("--format: " + s.message());
  return Status::OK();
}

Status Run(const RunOptions& o, RunSummary* summary) {
  *summary = RunSummary{};
  NEWSFLOW_RETURN_IF_ERROR(o.Validate());
  Job job(o, summary);
  if (Status s = job.Open(); !s.ok() || job.already_complete() || job.stopped_waiting()) {
    if (s.ok()) s = job.PruneAlreadyComplete();
    return job.Finish(s);
  }
  job.StartReloader();  // (the reader started in Open)
  job.StartStoryThread();  // before the workers: what they finish, even on a failed start, gets its story
  if (Status s = job.StartWorkers(); !s.ok()) {
    job.Abort();
    (void)job.WriteAll();
    return job.Finish(s);
  }
  return job.Finish(job.WriteAll());
}

}  // namespace newsflow::pipeline
