#pragma once
// A thin RAII layer over SQLite, opened through the Env's FileSystem (so the twin
// runs it on its simulated disk). Errors are values naming the statement's
// purpose and SQLite's message.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/core/result.hpp"
#include "runtime/env/file_system.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace tandem::config {

class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view value);
  // Steps once: true while there is a row, false when done, error on failure.
  Result<bool> step();
  std::int64_t column_int(int index) const;
  std::string column_text(int index) const;
  void reset();

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

class Database {
 public:
  // Opens (creating) `name` in `fs` with WAL and synchronous=FULL: a commit that
  // returned is on disk.
  static Result<std::unique_ptr<Database>> open(FileSystem& fs, std::string_view name);
  ~Database();

  Status exec(std::string_view sql);
  Result<Statement> prepare(std::string_view sql);
  std::int64_t changes() const;
  std::string last_error() const;

  // A write transaction: rolled back when destroyed without commit().
  class Transaction {
   public:
    explicit Transaction(Database& db) : db_(&db) {}
    Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
    ~Transaction();
    Status commit();

   private:
    Database* db_;
  };
  Result<Transaction> begin();

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  // Runs one of the transaction statements, prepared at its first use and
  // kept: a peer commits small batches all day, and parsing SQL costs more.
  Status run_kept(std::unique_ptr<Statement>& kept, std::string_view sql);

  sqlite3* db_;
  std::unique_ptr<Statement> begin_, commit_, rollback_;  // finalized before db_ closes (~Database)
};

}  // namespace tandem::config
