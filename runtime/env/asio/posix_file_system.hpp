#pragma once
// The production data directory: real files under one folder, fsync for sync(),
// SQLite's own default VFS (so WAL uses real shared memory and locks).

#include <filesystem>
#include <memory>

#include "runtime/env/file_system.hpp"

namespace tandem {

class PosixFileSystem : public FileSystem {
 public:
  // Creates the directory (mode 0700) if missing; error names the path.
  static Result<std::unique_ptr<PosixFileSystem>> open(const std::filesystem::path& dir);

  Result<std::unique_ptr<File>> open(std::string_view name, OpenMode mode) override;
  bool exists(std::string_view name) override;
  Status remove(std::string_view name) override;
  Status rename(std::string_view from, std::string_view to) override;  // fsyncs the directory
  std::vector<std::string> list() override;
  std::string sqlite_vfs() const override { return {}; }
  std::string sqlite_path(std::string_view name) const override;

  const std::filesystem::path& dir() const { return dir_; }

 private:
  explicit PosixFileSystem(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path dir_;
};

}  // namespace tandem
