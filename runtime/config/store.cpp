#include "runtime/config/store.hpp"

#include <set>

namespace tandem::config {
namespace {

// Migration k brings the database from version k to k + 1. Append only: a
// released migration is never edited.
const char* const kMigrations[] = {
    R"sql(
      CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE config(path TEXT PRIMARY KEY, value TEXT NOT NULL, scope INTEGER NOT NULL,
                          revision INTEGER NOT NULL DEFAULT 0);
      CREATE TABLE config_log(id INTEGER PRIMARY KEY AUTOINCREMENT, wall_ns INTEGER NOT NULL,
                              actor TEXT NOT NULL, path TEXT NOT NULL,
                              old_value TEXT NOT NULL, new_value TEXT NOT NULL);
    )sql",
    R"sql(
      CREATE TABLE event_log(id INTEGER PRIMARY KEY AUTOINCREMENT, wall_ns INTEGER NOT NULL,
                             kind TEXT NOT NULL, detail TEXT NOT NULL);
    )sql",
};
static_assert(std::size(kMigrations) == Store::kSchemaVersion);

constexpr char kMasked[] = "(secret)";

}  // namespace

Store::Lease::~Lease() {
  if (!p_) return;
  p_->statement.reset();
  p_->leased = false;
}

Result<Store::Lease> Store::statement(std::string_view sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    auto prepared = db_->prepare(sql);
    if (!prepared) return prepared.error();
    it = statements_.emplace(std::string(sql), Prepared{std::move(prepared.value())}).first;
  }
  TANDEM_ASSERT(!it->second.leased);  // one use at a time: a second lease would reset the first mid-read
  return Lease(it->second);
}

Result<std::unique_ptr<Store>> Store::open(FileSystem& fs, const Schema& schema, std::string_view name) {
  auto db = Database::open(fs, name);
  if (!db) return db.error();
  std::unique_ptr<Store> store(new Store(std::move(db.value()), schema));
  if (auto ok = store->migrate(); !ok) return make_error("configuration database " + std::string(name) + ": " + ok.error().message);
  return store;
}

Status Store::migrate() {
  auto stmt = db_->prepare("PRAGMA user_version");
  if (!stmt) return stmt.error();
  if (auto row = stmt->step(); !row) return row.error();
  version_ = static_cast<int>(stmt->column_int(0));
  if (version_ > kSchemaVersion) {
    return make_error("schema version " + std::to_string(version_) + " is newer than this software's (" +
                      std::to_string(kSchemaVersion) + "); refusing to touch it");
  }
  while (version_ < kSchemaVersion) {
    auto txn = db_->begin();
    if (!txn) return txn.error();
    if (auto ok = db_->exec(kMigrations[version_]); !ok) return ok;
    if (auto ok = db_->exec("PRAGMA user_version=" + std::to_string(version_ + 1)); !ok) return ok;
    if (auto ok = txn->commit(); !ok) return ok;
    ++version_;
  }
  return {};
}

Result<std::vector<Store::Validated>> Store::validate(const std::vector<Change>& changes) const {
  std::vector<Validated> out;
  out.reserve(changes.size());
  for (const Change& change : changes) {
    auto where = schema_.resolve(change.path);
    if (!where) return where.error();
    auto value = check_value(*where->spec, where->path, change.value);
    if (!value) return value.error();
    out.push_back(Validated{std::move(where.value()), std::move(value.value())});
  }
  return out;
}

Result<std::string> Store::get(std::string_view path) {
  auto where = schema_.resolve(path);
  if (!where) return where.error();
  auto lease = statement("SELECT value FROM config WHERE path = ?1");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, where->path);
  auto row = stmt.step();
  if (!row) return row.error();
  return *row ? stmt.column_text(0) : where->spec->default_value;
}

Result<std::size_t> Store::apply(const std::vector<Change>& changes, std::string_view actor, WallTime at,
                                 std::int64_t revision, const Meta& meta) {
  auto validated = validate(changes);
  if (!validated) return validated.error();
  return commit_batch(*validated, std::vector<std::int64_t>(validated->size(), revision), actor, at, meta);
}

Result<std::size_t> Store::commit_batch(const std::vector<Validated>& values, const std::vector<std::int64_t>& revisions,
                                        std::string_view actor, WallTime at, const Meta& meta) {
  auto txn = db_->begin();
  if (!txn) return txn.error();
  auto changed = write(values, revisions, actor, at);
  if (!changed) return changed.error();
  if (auto ok = write_meta(meta); !ok) return ok.error();
  if (auto ok = txn->commit(); !ok) return ok.error();
  return changed;
}

Result<std::size_t> Store::apply_replicated(const std::vector<StoredItem>& items, std::string_view actor, WallTime at,
                                            const Meta& meta) {
  std::vector<Change> changes;
  std::vector<std::int64_t> revisions;
  for (const StoredItem& item : items) {
    changes.push_back(Change{item.path, item.value});
    revisions.push_back(item.revision);
  }
  auto validated = validate(changes);
  if (!validated) return validated.error();
  for (const Validated& v : *validated) {
    if (v.where.spec->scope != Scope::Replicated) return make_error(v.where.path + " is peer-specific: it is never replicated");
  }
  return commit_batch(*validated, revisions, actor, at, meta);
}

