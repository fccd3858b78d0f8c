// `newsflow backup` and `restore` when something is wrong, from the command
// line, on the bundled fixtures:
//   - a shared file damaged in the backup directory (a flipped bit, same
//     size) is found when the next backup is verified, copied afresh, and
//     both backups restore;
//   - a damaged newest backup is listed (damaged) and never skipped for an
//     older one by "restore the latest"; an older one restores when named;
//   - a backup directory overlapping the store is a usage error (exit 2);
//   - a backup directory holding another store's backups is refused;
//   - a backup (and a retag) while a standalone prune holds the store waits
//     for it, names its pid when it gives up, and is then taken by itself;
//   - a run removes the results in writer-requests/ nobody collected.
// Assertions read exit codes, the JSON the commands print and `query --count`.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "json_util.h"
#include "pipeline/job/writer_requests.h"
#include "run_child.h"
#include "test_util.h"

namespace newsflow::pipeline {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::JsonObject;
using testing::ReadFile;
using testing::Newsflow;
using testing::RunChild;
using testing::RunShell;
using testing::SourcePath;
using testing::TempDir;

uint64_t CountOf(const std::string& db) {
  const auto r = RunShell(Newsflow() + " query --count --db " + db);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return std::stoull(r.out.empty() ? "0" : r.out);
}

std::string RunFixture(const std::string& feed, const std::string& db) {
  return Newsflow() + " run -q --source file:" + SourcePath("tests/fixtures/" + feed + "-sample.jsonl") +
         " --format " + feed + " --rules " + SourcePath("rules/sets") + " --db " + db;
}

testing::CommandResult Backup(const std::string& db, const std::string& to, const std::string& more = "") {
  return RunShell(Newsflow() + " backup --db " + db + " --to " + to + " " + more);
}

testing::CommandResult Restore(const std::string& from, const std::string& db, const std::string& more = "") {
  return RunShell(Newsflow() + " restore --from " + from + " --db " + db + " " + more);
}

// The largest file directly in `dir`.
fs::path LargestFileIn(const fs::path& dir) {
  fs::path best;
  uintmax_t size = 0;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_regular_file() && e.file_size() > size) {
      size = e.file_size();
      best = e.path();
    }
  return best;
}

// Flips every bit of the byte in the middle of `p`: same size, other content.
void FlipAByte(const fs::path& p) {
  std::fstream f(p, std::ios::in | std::ios::out | std::ios::binary);
  const auto mid = static_cast<std::streamoff>(fs::file_size(p) / 2);
  f.seekg(mid);
  char c = 0;
  f.get(c);
  f.seekp(mid);
  f.put(static_cast<char>(~c));
}

TEST(BackupCli, ANewBackupFindsADamagedSharedFileCopiesItAfreshAndBothBackupsRestore) {
  TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  const uint64_t docs = CountOf(db);
  ASSERT_GT(docs, 0u);
  const auto b1 = Backup(db, backups);
  ASSERT_EQ(b1.exit_code, 0) << b1.err;
  EXPECT_FALSE(JsonObject::LastLine(b1.out).Has("replaced"));

  // A bit flips in the shared SST the next backup reuses by its name.
  const fs::path damaged = LargestFileIn(fs::path(backups) / "shared_checksum");
  ASSERT_FALSE(damaged.empty());
  FlipAByte(damaged);

  const auto b2 = Backup(db, backups);
  ASSERT_EQ(b2.exit_code, 0) << b2.err;
  const JsonObject backup2 = JsonObject::LastLine(b2.out);
  EXPECT_EQ(backup2.Strings("replaced"), std::set<std::string>{"shared_checksum/" + damaged.filename().string()});
  EXPECT_FALSE(backup2.Bool("damaged"));

  // The new backup restores, and so does the old one sharing the file.
  const auto r2 = Restore(backups, tmp.path("r2"));
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_EQ(JsonObject::LastLine(r2.out).Uint("backup_id"), backup2.Uint("backup_id"));
  EXPECT_EQ(CountOf(tmp.path("r2")), docs);
  const auto r1 = Restore(backups, tmp.path("r1"), "--backup-id 1");
  ASSERT_EQ(r1.exit_code, 0) << r1.err;
  EXPECT_EQ(CountOf(tmp.path("r1")), docs);
}

