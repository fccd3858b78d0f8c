// cmd_ops.cc — running newsflow as a service: `prune` (retention),
// `backup` and `restore`. Each prints one JSON object on stdout.
//
// prune and a backup of an idle store open the store read-write
// themselves; a backup of a store a `run` holds is taken by that run
// (pipeline/job/writer_requests.h); a store another command holds (a
// standalone retag or prune) is waited for, up to --timeout. Exit codes as
// everywhere: 1 a problem to fix (no store, a writer holds it, a failed or
// damaged backup), 2 bad usage (a backup directory overlapping the store).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "newsflow/storage/restore.h"
#include "newsflow/storage/store.h"
#include "pipeline/job/retention_stage.h"
#include "pipeline/job/writer_requests.h"
#include "pipeline/query/query_time.h"
#include "pipeline/query/time_zone.h"
#include "pipeline/sink/record_json.h"

namespace newsflow::cli {
namespace {

// One backup as JSON. A listed damaged backup is {"backup_id":N,"damaged":true}
// and "damage" (why) when it is known; `store` (the store's id) appears for
// backups made since stores had ids; `replaced` (the shared files found
// damaged and copied afresh) appears when there were any.
std::string BackupJson(const storage::BackupResult& r, std::string_view via) {
  if (r.damaged) {
    std::string json = fmt::format("{{\"backup_id\":{},\"damaged\":true", r.backup_id);
    if (!r.damage.empty()) {
      json += ",\"damage\":";
      pipeline::AppendJsonString(&json, r.damage);
    }
    return json + "}";
  }
  std::string replaced;
  for (const std::string& f : r.replaced) replaced += fmt::format("{}\"{}\"", replaced.empty() ? "" : ",", f);
  return fmt::format(
      "{{\"backup_id\":{},\"timestamp\":{},\"files\":{},\"bytes\":{},\"new_files\":{},\"new_bytes\":{},"
      "\"docs\":{},\"dead_letters\":{},\"damaged\":false{}{}{}}}",
      r.backup_id, r.timestamp, r.files, r.bytes, r.new_files, r.new_bytes, r.counts.docs, r.counts.dead_letters,
      r.store_id.empty() ? std::string() : fmt::format(",\"store\":\"{}\"", r.store_id),
      r.replaced.empty() ? std::string() : fmt::format(",\"replaced\":[{}]", replaced),
      via.empty() ? std::string() : fmt::format(",\"taken_by\":\"{}\"", via));
}

// Opens an existing store read-write; on failure says why (a writer holding
// it is named by its pid).
std::unique_ptr<storage::Store> OpenForWriting(const std::string& cmd, const std::string& db, std::string_view advice) {
  storage::StoreOptions o;
  o.path = db;
  o.create_if_missing = false;
  std::unique_ptr<storage::Store> store;
  if (Status s = storage::Store::Open(o, &store); !s.ok()) {
    // `advice` is for a run holding it; another command (a backup, a
    // retag) ends by itself.
    if (const pipeline::StoreHolder holder = pipeline::WhoHoldsStore(db); holder.kind == pipeline::StoreHolder::kServingWriter)
      std::fprintf(stderr, "newsflow %s: a run (%s) holds the store at %s; %.*s\n", cmd.c_str(),
                   pipeline::DescribeWriter(holder.pid).c_str(), db.c_str(), static_cast<int>(advice.size()),
                   advice.data());
    else if (holder.kind == pipeline::StoreHolder::kOther)
      std::fprintf(stderr, "newsflow %s: another command (%s) holds the store at %s; try again when it ends\n",
                   cmd.c_str(), pipeline::DescribeWriter(holder.pid).c_str(), db.c_str());
    else
      std::fprintf(stderr, "newsflow %s: %s\n", cmd.c_str(), s.message().c_str());
    return nullptr;
  }
  return store;
}

void RegisterPrune(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "prune", "Remove the documents older than a time, with their index entries and story links; reclaim the space");
  struct Args {
    std::string db, before, tz;
    bool no_compact = false;
    size_t batch = storage::PruneOptions{}.docs_per_batch;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory (must exist; no run may hold it: use run --retain then)")
      ->required();
  cmd->add_option("--before", a->before,
                  "remove documents older than this: YYYY-MM-DD[ HH:MM[:SS]] in the zone, ...Z for UTC, unix ms (11+ digits), "
                  "or an age (30d, 12h)")
      ->required();
  cmd->add_option("--tz", a->tz, "zone --before is read in (default $NEWSFLOW_TZ, else Asia/Shanghai)")
      ->check(NonEmpty());
  cmd->add_option("--batch", a->batch,
                  "documents (alert log entries, dead letters) deleted per write, each one atomic with its index "
                  "entries and the count; bounds the memory of one write")
      ->default_str(std::to_string(a->batch))
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cmd->add_flag("--no-compact", a->no_compact,
                "skip the compaction (space then comes back when RocksDB next compacts those files)");
  cmd->footer(
      "Meta (Kafka offsets, file progress marks) is kept; count/docs is lowered. The alert log loses its start,\n"
      "up to the first alert raised by a document at or after --before (an alert not yet delivered to its sink,\n"
      "and the newest one, stay; one of a document dated over an hour ahead of the clock does not end it); the\n"
      "dead letters stored before --before go (but the newest).\n"
      "Prints one JSON object: before_ms, removed, index_entries_removed, docs_before, docs_after,\n"
      "alerts_removed, dead_letters_removed, sst_bytes_before, sst_bytes_after, compacted; also when a step\n"
      "fails after some were removed (exit 1), with what was removed before it.");
  cmd->callback([a, exit_code] {
    pipeline::TimeZone zone;
    if (Status s = pipeline::DisplayZone(a->tz, &zone); !s.ok()) {
      std::fprintf(stderr, "newsflow prune: %s\n", s.message().c_str());
      *exit_code = 2;
      return;
    }
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
    storage::PruneOptions po;
    std::string error;
    if (!pipeline::ParseQueryTime(a->before, zone, now_ms, pipeline::TimeBound::kSince, &po.before_ms, &error)) {
      std::fprintf(stderr, "newsflow prune: --before: %s\n", error.c_str());
      *exit_code = 2;
      return;
    }
    po.compact = !a->no_compact;
    po.docs_per_batch = a->batch;
    po.misdated_after_ms = now_ms + pipeline::RetentionOptions{}.max_lead_ms;
    // Test hook: hold the prune this long after each batch, so that a test
    // can watch a reader (serve) while the prune holds the store half way.
    if (const char* hold = std::getenv("NEWSFLOW_TEST_PRUNE_HOLD_MS"); hold != nullptr && std::atoi(hold) > 0) {
      const auto ms = std::chrono::milliseconds(std::atoi(hold));
      po.after_batch = [ms](const storage::PruneStats&) { std::this_thread::sleep_for(ms); };
    }
    auto store = OpenForWriting("prune", a->db, "stop it first, or give it --retain");
    if (!store) {
      *exit_code = 1;
      return;
    }
    storage::PruneStats st;
    Status s = store->Prune(po, &st);
    if (Status c = store->Close(); s.ok()) s = c;
    // Printed when a step failed after deletions too (the compaction on a
    // full disk): the batches deleted before it are gone for good, and the
    // operator is told so.
    const bool removed = st.docs_removed > 0 || st.alerts_removed > 0 || st.dead_letters_removed > 0;
    if (s.ok() || removed) std::printf(
        "{\"before_ms\":%lld,\"removed\":%llu,\"index_entries_removed\":%llu,\"docs_before\":%llu,\"docs_after\":%llu,"
        "\"alerts_removed\":%llu,\"dead_letters_removed\":%llu,\"sst_bytes_before\":%llu,\"sst_bytes_after\":%llu,"
        "\"compacted\":%s}\n",
        static_cast<long long>(po.before_ms), static_cast<unsigned long long>(st.docs_removed),
        static_cast<unsigned long long>(st.index_entries_removed), static_cast<unsigned long long>(st.docs_before),
        static_cast<unsigned long long>(st.docs_after), static_cast<unsigned long long>(st.alerts_removed),
        static_cast<unsigned long long>(st.dead_letters_removed),
        static_cast<unsigned long long>(st.sst_bytes_before),
        static_cast<unsigned long long>(st.sst_bytes_after), st.compacted ? "true" : "false");
    if (!s.ok()) {
      std::fflush(stdout);
      std::fprintf(stderr, "newsflow prune: %s\n", s.message().c_str());
      *exit_code = 1;
    }
  });
}

void RegisterBackup(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("backup", "Back up a store (every column family), incrementally, while it runs or not");
  struct Args {
    std::string db, to;
    double timeout_s = 600;
    uint32_t keep = 0;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--db", a->db, "RocksDB directory (must exist)")->required();
  cmd->add_option("--to", a->to,
                  "backup directory (RocksDB BackupEngine; created if missing; later backups add only new files)")
      ->required();
  cmd->add_option("--timeout", a->timeout_s,
                  "seconds to wait for a running writer to take the backup, or for another command holding the "
                  "store to end")
      ->default_str("600")
      ->check(FiniteRange(0.1, 86400.0));
  cmd->add_option("--keep", a->keep,
                  "after this backup, delete all but the newest N backups there (and the files only they used)")
      ->check(CLI::Range(1u, 4294967295u));
  cmd->footer(
      "When no process holds the store, backup opens it itself. When `newsflow run` holds it, the run takes the\n"
      "backup on its own handle between two batches (a request file in DIR/writer-requests). When another\n"
      "command holds it (retag, prune), backup waits up to --timeout for it to end. Either way the backup is\n"
      "one consistent state of documents, indexes, dead letters, offsets and progress marks, verified against\n"
      "its checksums before it is reported (a damaged shared file from an earlier backup is copied afresh).\n"
      "--to must lie apart from the store (not its directory, not inside it, not holding it): exit 2.\n"
      "--to holds one store's backups: a directory with a backup of another store is refused (exit 1), so that\n"
      "--keep never deletes another store's backups (a store restored from a backup is the same store).\n"
      "Prints one JSON object: backup_id, timestamp, files, bytes, new_files, new_bytes (what this backup\n"
      "copied), docs and dead_letters (the store's counters at the backup), store (the store's id),\n"
      "damaged (false), replaced (the\n"
      "damaged shared files copied afresh, when any), taken_by (\"backup\" or \"writer\"), and with --keep:\n"
      "purged (how many older whole backups were deleted).");
  cmd->callback([a, exit_code] {
    Status apart = storage::CheckBackupDirApart(a->db, a->to);
    if (apart.ok()) apart = storage::CheckBackupTarget(a->to);
    if (!apart.ok()) {
      std::fprintf(stderr, "newsflow backup: %s\n", apart.message().c_str());
      *exit_code = apart.IsInvalidArgument() ? 2 : 1;  // an unreadable directory is no usage error
      return;
    }
    const auto timeout_ms = static_cast<int64_t>(a->timeout_s * 1000);
    // A standalone retag or prune (or a serve that prunes) holding the
    // store takes no requests: wait for it to end, up to --timeout.
    storage::BackupResult r;
    std::string via;
    pipeline::StoreHolder holder;
    Status s = pipeline::AwaitStoreFreeOrServed(a->db, timeout_ms, "backup", &holder);
    if (s.ok() && holder.kind == pipeline::StoreHolder::kServingWriter) {
      via = "writer";
      s = pipeline::RequestBackup(a->db, a->to, timeout_ms, &r);
    } else if (s.ok()) {
      auto store = OpenForWriting("backup", a->db, "try again when it ends");
      if (!store && pipeline::WhoHoldsStore(a->db).kind == pipeline::StoreHolder::kServingWriter) {
        via = "writer";  // a run started meanwhile
        s = pipeline::RequestBackup(a->db, a->to, timeout_ms, &r);
      } else if (!store) {
        *exit_code = 1;
        return;
      } else {
        via = "backup";
        s = store->Backup(a->to, &r);
        if (Status c = store->Close(); s.ok()) s = c;
      }
    }
    if (!s.ok()) {
      std::fprintf(stderr, "newsflow backup: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    std::string json = BackupJson(r, via);
    if (a->keep > 0) {  // the backup is taken: only now may older ones go
      uint32_t purged = 0;
      if (Status p = storage::PurgeOldBackups(a->to, a->keep, &purged); !p.ok()) {
        std::printf("%s\n", json.c_str());
        std::fprintf(stderr, "newsflow backup: the backup was taken, but %s\n", p.message().c_str());
        *exit_code = 1;
        return;
      }
      json.insert(json.size() - 1, fmt::format(",\"purged\":{}", purged));
    }
    std::printf("%s\n", json.c_str());
  });
}

void RegisterRestore(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("restore", "Restore a backup into a new store directory, or list the backups");
  struct Args {
    std::string from, db;
    uint32_t backup_id = 0;
    bool list = false, verify = false, as_copy = false;
  };
  auto a = std::make_shared<Args>();
  cmd->add_option("--from", a->from, "backup directory (made by newsflow backup)")->required();
  cmd->add_option("--db", a->db, "the store to create (must not hold a store)");
  cmd->add_option("--backup-id", a->backup_id, "which backup (default: the latest)")->check(CLI::Range(1u, 4294967295u));
  cmd->add_flag("--list", a->list,
                "print the backups, one JSON object per line, oldest first; a damaged one as "
                "{\"backup_id\":N,\"damaged\":true}");
  cmd->add_flag("--as-copy", a->as_copy,
                "the restored store is a copy that lives beside the original (a second node, a test copy): its "
                "backups get a store id of their own, so they are refused in the original's backup directory and "
                "its --keep never deletes the original's (without it, the restored store is the original, "
                "recovered, and its backups go on in the same directory)");
  cmd->add_flag("--verify", a->verify,
                "list (as --list) after reading every backup's files and checking their checksums, as a restore "
                "does first; exit 1 when a backup is damaged (its line says why in \"damage\")");
  cmd->footer(
      "The backup's files are checked against their checksums before anything is written. The latest is the\n"
      "newest backup: when it is damaged, restore fails (exit 1) rather than restore an older one; pass\n"
      "--backup-id to choose an older one.\n"
      "Prints one JSON object: the restored backup's backup_id, files, bytes, docs, dead_letters (its counters\n"
      "when taken), and restored_docs, restored_dead_letters (read back from the restored store).");
  cmd->callback([cmd, a, exit_code] {
    // `--list` restores nothing: a --db or --backup-id beside it would be
    // read as "restore this" and silently do nothing.
    const bool list = a->list || a->verify;
    if (list && a->as_copy) {
      std::fprintf(stderr, "newsflow restore: --as-copy is for a restore: not with --list or --verify\n");
      *exit_code = 2;
      return;
    }
    if (list && (cmd->count("--db") > 0 || cmd->count("--backup-id") > 0)) {
      std::fprintf(stderr, "newsflow restore: --list and --verify only list the backups: they take neither --db nor "
                           "--backup-id\n");
      *exit_code = 2;
      return;
    }
    if (list) {
      std::vector<storage::BackupResult> all;
      if (Status s = storage::ListBackups(a->from, &all, a->verify); !s.ok()) {
        std::fprintf(stderr, "newsflow restore: %s\n", s.message().c_str());
        *exit_code = 1;
        return;
      }
      size_t damaged = 0;
      for (const auto& r : all) {
        std::printf("%s\n", BackupJson(r, "").c_str());
        damaged += r.damaged;
      }
      if (a->verify && damaged > 0) {
        std::fprintf(stderr, "newsflow restore: %zu of the %zu backups in %s are damaged\n", damaged, all.size(),
                     a->from.c_str());
        *exit_code = 1;
      }
      return;
    }
    if (a->db.empty()) {
      std::fprintf(stderr, "newsflow restore: --db is required (or --list)\n");
      *exit_code = 2;
      return;
    }
    storage::BackupResult r;
    if (Status s = storage::RestoreBackup(a->from, a->db, a->backup_id, &r); !s.ok()) {
      std::fprintf(stderr, "newsflow restore: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    storage::StoreOptions o;
    o.path = a->db;
    o.create_if_missing = false;
    o.read_only = !a->as_copy;
    std::unique_ptr<storage::Store> store;
    storage::Counts c;
    Status s = storage::Store::Open(o, &store);
    if (s.ok() && a->as_copy) s = store->ForgetStoreId();
    if (s.ok()) s = store->GetCounts(&c);
    if (s.ok() && a->as_copy) s = store->Close();
    if (!s.ok()) {
      std::fprintf(stderr, "newsflow restore: the restored store does not open: %s\n", s.message().c_str());
      *exit_code = 1;
      return;
    }
    std::string json = BackupJson(r, "");
    json.pop_back();
    std::printf("%s,\"restored_docs\":%llu,\"restored_dead_letters\":%llu}\n", json.c_str(),
                static_cast<unsigned long long>(c.docs), static_cast<unsigned long long>(c.dead_letters));
  });
}

}  // namespace

void RegisterOps(CLI::App& app, int* exit_code) {
  RegisterPrune(app, exit_code);
  RegisterBackup(app, exit_code);
  RegisterRestore(app, exit_code);
}

}  // namespace newsflow::cli
