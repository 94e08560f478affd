#include "runtime/config/database.hpp"

#include <sqlite3.h>

namespace tandem::config {

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  return *this;
}

Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return make_error(std::string("database: ") + sqlite3_errmsg(db_));
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

std::string Statement::column_text(int index) const {
  const auto* text = sqlite3_column_text(stmt_, index);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, index)))
              : std::string();
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

Result<std::unique_ptr<Database>> Database::open(FileSystem& fs, std::string_view name) {
  const std::string path = fs.sqlite_path(name);
  const std::string vfs = fs.sqlite_vfs();
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 vfs.empty() ? nullptr : vfs.c_str());
  std::unique_ptr<Database> db(new Database(raw));
  if (rc != SQLITE_OK) return make_error("cannot open database " + path + ": " + db->last_error());
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto ok = db->exec(pragma); !ok) return make_error("cannot set up database " + path + ": " + ok.error().message);
  }
  return db;
}

Database::~Database() {
  begin_.reset();
  commit_.reset();
  rollback_.reset();
  sqlite3_close_v2(db_);
}

Status Database::run_kept(std::unique_ptr<Statement>& kept, std::string_view sql) {
  if (!kept) {
    auto prepared = prepare(sql);
    if (!prepared) return prepared.error();
    kept = std::make_unique<Statement>(std::move(prepared.value()));
  }
  auto done = kept->step();
  kept->reset();
  if (!done) return done.error();
  return {};
}

Status Database::exec(std::string_view sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string text = message ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return make_error("database: " + text);
}

Result<Statement> Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) != SQLITE_OK) {
    return make_error("database: cannot prepare '" + std::string(sql) + "': " + last_error());
  }
  return Statement(db_, stmt);
}

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

std::string Database::last_error() const { return db_ ? sqlite3_errmsg(db_) : "out of memory"; }

Result<Database::Transaction> Database::begin() {
  if (auto ok = run_kept(begin_, "BEGIN IMMEDIATE"); !ok) return ok.error();
  return Transaction(*this);
}

Database::Transaction::~Transaction() {
  if (db_) (void)db_->run_kept(db_->rollback_, "ROLLBACK");
}

Status Database::Transaction::commit() {
  Database* db = db_;
  db_ = nullptr;
  if (auto ok = db->run_kept(db->commit_, "COMMIT"); !ok) {
    (void)db->run_kept(db->rollback_, "ROLLBACK");
    return ok;
  }
  return {};
}

}  // namespace tandem::config