TEST(BackupCli, ADamagedNewestBackupIsListedAndNeverSkippedForAnOlderOne) {
  TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  const uint64_t docs1 = CountOf(db);
  ASSERT_EQ(Backup(db, backups).exit_code, 0);
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  ASSERT_GT(CountOf(db), docs1);
  const auto b2 = Backup(db, backups);
  ASSERT_EQ(b2.exit_code, 0) << b2.err;
  ASSERT_EQ(JsonObject::LastLine(b2.out).Uint("backup_id"), 2u);

  // Backup 2 loses a file of its own: RocksDB holds it damaged (and leaves
  // it out of its list).
  const fs::path own = LargestFileIn(fs::path(backups) / "private" / "2");
  ASSERT_FALSE(own.empty());
  fs::remove(own);

  const auto list = RunShell(Newsflow() + " restore --list --from " + backups);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto listed = testing::JsonLines(list.out);
  ASSERT_EQ(listed.size(), 2u) << list.out;
  EXPECT_EQ(listed[0].Uint("backup_id"), 1u);
  EXPECT_FALSE(listed[0].Bool("damaged"));
  EXPECT_EQ(listed[1].Uint("backup_id"), 2u);
  EXPECT_TRUE(listed[1].Bool("damaged"));

  // "The latest" is backup 2: the restore fails and writes nothing.
  const auto latest = Restore(backups, tmp.path("r"));
  EXPECT_EQ(latest.exit_code, 1) << latest.out;
  EXPECT_FALSE(fs::exists(tmp.path("r") + "/CURRENT"));
  EXPECT_EQ(Restore(backups, tmp.path("r"), "--backup-id 2").exit_code, 1);
  EXPECT_FALSE(fs::exists(tmp.path("r") + "/CURRENT"));
  // Named, the older one restores.
  const auto older = Restore(backups, tmp.path("r"), "--backup-id 1");
  ASSERT_EQ(older.exit_code, 0) << older.err;
  EXPECT_EQ(JsonObject::LastLine(older.out).Uint("restored_docs"), docs1);
}

