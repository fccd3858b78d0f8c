// run_summary.cc — see run_summary.h.
#include "pipeline/job/run_summary.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "pipeline/sink/record_json.h"

namespace newsflow::pipeline {

std::string FormatSummary(const RunSummary& s) {
  std::string out;
  const double secs = s.seconds > 0 ? s.seconds : 1e-9;
  out += fmt::format("read {}  stored {}  tagged {} ({:.1f}%)  dead-lettered {}  alerts {}\n", s.read, s.stored,
                     s.tagged, s.stored ? 100.0 * static_cast<double>(s.tagged) / static_cast<double>(s.stored) : 0.0,
                     s.dead_lettered, s.alerts);
  if (s.rules_reloaded + s.rules_reload_failed > 0)
    out += fmt::format("rules reloaded {} time(s), {} reload(s) rejected; now version {}\n", s.rules_reloaded,
                       s.rules_reload_failed, s.ruleset_version);
  if (s.alerts_redelivered > 0)
    out += fmt::format("{} alert(s) stored by an earlier run but not acknowledged were delivered again\n",
                       s.alerts_redelivered);
  if (s.tagged_republished > 0)
    out += fmt::format("{} document(s) stored by an earlier run were published to the tagged topic again\n",
                       s.tagged_republished);
  if (s.story_joined > 0) out += fmt::format("{} of the stored documents joined an earlier story\n", s.story_joined);
  if (s.story_late_joined > 0)
    out += fmt::format("{} of them were older than the story window and joined a story stored around their time\n",
                       s.story_late_joined);
  if (s.story_future_dated > 0)
    out += fmt::format("{} document(s) dated over an hour after this machine's clock (a wrong time?) were kept out of "
                       "story clustering\n",
                       s.story_future_dated);
  if (s.already_complete) out += "already stored: an earlier run stored this file to its end; nothing to do\n";
  if (s.reread)
    out += "read again from its start: an earlier run read this file another way (another format, map or "
           "--max-record-bytes)\n";
  if (s.resumed_from > 0) out += fmt::format("resumed after record {} (stored by an earlier run)\n", s.resumed_from);
  if (s.interrupted)
    out += s.resumable ? "stopped by a signal: everything read was stored; run again to continue where it stopped\n"
                       : "stopped by a signal: everything read was stored\n";
  if (s.input_error_offset >= 0)
    out += fmt::format(
        "INPUT ERROR: the input is damaged from byte {} on (of a gzip file: the member that starts there); "
        "the run stored what it read before the damage (see the message above)\n",
        s.input_error_offset);
  if (s.prune_passes > 0)
    out += fmt::format(
        "retention: {} prune passes removed {} documents older than the cutoff, {} alerts and {} dead letters\n",
        s.prune_passes, s.pruned, s.alerts_pruned, s.dead_letters_pruned);
  if (s.kafka_offsets_unconfirmed > 0)
    out += fmt::format("WARNING: {} partition(s) started at an offset stored in this database that the group has not "
                       "committed in Kafka (topic recreated? group offsets expired? see the log)\n",
                       s.kafka_offsets_unconfirmed);
  if (s.kafka_offsets_beyond_end > 0)
    out += fmt::format("WARNING: {} partition(s) had a stored offset past their end (topic recreated or truncated) "
                       "and were read from their start\n",
                       s.kafka_offsets_beyond_end);
  if (s.kafka_uncommitted_handovers > 0)
    out += fmt::format("WARNING: {} partition(s) left this member without their last offset commit (see the log): the "
                       "member that took them over may store their last records again\n",
                       s.kafka_uncommitted_handovers);
  if (!s.durable && s.unsynced_log)
    out += "NOT DURABLE: the store failed; `stored` counts what reached its write-ahead log, which a run without "
           "--sync does not fsync: what the failing disk had not written yet may be lost\n";
  else if (!s.durable)
    out += "NOT DURABLE: the store failed; `stored` counts only what it made durable\n";
  out += fmt::format("{:.2f} s  {:.0f} items/s  {:.1f} MB/s  rule set {}\n", s.seconds,
                     static_cast<double>(s.read) / secs, static_cast<double>(s.bytes) / secs / 1e6,
                     s.ruleset_version);
  std::vector<std::pair<uint64_t, std::string>> top;
  for (const auto& [tag, n] : s.tag_counts) top.emplace_back(n, tag);
  std::sort(top.begin(), top.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  if (!top.empty()) {
    out += "top tags:";
    for (size_t i = 0; i < std::min<size_t>(top.size(), 12); ++i)
      out += fmt::format("{}{} {}", i % 4 == 0 ? "\n  " : "   ", top[i].second, top[i].first);
    out += '\n';
  }
  if (s.backups > 0) out += fmt::format("{} backup(s) taken by this run on request\n", s.backups);
  if (s.latency_samples > 0)
    out += fmt::format("latency (record timestamp -> RocksDB commit, {} records): p50 {:.1f} ms  p99 {:.1f} ms  "
                       "p99.9 {:.1f} ms  max {:.1f} ms\n",
                       s.latency_samples, s.latency_p50_ms, s.latency_p99_ms, s.latency_p999_ms, s.latency_max_ms);
  if (!s.dead_reasons.empty()) {
    out += "dead letters:";
    for (const auto& [r, n] : s.dead_reasons) out += fmt::format("\n  {} {}", r, n);
    out += '\n';
  }
  return out;
}

namespace {

void AppendCounts(std::string* out, const char* name, const std::map<std::string, uint64_t>& counts) {
  *out += fmt::format(",\"{}\":{{", name);
  bool first = true;
  for (const auto& [k, n] : counts) {
    if (!first) *out += ',';
    first = false;
    AppendJsonString(out, k);
    *out += fmt::format(":{}", n);
  }
  *out += '}';
}

}  // namespace

std::string SummaryToJson(const RunSummary& s) {
  std::string out = fmt::format(
      "{{\"read\":{},\"stored\":{},\"tagged\":{},\"dead_lettered\":{},\"alerts\":{},\"bytes\":{},"
      "\"story_joined\":{},\"seconds\":{:.3f},\"durable\":{},\"resumed_from\":{},\"already_complete\":{},"
      "\"peak_inflight_bytes\":{},\"input_error_offset\":{},\"interrupted\":{},\"ruleset_version\":",
      s.read, s.stored, s.tagged, s.dead_lettered, s.alerts, s.bytes, s.story_joined, s.seconds, s.durable ? "true" : "false",
      s.resumed_from, s.already_complete ? "true" : "false", s.peak_inflight_bytes, s.input_error_offset,
      s.interrupted ? "true" : "false");
  AppendJsonString(&out, s.ruleset_version);
  AppendCounts(&out, "tag_counts", s.tag_counts);
  AppendCounts(&out, "dead_reasons", s.dead_reasons);
  AppendCounts(&out, "alerts_by_subscription", s.alerts_by_subscription);
  out += fmt::format(",\"alerts_redelivered\":{},\"tagged_republished\":{},\"rules_reloaded\":{},"
                     "\"rules_reload_failed\":{}",
                     s.alerts_redelivered, s.tagged_republished, s.rules_reloaded, s.rules_reload_failed);
  if (s.story_future_dated > 0) out += fmt::format(",\"story_future_dated\":{}", s.story_future_dated);
  if (!s.durable && s.unsynced_log) out += ",\"unsynced_log\":true";
  out += fmt::format(",\"story_late_joined\":{},\"story_late_builds\":{}", s.story_late_joined, s.story_late_builds);
  if (s.prune_passes > 0)
    out += fmt::format(
        ",\"prune_passes\":{},\"pruned\":{},\"alerts_pruned\":{},\"dead_letters_pruned\":{},\"retain_cutoff_ms\":{}",
        s.prune_passes, s.pruned, s.alerts_pruned, s.dead_letters_pruned, s.retain_cutoff_ms);
  if (s.backups > 0) out += fmt::format(",\"backups\":{}", s.backups);
  if (s.reread) out += ",\"reread\":true";
  if (s.interrupted) out += fmt::format(",\"resumable\":{}", s.resumable ? "true" : "false");
  if (s.kafka_source)
    out += fmt::format(",\"kafka_offsets_unconfirmed\":{},\"kafka_offsets_beyond_end\":{},"
                       "\"kafka_uncommitted_handovers\":{}",
                       s.kafka_offsets_unconfirmed, s.kafka_offsets_beyond_end, s.kafka_uncommitted_handovers);
  if (s.latency_samples > 0)
    out += fmt::format(",\"latency_ms\":{{\"samples\":{},\"p50\":{:.3f},\"p99\":{:.3f},\"p999\":{:.3f},\"max\":{:.3f}}}",
                       s.latency_samples, s.latency_p50_ms, s.latency_p99_ms, s.latency_p999_ms, s.latency_max_ms);
  out += '}';
  return out;
}

}  // namespace newsflow::pipeline
