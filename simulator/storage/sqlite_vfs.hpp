#pragma once
// A SQLite VFS over a tandem::FileSystem, so SQLite in the twin writes to the
// simulated disk and a crash loses exactly what SQLite had not synced. WAL works:
// its shared memory is kept in RAM per database (lost on crash, rebuilt by
// SQLite from the WAL file, as after a real power loss).
//
// Determinism: the VFS's randomness is all zeros, sleeping returns at once and
// the current time is a fixed instant, so nothing SQLite does depends on the
// real world. Peer code must not rely on SQL time functions (it has Env).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/env/file_system.hpp"

struct sqlite3_vfs;

namespace tandem::sim {

class SqliteVfs {
 public:
  // Registers the VFS under `name` (not as the default); unregisters on destruction.
  SqliteVfs(std::string name, FileSystem& fs);
  ~SqliteVfs();
  SqliteVfs(const SqliteVfs&) = delete;
  SqliteVfs& operator=(const SqliteVfs&) = delete;

  const std::string& name() const { return name_; }
  // Drops every database's shared memory from the map; handles that mapped it
  // keep their copy alive until they close.
  void forget_shared_memory() { shm_.clear(); }

  // Per-database shared memory (the WAL index), in regions SQLite asks for.
  struct SharedMemory {
    std::vector<std::unique_ptr<char[]>> regions;
  };
  std::shared_ptr<SharedMemory> shared_memory(const std::string& db, bool create);
  void drop_shared_memory(const std::string& db) { shm_.erase(db); }

  FileSystem& fs() { return fs_; }
  std::string temp_name() { return "sqlite-temp-" + std::to_string(next_temp_++); }

 private:
  std::string name_;
  FileSystem& fs_;
  std::unique_ptr<sqlite3_vfs> vfs_;
  std::map<std::string, std::shared_ptr<SharedMemory>> shm_;
  std::uint64_t next_temp_ = 1;
};

}  // namespace tandem::sim