// A file of the wrong size (cut short by a full disk or a copy that
// stopped) is found without reading it: RocksDB's open does not check sizes
// of the files a backup shares, so the listing asks for them.
TEST(BackupCli, ABackupWithAFileCutShortIsListedDamagedAndNotRestored) {
  TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  ASSERT_EQ(Backup(db, backups).exit_code, 0);
  const fs::path shared = LargestFileIn(fs::path(backups) / "shared_checksum");
  ASSERT_FALSE(shared.empty());
  fs::resize_file(shared, fs::file_size(shared) / 2);
  const auto list = RunShell(Newsflow() + " restore --list --from " + backups);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto listed = testing::JsonLines(list.out);
  ASSERT_EQ(listed.size(), 1u) << list.out;
  EXPECT_EQ(listed[0].Uint("backup_id"), 1u);
  EXPECT_TRUE(listed[0].Bool("damaged")) << list.out;
  const auto r = Restore(backups, tmp.path("r"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_FALSE(fs::exists(tmp.path("r") + "/CURRENT"));
}

TEST(BackupCli, ABackupWithAFlippedBitIsFoundByVerifyAndFailsBeforeItsRestoreWritesAStore) {
  TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  ASSERT_EQ(Backup(db, backups).exit_code, 0);
  const auto whole = RunShell(Newsflow() + " restore --verify --from " + backups);
  EXPECT_EQ(whole.exit_code, 0) << whole.err;
  EXPECT_FALSE(JsonObject::LastLine(whole.out).Bool("damaged")) << whole.out;
  FlipAByte(LargestFileIn(fs::path(backups) / "shared_checksum"));
  // Same size: RocksDB lists it whole; the checksums find it.
  const auto listed = RunShell(Newsflow() + " restore --list --from " + backups);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_FALSE(JsonObject::LastLine(listed.out).Bool("damaged")) << listed.out;
  // --verify reads every file, as a restore does first.
  const auto verified = RunShell(Newsflow() + " restore --verify --from " + backups);
  EXPECT_EQ(verified.exit_code, 1) << verified.out;
  EXPECT_TRUE(JsonObject::LastLine(verified.out).Bool("damaged")) << verified.out;
  EXPECT_NE(JsonObject::LastLine(verified.out).String("damage").find("shared_checksum/"), std::string::npos)
      << verified.out;
  const auto r = Restore(backups, tmp.path("r"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_FALSE(fs::exists(tmp.path("r") + "/CURRENT"));
}

// A restore goes through a directory beside the target, renamed to it when
// whole: what an interrupted one left there (here: a made-up leftover) is
// replaced, the target is a store or nothing, and a target given with a
// trailing slash, or as a link to a directory, is restored into. A run on a
// directory that holds files but no store (what an interrupted restore of
// the old kind left: one .sst) refuses it and deletes nothing; RocksDB
// would have made an empty store there and deleted the .sst.
TEST(BackupCli, ARestoreAppearsWholeOrNotAtAllAndARunRefusesADirectoryWithFilesButNoStore) {
  TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  const uint64_t docs = CountOf(db);
  ASSERT_GT(docs, 0u);
  ASSERT_EQ(Backup(db, backups).exit_code, 0);
  fs::create_directories(tmp.path(".r.restoring"));
  std::ofstream(tmp.path(".r.restoring/000033.sst")) << "left by an interrupted restore";
  auto r = Restore(backups, tmp.path("r") + "/");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CountOf(tmp.path("r")), docs);
  EXPECT_FALSE(fs::exists(tmp.path(".r.restoring"))) << "the staging directory was left";
  // An empty directory made for it keeps its mode (an operator's, for the service user).
  fs::create_directories(tmp.path("made"));
  fs::permissions(tmp.path("made"), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  r = Restore(backups, tmp.path("made"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fs::status(tmp.path("made")).permissions() & fs::perms::all,
            fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec);
  EXPECT_EQ(CountOf(tmp.path("made")), docs);
  fs::create_directories(tmp.path("elsewhere/empty"));
  fs::create_directory_symlink(tmp.path("elsewhere/empty"), tmp.path("link"));
  r = Restore(backups, tmp.path("link"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(tmp.path("link")));
  EXPECT_EQ(CountOf(tmp.path("elsewhere/empty")), docs);

  fs::create_directories(tmp.path("half"));
  std::ofstream(tmp.path("half/000033.sst")) << "x";
  const auto run = RunShell(RunFixture("cls", tmp.path("half")));
  EXPECT_NE(run.exit_code, 0);
  EXPECT_NE(run.err.find("no store"), std::string::npos) << run.err;
  EXPECT_TRUE(fs::exists(tmp.path("half/000033.sst")));
  EXPECT_FALSE(fs::exists(tmp.path("half/CURRENT")));
  // The files RocksDB writes before CURRENT do not count: a store whose
  // creation was interrupted is created.
  fs::create_directories(tmp.path("begun"));
  std::ofstream(tmp.path("begun/LOCK"));
  std::ofstream(tmp.path("begun/LOG")) << "x";
  EXPECT_EQ(RunShell(RunFixture("cls", tmp.path("begun"))).exit_code, 0);
  EXPECT_GT(CountOf(tmp.path("begun")), 0u);
}

TEST(BackupCli, ABackupDirectoryOverlappingTheStoreIsAUsageError) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  fs::create_directory_symlink(db, tmp.path("link"));
  for (const std::string& to : {db, db + "/", db + "/backups", db + "/../db/b", tmp.path("link") + "/b", tmp.path(),
                                tmp.path("link")}) {
    const auto r = Backup(db, to);
    EXPECT_EQ(r.exit_code, 2) << to << "\n" << r.err;
  }
  EXPECT_FALSE(fs::exists(db + "/backups"));
  EXPECT_FALSE(fs::exists(db + "/b"));
  EXPECT_FALSE(fs::exists(db + "/meta"));
  // Beside the store is fine.
  EXPECT_EQ(Backup(db, tmp.path("db-backups")).exit_code, 0);
}

// A directory that holds files but no backup (a rules directory, a home
// directory): `backup --to` put meta/, private/ and shared_checksum/ among
// its files, and `restore --from ... --list` answered RocksDB's "meta is
// missing" after creating its lock file there. Now the backup is a usage
// error, the listing, restore and purge say it is no backup directory, and
// the directory is left as it was. A new or empty directory, or one a
// backup made (a lock file alone: a backup that stopped first), is fine.
TEST(BackupCli, ADirectoryWithFilesButNoBackupIsLeftAsItWas) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  const std::string other = tmp.path("rules");
  fs::create_directory(other);
  std::ofstream(other + "/a.yaml") << "rules: []\n";
  auto entries = [](const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  };
  const auto before = entries(other);
  const auto backup = Backup(db, other);
  EXPECT_EQ(backup.exit_code, 2) << backup.err;
  EXPECT_NE(backup.err.find("no backup"), std::string::npos) << backup.err;
  const auto listed = RunShell(Newsflow() + " restore --from " + other + " --list");
  EXPECT_EQ(listed.exit_code, 1) << listed.err;
  EXPECT_NE(listed.err.find("not a backup directory"), std::string::npos) << listed.err;
  const auto restored = Restore(other, tmp.path("restored"));
  EXPECT_EQ(restored.exit_code, 1) << restored.err;
  EXPECT_FALSE(fs::exists(tmp.path("restored")));
  EXPECT_EQ(entries(other), before) << "a command changed a directory that holds no backup";
  // A lock file alone (a backup that stopped before its first) and an
  // empty directory take a backup.
  fs::create_directory(tmp.path("stopped"));
  std::ofstream(tmp.path("stopped") + "/newsflow.lock").flush();
  fs::create_directory(tmp.path("empty"));
  // A fresh disk's mount point (lost+found), and what an engine that
  // stopped before meta/ left (its directories, empty).
  fs::create_directories(tmp.path("mount") + "/lost+found");
  fs::create_directories(tmp.path("half") + "/private");
  fs::create_directories(tmp.path("half") + "/shared_checksum");
  // But not those names holding files (the engine's garbage collection
  // deletes the files no backup names), nor hidden files (a home directory).
  for (const std::string file : {"/shared_checksum/notes.txt", "/private/2023/taxes.pdf", "/shared/a.txt",
                                  "/.bashrc"}) {
    const std::string dir = tmp.path("looks-like" + std::to_string(file.size()));
    fs::create_directories(fs::path(dir + file).parent_path());
    std::ofstream(dir + file) << "mine\n";
    const auto r = Backup(db, dir, "--keep 1");
    EXPECT_EQ(r.exit_code, 2) << file << "\n" << r.err;
    EXPECT_TRUE(fs::exists(dir + file)) << file;
    EXPECT_FALSE(fs::exists(dir + "/meta")) << file;
  }
  for (const std::string& to : {tmp.path("stopped"), tmp.path("empty"), tmp.path("mount"), tmp.path("half")}) {
    const auto r = Backup(db, to);
    ASSERT_EQ(r.exit_code, 0) << to << "\n" << r.err;
    ASSERT_EQ(Backup(db, to).exit_code, 0) << "a second backup into " << to;
    const auto list = RunShell(Newsflow() + " restore --from " + to + " --list");
    EXPECT_EQ(testing::JsonLines(list.out).size(), 2u) << list.out << list.err;
  }
}

// Backups of two stores in one directory were listed alike, and `--keep 1`
// after the second store's backup deleted the first store's only one. A
// directory holding another store's backup is now refused, by a backup
// command and by a run serving one; a store restored from a backup is the
// same store and goes on in its directory.
TEST(BackupCli, ABackupIntoAnotherStoresDirectoryIsRefusedAndItsBackupsStay) {
  TempDir tmp;
  const std::string a = tmp.path("a"), b = tmp.path("b"), to = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("ths", a)).exit_code, 0);
  ASSERT_EQ(RunShell(RunFixture("cls", b)).exit_code, 0);
  const auto first = Backup(a, to);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::string store_a = JsonObject::LastLine(first.out).String("store");
  EXPECT_EQ(store_a.size(), 32u) << first.out;

  const auto other = Backup(b, to, "--keep 1");
  EXPECT_EQ(other.exit_code, 1) << other.out;
  EXPECT_NE(other.err.find(store_a), std::string::npos) << other.err;  // names whose backups are there
  {  // the same through a run holding b (the writer takes the backup)
    RunChild run({"run", "--source", "-", "--format", "cls", "--rules", SourcePath("rules/sets"), "--db", b, "-q"},
                 tmp.path("out"), tmp.path("err"));
    ASSERT_TRUE(run.started());
    const auto until = std::chrono::steady_clock::now() + 30s;
    while (WhoHoldsStore(b).kind != StoreHolder::kServingWriter && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(50ms);
    const auto served = Backup(b, to, "--keep 1");
    EXPECT_EQ(served.exit_code, 1) << served.out;
    EXPECT_NE(served.err.find(store_a), std::string::npos) << served.err;
    const auto own = Backup(b, tmp.path("b-backups"));
    ASSERT_EQ(own.exit_code, 0) << own.err;
    EXPECT_EQ(JsonObject::LastLine(own.out).String("taken_by"), "writer");
    const std::string store_b = JsonObject::LastLine(own.out).String("store");
    EXPECT_EQ(store_b.size(), 32u) << own.out;
    EXPECT_NE(store_b, store_a);
    run.CloseInput();
    ASSERT_EQ(run.WaitExit(60s), 0) << testing::ReadFile(tmp.path("err"));
  }
  // a's backup is the only one there, whole, and restores a's documents.
  const auto listed = RunShell(Newsflow() + " restore --list --from " + to);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(std::count(listed.out.begin(), listed.out.end(), '\n'), 1) << listed.out;
  EXPECT_EQ(JsonObject::LastLine(listed.out).String("store"), store_a);
  const auto restored = Restore(to, tmp.path("a2"));
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(CountOf(tmp.path("a2")), CountOf(a));

  // Restored as a copy (a second node beside a), it is another store: its
  // backup there is refused, and a's backups stay.
  ASSERT_EQ(Restore(to, tmp.path("copy"), "--as-copy").exit_code, 0);
  EXPECT_EQ(CountOf(tmp.path("copy")), CountOf(a));
  const auto copy = Backup(tmp.path("copy"), to, "--keep 1");
  EXPECT_EQ(copy.exit_code, 1) << copy.out;
  EXPECT_NE(copy.err.find(store_a), std::string::npos) << copy.err;
  // Restored plainly, the store is a, recovered: its backups go on beside
  // a's, and --keep counts them together.
  const auto again = Backup(tmp.path("a2"), to, "--keep 1");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(JsonObject::LastLine(again.out).String("store"), store_a);
  EXPECT_EQ(JsonObject::LastLine(again.out).Uint("purged"), 1u);
}

// A restore replaced a file at --db with the store's directory (its content
// gone), and one into the backup directory wrote over the backup it read
// (`--list` then failed on meta/1). Both are refused, and leave the file
// and the backups as they were.
TEST(BackupCli, ARestoreOntoAFileOrIntoTheBackupDirectoryIsRefused) {
  TempDir tmp;
  const std::string db = tmp.path("db"), backups = tmp.path("backups");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  ASSERT_EQ(Backup(db, backups).exit_code, 0);
  std::ofstream(tmp.path("precious.txt")) << "important";
  fs::create_symlink(tmp.path("precious.txt"), tmp.path("link-to-file"));
  for (const std::string& onto : {tmp.path("precious.txt"), tmp.path("link-to-file")}) {
    const auto r = Restore(backups, onto);
    EXPECT_NE(r.exit_code, 0) << onto;
  }
  EXPECT_TRUE(fs::is_regular_file(tmp.path("precious.txt")));
  EXPECT_EQ(ReadFile(tmp.path("precious.txt")), "important");
  for (const std::string& into : {backups + "/meta/1", backups + "/r", backups, tmp.path("backups/../backups/x")}) {
    const auto r = Restore(backups, into);
    EXPECT_NE(r.exit_code, 0) << into;
  }
  const auto listed = RunShell(Newsflow() + " restore --list --from " + backups);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_FALSE(fs::exists(backups + "/r"));
  // Beside the backups is fine.
  const auto r = Restore(backups, tmp.path("restored"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(CountOf(tmp.path("restored")), CountOf(db));
}

// `prune` holding the store, batch by batch (the test hook holds each batch).
class HeldByPrune {
 public:
  HeldByPrune(const TempDir& tmp, const std::string& db) {
    ::setenv("NEWSFLOW_TEST_PRUNE_HOLD_MS", "400", 1);
    prune_ = std::make_unique<RunChild>(
        std::vector<std::string>{"prune", "--db", db, "--before", "2100-01-01", "--batch", "10"},
        tmp.path("prune.out"), tmp.path("prune.err"));
    ::unsetenv("NEWSFLOW_TEST_PRUNE_HOLD_MS");
    const auto until = std::chrono::steady_clock::now() + 20s;
    while (StoreWriterPid(db) != prune_->pid() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(10ms);
  }
  RunChild& child() { return *prune_; }

 private:
  std::unique_ptr<RunChild> prune_;
};

TEST(BackupCli, ABackupWhileAStandalonePruneHoldsTheStoreWaitsForItAndIsTakenByItself) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  ASSERT_GT(CountOf(db), 20u);  // several batches of 10, 400 ms each
  HeldByPrune held(tmp, db);
  ASSERT_EQ(StoreWriterPid(db), held.child().pid());
  EXPECT_EQ(WhoHoldsStore(db).kind, StoreHolder::kOther);

  // Not long enough: it gives up naming the holder.
  const auto quick = Backup(db, tmp.path("backups"), "--timeout 0.3");
  EXPECT_EQ(quick.exit_code, 1);
  EXPECT_NE(quick.err.find(std::to_string(held.child().pid())), std::string::npos) << quick.err;

  // Long enough: it waits for the prune to end and takes the backup itself.
  const auto waited = Backup(db, tmp.path("backups"), "--timeout 120");
  ASSERT_EQ(waited.exit_code, 0) << waited.err;
  const JsonObject b = JsonObject::LastLine(waited.out);
  EXPECT_EQ(b.String("taken_by"), "backup");
  ASSERT_EQ(held.child().WaitExit(60s), 0);
  EXPECT_EQ(b.Uint("docs"), CountOf(db));
}

TEST(BackupCli, ARetagWhileAStandalonePruneHoldsTheStoreWaitsForItAndDoesItItself) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  HeldByPrune held(tmp, db);
  ASSERT_EQ(StoreWriterPid(db), held.child().pid());
  const auto r = RunShell(Newsflow() + " retag --db " + db + " --rules " + SourcePath("rules/sets") +
                          " --rules-cache '' --timeout 120");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(JsonObject::LastLine(r.out).String("done_by"), "retag");
  EXPECT_EQ(held.child().WaitExit(60s), 0);
}

// A run (a service restarted while the nightly backup, a retag or a prune
// holds its store) exited at once with RocksDB's "While lock file ...:
// Resource temporarily unavailable", naming no one; under systemd its
// restarts ran out in 25 s. It waits for the command to end, saying for
// whom, then writes. Another run holding the store is an error naming it.
TEST(BackupCli, ARunWaitsForAStandaloneCommandHoldingTheStoreAndNamesARunThatWritesIt) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  ASSERT_EQ(RunShell(RunFixture("eastmoney", tmp.path("reference"))).exit_code, 0);
  const uint64_t eastmoney = CountOf(tmp.path("reference"));
  ASSERT_GT(eastmoney, 0u);
  HeldByPrune held(tmp, db);
  ASSERT_EQ(StoreWriterPid(db), held.child().pid());
  const auto other = RunShell(Newsflow() + " prune --db " + db + " --before 2020-01-01");
  EXPECT_EQ(other.exit_code, 1);
  EXPECT_NE(other.err.find("pid " + std::to_string(held.child().pid())), std::string::npos) << other.err;
  EXPECT_EQ(other.err.find("--retain"), std::string::npos) << "a prune holding the store takes no --retain: " << other.err;
  const auto r = RunShell(Newsflow() + " --log-format json" + RunFixture("eastmoney", db).substr(Newsflow().size()));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(held.child().WaitExit(60s), 0);
  bool said = false;
  for (const JsonObject& l : testing::JsonLines(r.err))
    said |= l.String("component") == "store" && l.String("level") == "warn" &&
            l.String("msg").find("pid " + std::to_string(held.child().pid())) != std::string::npos;
  EXPECT_TRUE(said) << r.err;
  EXPECT_EQ(CountOf(db), eastmoney) << "the run stored its file after the prune emptied the store";

  // A run holding the store: the second run is refused at once, naming it.
  RunChild writer({"run", "--source", "-", "--format", "cls", "--rules", SourcePath("rules/sets"), "--db", db, "-q"},
                  tmp.path("writer.out"), tmp.path("writer.err"));
  const auto until = std::chrono::steady_clock::now() + 20s;
  while (WhoHoldsStore(db).kind != StoreHolder::kServingWriter && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(WhoHoldsStore(db).kind, StoreHolder::kServingWriter);
  const auto second = RunShell(RunFixture("cls", db));
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("another run (pid " + std::to_string(writer.pid())), std::string::npos) << second.err;
  // A prune is refused naming the run, and told of --retain (the run's own
  // retention); a prune refused for a standalone command is not (above).
  const auto prune = RunShell(Newsflow() + " prune --db " + db + " --before 2020-01-01");
  EXPECT_EQ(prune.exit_code, 1);
  EXPECT_NE(prune.err.find("pid " + std::to_string(writer.pid())), std::string::npos) << prune.err;
  EXPECT_NE(prune.err.find("--retain"), std::string::npos) << prune.err;
  writer.CloseInput();
  EXPECT_EQ(writer.WaitExit(30s), 0);
}

// SIGTERM while a run waits for a standalone command to free the store is
// a stop like any other: exit 0, "interrupted", nothing read (it exited 1,
// and systemd marked a plain `systemctl stop` during the nightly backup as
// a failure).
TEST(BackupCli, SigtermWhileARunWaitsForTheStoreIsAnOrdinaryStop) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("cls", db)).exit_code, 0);
  const uint64_t before = CountOf(db);
  HeldByPrune held(tmp, db);
  ASSERT_EQ(StoreWriterPid(db), held.child().pid());
  RunChild run({"run", "--json", "-q", "--source", "file:" + SourcePath("tests/fixtures/eastmoney-sample.jsonl"),
                "--format", "eastmoney", "--rules", SourcePath("rules/sets"), "--db", db},
               tmp.path("run.out"), tmp.path("run.err"));
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(StoreWriterPid(db), held.child().pid()) << "the prune still holds the store";
  run.Signal(SIGTERM);
  ASSERT_EQ(run.WaitExit(10s), 0) << ReadFile(tmp.path("run.err"));
  const auto summary = JsonObject::LastLine(ReadFile(tmp.path("run.out")));
  EXPECT_TRUE(summary.Bool("interrupted"));
  EXPECT_EQ(summary.Uint("stored"), 0u);
  EXPECT_EQ(held.child().WaitExit(60s), 0);
  EXPECT_LE(CountOf(db), before);
}