Result<std::size_t> Store::replace_replicated(const std::vector<StoredItem>& items, std::string_view actor, WallTime at,
                                              const Meta& meta) {
  auto current = this->items(Scope::Replicated);
  if (!current) return current.error();
  std::vector<StoredItem> all = items;
  std::set<std::string> kept;
  for (const StoredItem& item : items) {
    auto where = schema_.resolve(item.path);
    if (where) kept.insert(where->path);
  }
  for (const StoredItem& old : *current) {
    if (kept.count(old.path)) continue;
    auto where = schema_.resolve(old.path);
    if (where) all.push_back(StoredItem{old.path, where->spec->default_value, 0});
  }
  return apply_replicated(all, actor, at, meta);
}

Result<std::size_t> Store::write(const std::vector<Validated>& values, const std::vector<std::int64_t>& revisions,
                                 std::string_view actor, WallTime at) {
  auto read = statement("SELECT value FROM config WHERE path = ?1");
  auto upsert = statement(
      "INSERT INTO config(path, value, scope, revision) VALUES(?1, ?2, ?3, ?4) "
      "ON CONFLICT(path) DO UPDATE SET value = excluded.value, revision = excluded.revision");
  auto log = statement(
      "INSERT INTO config_log(wall_ns, actor, path, old_value, new_value) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!read || !upsert || !log) return (!read ? read.error() : !upsert ? upsert.error() : log.error());
  Statement& read_stmt = **read;
  Statement& upsert_stmt = **upsert;
  Statement& log_stmt = **log;
  std::size_t changed = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const Validated& v = values[i];
    read_stmt.reset();
    read_stmt.bind(1, v.where.path);
    auto row = read_stmt.step();
    if (!row) return row.error();
    const std::string old_value = *row ? read_stmt.column_text(0) : v.where.spec->default_value;
    if (old_value == v.value) continue;
    upsert_stmt.reset();
    upsert_stmt.bind(1, v.where.path).bind(2, v.value).bind(3, static_cast<std::int64_t>(v.where.spec->scope)).bind(4, revisions[i]);
    if (auto done = upsert_stmt.step(); !done) return done.error();
    const bool secret = v.where.spec->secret;
    log_stmt.reset();
    log_stmt.bind(1, to_ns(at)).bind(2, actor).bind(3, v.where.path);
    log_stmt.bind(4, secret ? std::string_view(kMasked) : std::string_view(old_value));
    log_stmt.bind(5, secret ? std::string_view(kMasked) : std::string_view(v.value));
    if (auto done = log_stmt.step(); !done) return done.error();
    ++changed;
  }
  return changed;
}

Status Store::write_meta(const Meta& meta) {
  for (const auto& [key, value] : meta) {
    if (auto ok = set_meta(key, value); !ok) return ok;
  }
  return {};
}

Result<std::vector<StoredItem>> Store::items(Scope scope, std::optional<std::int64_t> after_revision) {
  auto lease =
      after_revision
          ? statement("SELECT path, value, revision FROM config WHERE scope = ?1 AND revision > ?2 ORDER BY path")
          : statement("SELECT path, value, revision FROM config WHERE scope = ?1 ORDER BY path");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, static_cast<std::int64_t>(scope));
  if (after_revision) stmt.bind(2, *after_revision);
  std::vector<StoredItem> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(StoredItem{stmt.column_text(0), stmt.column_text(1), stmt.column_int(2)});
  }
}

Result<std::vector<LogEntry>> Store::log(std::size_t limit) {
  auto lease = statement(
      "SELECT id, wall_ns, actor, path, old_value, new_value FROM config_log ORDER BY id DESC LIMIT ?1");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, static_cast<std::int64_t>(limit));
  std::vector<LogEntry> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(LogEntry{stmt.column_int(0), WallTime(Duration(stmt.column_int(1))), stmt.column_text(2),
                           stmt.column_text(3), stmt.column_text(4), stmt.column_text(5)});
  }
}

Status Store::add_event(WallTime at, std::string_view kind, std::string_view detail) {
  auto lease = statement("INSERT INTO event_log(wall_ns, kind, detail) VALUES(?1, ?2, ?3)");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, to_ns(at)).bind(2, kind).bind(3, detail);
  auto done = stmt.step();
  if (!done) return done.error();
  return {};
}

Result<std::vector<Event>> Store::events(std::size_t limit) {
  auto lease = statement("SELECT id, wall_ns, kind, detail FROM event_log ORDER BY id DESC LIMIT ?1");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, static_cast<std::int64_t>(limit));
  std::vector<Event> out;
  for (;;) {
    auto row = stmt.step();
    if (!row) return row.error();
    if (!*row) return out;
    out.push_back(Event{stmt.column_int(0), WallTime(Duration(stmt.column_int(1))), stmt.column_text(2), stmt.column_text(3)});
  }
}

Result<std::string> Store::meta(std::string_view key) {
  auto lease = statement("SELECT value FROM meta WHERE key = ?1");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, key);
  auto row = stmt.step();
  if (!row) return row.error();
  return *row ? stmt.column_text(0) : std::string();
}

Status Store::set_meta(std::string_view key, std::string_view value) {
  auto lease = statement("INSERT INTO meta(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!lease) return lease.error();
  Statement& stmt = **lease;
  stmt.bind(1, key).bind(2, value);
  auto done = stmt.step();
  if (!done) return done.error();
  return {};
}

}  // namespace tandem::config
