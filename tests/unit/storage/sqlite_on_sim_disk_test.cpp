// SQLite on the twin's disk: with synchronous=FULL, a power loss at any point
// keeps exactly the transactions whose COMMIT returned (plus, at most, the one
// being committed), and the database always passes its integrity check.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "runtime/core/random.hpp"
#include "simulator/storage/sim_disk.hpp"

namespace tandem::sim {
namespace {

class Db {
 public:
  Db(SimDisk& disk, const std::string& journal_mode) {
    FileSystem& fs = disk.file_system();
    const std::string path = fs.sqlite_path("peer.db");
    ok_ = sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                          fs.sqlite_vfs().c_str()) == SQLITE_OK;
    ok_ = ok_ && exec("PRAGMA journal_mode=" + journal_mode) && exec("PRAGMA synchronous=FULL") &&
          exec("CREATE TABLE IF NOT EXISTS item(txn INTEGER, n INTEGER, payload BLOB)");
  }
  ~Db() { sqlite3_close_v2(db_); }

  bool ok() const { return ok_; }
  bool exec(const std::string& sql) { return sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK; }
  std::string error() const { return sqlite3_errmsg(db_); }
  std::int64_t scalar(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    std::int64_t value = -1;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    }
    sqlite3_finalize(stmt);
    return value;
  }
  std::string integrity() {
    sqlite3_stmt* stmt = nullptr;
    std::string result = "no answer";
    if (sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    }
    sqlite3_finalize(stmt);
    return result;
  }

 private:
  sqlite3* db_ = nullptr;
  bool ok_ = false;
};

// Runs transactions of random size until the planned power loss strikes; returns
// the rows committed (COMMIT returned ok) and the rows of the one in flight.
struct Outcome {
  std::int64_t committed_rows = 0;
  std::int64_t in_flight_rows = 0;
};

Outcome write_until_crash(SimDisk& disk, const std::string& mode, Random& rng, std::uint64_t crash_after_ops,
                          int first_txn) {
  Outcome out;
  Db db(disk, mode);
  EXPECT_TRUE(db.ok()) << db.error();
  out.committed_rows = db.scalar("SELECT count(*) FROM item");
  disk.crash_after(crash_after_ops);
  for (int txn = 0; txn < 40; ++txn) {
    const auto rows = static_cast<int>(rng.between(1, 30));
    if (!db.exec("BEGIN")) return out;
    out.in_flight_rows = rows;
    for (int n = 0; n < rows; ++n) {
      const std::string sql = "INSERT INTO item VALUES(" + std::to_string(first_txn + txn) + "," + std::to_string(n) +
                              ", randomblob(" + std::to_string(rng.between(10, 3000)) + "))";
      if (!db.exec(sql)) return out;
    }
    if (!db.exec("COMMIT")) return out;
    out.committed_rows += rows;
    out.in_flight_rows = 0;
  }
  return out;
}

void check_crash_consistency(const std::string& mode) {
  Random rng(Random::derive_seed(99, mode));
  for (int round = 0; round < 60; ++round) {
    SimDisk disk("h1");
    std::int64_t expected = 0;
    for (int life = 0; life < 3; ++life) {  // crash, reopen, write more, crash again
      const Outcome out = write_until_crash(disk, mode, rng, rng.between(1, 400), life * 1000);
      disk.crash();
      Db reopened(disk, mode);
      ASSERT_TRUE(reopened.ok()) << reopened.error();
      ASSERT_EQ(reopened.integrity(), "ok") << mode << " round " << round;
      const std::int64_t rows = reopened.scalar("SELECT count(*) FROM item");
      ASSERT_TRUE(rows == out.committed_rows || rows == out.committed_rows + out.in_flight_rows)
          << mode << " round " << round << ": " << rows << " rows, committed " << out.committed_rows
          << " in flight " << out.in_flight_rows;
      expected = rows;
      // No transaction is ever half there.
      ASSERT_EQ(reopened.scalar("SELECT count(*) FROM (SELECT txn, count(*) c, max(n) m FROM item GROUP BY txn "
                                "HAVING c != m + 1)"),
                0);
    }
    EXPECT_GE(expected, 0);
  }
}

TEST(SqliteOnSimDisk, WalKeepsExactlyTheCommittedTransactionsAcrossPowerLoss) { check_crash_consistency("WAL"); }

TEST(SqliteOnSimDisk, RollbackJournalKeepsExactlyTheCommittedTransactionsAcrossPowerLoss) {
  check_crash_consistency("DELETE");
}

TEST(SqliteOnSimDisk, CommittedDataSurvivesAPlainCrash) {
  SimDisk disk("h1");
  {
    Db db(disk, "WAL");
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db.exec("INSERT INTO item VALUES(1, 0, 'kept')"));
    ASSERT_TRUE(db.exec("BEGIN"));
    ASSERT_TRUE(db.exec("INSERT INTO item VALUES(2, 0, 'lost')"));
    disk.crash();  // the transaction never committed
  }
  Db db(disk, "WAL");
  ASSERT_TRUE(db.ok()) << db.error();
  EXPECT_EQ(db.scalar("SELECT count(*) FROM item"), 1);
  EXPECT_EQ(db.scalar("SELECT txn FROM item"), 1);
  EXPECT_EQ(db.integrity(), "ok");
}

TEST(SqliteOnSimDisk, InjectedWriteErrorsFailTheTransactionAndLoseNothing) {
  SimDisk disk("h1");
  Db db(disk, "WAL");
  ASSERT_TRUE(db.exec("INSERT INTO item VALUES(1, 0, 'kept')"));
  disk.set_fail_writes(true);
  const bool committed = db.exec("INSERT INTO item VALUES(2, 0, randomblob(100000))");
  EXPECT_FALSE(committed);
  disk.set_fail_writes(false);
  EXPECT_EQ(db.scalar("SELECT count(*) FROM item"), 1);
  EXPECT_EQ(db.integrity(), "ok");
}

}  // namespace
}  // namespace tandem::sim