TEST(BackupCli, ARunRemovesTheResultsNobodyCollectedAndServesBackups) {
  TempDir tmp;
  const std::string db = tmp.path("db");
  ASSERT_EQ(RunShell(RunFixture("ths", db)).exit_code, 0);
  const fs::path requests = fs::path(db) / "writer-requests";
  fs::create_directories(requests);
  const fs::path stale = requests / "1-deadbeef.result", fresh = requests / "2-cafef00d.result";
  std::ofstream(stale) << "ok 1 0 0 0 0 0 0 0";
  std::ofstream(fresh) << "ok 1 0 0 0 0 0 0 0";
  fs::last_write_time(stale, fs::file_time_type::clock::now() - kStaleResultAge - 1min);

  RunChild run({"run", "--source", "-", "--format", "ths", "--rules", SourcePath("rules/sets"), "--db", db, "-q"},
               tmp.path("out"), tmp.path("err"));
  ASSERT_TRUE(run.started());
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (fs::exists(stale) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_TRUE(fs::exists(fresh));  // a requester may still come for it
  EXPECT_EQ(WhoHoldsStore(db).kind, StoreHolder::kServingWriter);
  const auto b = Backup(db, tmp.path("backups"));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(JsonObject::LastLine(b.out).String("taken_by"), "writer");
  run.CloseInput();
  ASSERT_EQ(run.WaitExit(60s), 0) << testing::ReadFile(tmp.path("err"));
  EXPECT_EQ(WhoHoldsStore(db).kind, StoreHolder::kNone);
}

}  // namespace
}  // namespace newsflow::pipeline
