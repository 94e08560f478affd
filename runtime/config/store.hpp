#pragma once
// The peer's configuration store: one SQLite database (WAL, synchronous=FULL)
// with a schema version and forward migrations. A write is a batch of changes
// that is validated whole against the Schema first and then committed in one
// transaction: either every change is on disk when apply() returns, or none is
// and the error names the refused item and rule.
//
// Items never written read as their schema default. Replicated rows carry the
// primary's revision they were written at; every change is in the
// configuration log (secrets masked).

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/config/database.hpp"
#include "runtime/config/schema.hpp"
#include "runtime/core/time.hpp"

namespace tandem::config {

struct Change {
  std::string path;
  std::string value;
};

struct LogEntry {
  std::int64_t id = 0;
  WallTime at{};
  std::string actor;
  std::string path;
  std::string old_value;
  std::string new_value;
};

// The event log: what happened on this peer (alarms, restarts...), not config.
struct Event {
  std::int64_t id = 0;
  WallTime at{};
  std::string kind;
  std::string detail;
};

struct StoredItem {
  std::string path;
  std::string value;
  std::int64_t revision = 0;
};

class Store {
 public:
  static constexpr int kSchemaVersion = 2;

  // Opens or creates the database `name` in `fs`, migrating it to
  // kSchemaVersion. Refuses a database written by newer software.
  static Result<std::unique_ptr<Store>> open(FileSystem& fs, const Schema& schema,
                                             std::string_view name = "tandem.db");

  int version() const { return version_; }
  const Schema& schema() const { return schema_; }

  // The value at `path` (stored, or the default); error for an unknown item.
  Result<std::string> get(std::string_view path);
  using Meta = std::vector<std::pair<std::string, std::string>>;

  // Applies `changes` all or nothing, with `meta` facts in the same
  // transaction; returns how many values actually changed.
  Result<std::size_t> apply(const std::vector<Change>& changes, std::string_view actor, WallTime at,
                            std::int64_t revision = 0, const Meta& meta = {});
  // Makes the replicated items exactly `items` (a snapshot from the primary):
  // every replicated item not in it returns to its default. One transaction,
  // with `meta`; each item keeps its own revision.
  Result<std::size_t> replace_replicated(const std::vector<StoredItem>& items, std::string_view actor, WallTime at,
                                         const Meta& meta);
  // Writes primary-stamped items (a delta), each with its own revision, and `meta`.
  Result<std::size_t> apply_replicated(const std::vector<StoredItem>& items, std::string_view actor, WallTime at,
                                       const Meta& meta);
  // Stored items of one scope, sorted by path; with `after_revision`, only
  // those stamped with a later revision (what a subordinate lacks).
  Result<std::vector<StoredItem>> items(Scope scope, std::optional<std::int64_t> after_revision = std::nullopt);
  // The newest `limit` log entries, newest first.
  Result<std::vector<LogEntry>> log(std::size_t limit);

  Status add_event(WallTime at, std::string_view kind, std::string_view detail);
  Result<std::vector<Event>> events(std::size_t limit);  // newest first

  // Small durable facts (lineage, applied revision...).
  Result<std::string> meta(std::string_view key);
  Status set_meta(std::string_view key, std::string_view value);

  // The underlying database, for the maintenance operations (maintenance.hpp).
  Database& database() { return *db_; }

 private:
  Store(std::unique_ptr<Database> db, const Schema& schema) : db_(std::move(db)), schema_(schema) {}
  Status migrate();
  struct Validated {
    ResolvedPath where;
    std::string value;
  };
  Result<std::vector<Validated>> validate(const std::vector<Change>& changes) const;
  // One transaction: the values, each with its revision, and the meta facts.
  Result<std::size_t> commit_batch(const std::vector<Validated>& values, const std::vector<std::int64_t>& revisions,
                                   std::string_view actor, WallTime at, const Meta& meta);
  // Writes validated values (each with its revision) in the open transaction.
  Result<std::size_t> write(const std::vector<Validated>& values, const std::vector<std::int64_t>& revisions,
                            std::string_view actor, WallTime at);
  Status write_meta(const Meta& meta);

  // The store's statements are prepared once and kept: a peer runs the same
  // few small queries all day (heartbeats, replication pulls), and preparing
  // one costs more than running it. A lease resets its statement when it
  // ends, so no read stays open between uses.
  struct Prepared {
    Statement statement;
    bool leased = false;
  };
  class Lease {
   public:
    explicit Lease(Prepared& p) : p_(&p) { p_->leased = true; }
    Lease(Lease&& other) noexcept : p_(other.p_) { other.p_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();
    Statement& operator*() const { return p_->statement; }

   private:
    Prepared* p_;
  };
  Result<Lease> statement(std::string_view sql);

  std::unique_ptr<Database> db_;
  const Schema& schema_;
  int version_ = 0;
  std::map<std::string, Prepared, std::less<>> statements_;  // by SQL text; finalized before db_ closes
};

}  // namespace tandem::config
