#pragma once
// One simulated host's disk. It outlives the host's crashes and restarts, and
// models durability as POSIX promises it: a write survives a crash only once its
// file was synced; creating, removing and renaming a file are durable at once.
// crash() is power loss: every file returns to its durable content and every
// open handle goes stale (later calls fail and change nothing), so what a dying
// process does on its way out never reaches the disk.
//
// SQLite reaches the disk through a VFS registered for it (see sqlite_vfs.hpp).

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "runtime/env/file_system.hpp"

namespace tandem::sim {

class SqliteVfs;

struct DiskStats {
  std::uint64_t bytes_written = 0;
  std::uint64_t syncs = 0;
  std::uint64_t crashes = 0;
  std::uint64_t failed_writes = 0;
};

class SimDisk {
 public:
  explicit SimDisk(std::string host_name);
  ~SimDisk();
  SimDisk(const SimDisk&) = delete;
  SimDisk& operator=(const SimDisk&) = delete;

  FileSystem& file_system();
  const std::string& host_name() const { return host_name_; }

  void crash();
  // Disk fault: writes, truncates and syncs fail with an I/O error and change nothing.
  void set_fail_writes(bool fail) { fail_writes_ = fail; }
  // Power loss at an exact point: after `operations` more writes, truncates or
  // syncs succeed, the next one crashes the disk (and fails).
  void crash_after(std::uint64_t operations) { crash_countdown_ = operations + 1; }
  const DiskStats& stats() const { return stats_; }

 private:
  friend class SimFileSystem;
  friend class SimFile;
  struct Contents {
    std::vector<std::uint8_t> live;     // what the running host reads
    std::vector<std::uint8_t> durable;  // what survives a crash
  };

  std::string host_name_;
  std::map<std::string, std::shared_ptr<Contents>> files_;
  std::uint64_t generation_ = 0;  // bumped by crash(): older handles are stale
  bool fail_writes_ = false;
  std::uint64_t crash_countdown_ = 0;  // 0: no crash planned
  DiskStats stats_;
  std::unique_ptr<FileSystem> fs_;
  std::unique_ptr<SqliteVfs> vfs_;
};

}  // namespace tandem::sim
