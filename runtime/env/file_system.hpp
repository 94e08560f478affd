#pragma once
// The peer's data directory, as the Env sees it. Names are flat (no '/') and
// relative to the directory. Durability follows POSIX: a write survives a crash
// only once sync() has returned; create, remove and rename are durable at once.
// The twin's disk model loses exactly the unsynced writes when a host crashes.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/result.hpp"

namespace tandem {

class File {
 public:
  virtual ~File() = default;
  // Reads up to out.size() bytes at offset; fewer at end of file.
  virtual Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) = 0;
  virtual Status write(std::uint64_t offset, std::span<const std::uint8_t> bytes) = 0;
  virtual Status truncate(std::uint64_t size) = 0;
  virtual Status sync() = 0;
  virtual Result<std::uint64_t> size() = 0;
};

enum class OpenMode : std::uint8_t { ReadWrite, CreateReadWrite };

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  virtual Result<std::unique_ptr<File>> open(std::string_view name, OpenMode mode) = 0;
  virtual bool exists(std::string_view name) = 0;
  virtual Status remove(std::string_view name) = 0;
  virtual Status rename(std::string_view from, std::string_view to) = 0;
  virtual std::vector<std::string> list() = 0;  // sorted

  // How SQLite reaches this directory: the VFS name for sqlite3_open_v2 (empty
  // for SQLite's default) and the path to open for a database called `name`.
  virtual std::string sqlite_vfs() const = 0;
  virtual std::string sqlite_path(std::string_view name) const = 0;
};

// Whole-file helpers over any FileSystem.
Result<std::vector<std::uint8_t>> read_file(FileSystem& fs, std::string_view name);
// Writes and syncs: the content is durable when this returns ok.
Status write_file_synced(FileSystem& fs, std::string_view name, std::span<const std::uint8_t> bytes);
// "a.db" is a valid name; "", ".", "..", "a/b" and names with NUL are not.
Status check_file_name(std::string_view name);

}  // namespace tandem
