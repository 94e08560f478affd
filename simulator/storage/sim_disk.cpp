#include "simulator/storage/sim_disk.hpp"

#include <algorithm>
#include <atomic>

#include "simulator/storage/sqlite_vfs.hpp"

namespace tandem::sim {

class SimFile final : public File {
 public:
  SimFile(SimDisk& disk, std::string name, std::shared_ptr<SimDisk::Contents> contents)
      : disk_(disk), name_(std::move(name)), contents_(std::move(contents)), generation_(disk.generation_) {}

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    if (auto ok = check_live(); !ok) return ok.error();
    const auto& data = contents_->live;
    if (offset >= data.size()) return std::size_t{0};
    const std::size_t n = std::min<std::size_t>(out.size(), data.size() - offset);
    std::copy_n(data.begin() + static_cast<long>(offset), n, out.begin());
    return n;
  }

  Status write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override {
    if (auto ok = check_writable(); !ok) return ok;
    auto& data = contents_->live;
    if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size());
    std::copy(bytes.begin(), bytes.end(), data.begin() + static_cast<long>(offset));
    disk_.stats_.bytes_written += bytes.size();
    return {};
  }

  Status truncate(std::uint64_t size) override {
    if (auto ok = check_writable(); !ok) return ok;
    contents_->live.resize(size);
    return {};
  }

  Status sync() override {
    if (auto ok = check_writable(); !ok) return ok;
    contents_->durable = contents_->live;
    ++disk_.stats_.syncs;
    return {};
  }

  Result<std::uint64_t> size() override {
    if (auto ok = check_live(); !ok) return ok.error();
    return static_cast<std::uint64_t>(contents_->live.size());
  }

 private:
  Status check_live() const {
    if (generation_ != disk_.generation_) {
      return make_error("disk of " + disk_.host_name_ + " crashed; handle to " + name_ + " is stale");
    }
    return {};
  }
  Status check_writable() {
    if (auto ok = check_live(); !ok) return ok;
    if (disk_.crash_countdown_ > 0 && --disk_.crash_countdown_ == 0) {
      disk_.crash();
      return make_error("disk of " + disk_.host_name_ + " lost power writing " + name_);
    }
    if (disk_.fail_writes_) {
      ++disk_.stats_.failed_writes;
      return make_error("I/O error (injected) on " + name_ + " of " + disk_.host_name_);
    }
    return {};
  }

  SimDisk& disk_;
  std::string name_;
  std::shared_ptr<SimDisk::Contents> contents_;  // kept even if the name is removed, as POSIX does
  std::uint64_t generation_;
};

class SimFileSystem final : public FileSystem {
 public:
  explicit SimFileSystem(SimDisk& disk) : disk_(disk) {}

  Result<std::unique_ptr<File>> open(std::string_view name, OpenMode mode) override {
    if (auto ok = check_file_name(name); !ok) return ok.error();
    auto it = disk_.files_.find(std::string(name));
    if (it == disk_.files_.end()) {
      if (mode != OpenMode::CreateReadWrite) return make_error("no file " + std::string(name) + " on " + disk_.host_name_);
      it = disk_.files_.emplace(std::string(name), std::make_shared<SimDisk::Contents>()).first;
    }
    return std::unique_ptr<File>(std::make_unique<SimFile>(disk_, it->first, it->second));
  }

  bool exists(std::string_view name) override { return disk_.files_.count(std::string(name)) != 0; }

  Status remove(std::string_view name) override {
    if (disk_.files_.erase(std::string(name)) == 0) {
      return make_error("cannot remove " + std::string(name) + ": no such file on " + disk_.host_name_);
    }
    return {};
  }

  Status rename(std::string_view from, std::string_view to) override {
    if (auto ok = check_file_name(to); !ok) return ok;
    auto it = disk_.files_.find(std::string(from));
    if (it == disk_.files_.end()) return make_error("cannot rename " + std::string(from) + ": no such file");
    auto contents = it->second;
    disk_.files_.erase(it);
    disk_.files_[std::string(to)] = std::move(contents);
    return {};
  }

  std::vector<std::string> list() override {
    std::vector<std::string> names;
    for (const auto& [name, contents] : disk_.files_) names.push_back(name);
    return names;
  }

  std::string sqlite_vfs() const override { return disk_.vfs_->name(); }
  std::string sqlite_path(std::string_view name) const override { return std::string(name); }

 private:
  SimDisk& disk_;
};

SimDisk::SimDisk(std::string host_name)
    : host_name_(std::move(host_name)), fs_(std::make_unique<SimFileSystem>(*this)) {
  static std::atomic<std::uint64_t> next_vfs{1};
  vfs_ = std::make_unique<SqliteVfs>("tandem-sim-" + host_name_ + "-" + std::to_string(next_vfs++), *fs_);
}

SimDisk::~SimDisk() = default;

FileSystem& SimDisk::file_system() { return *fs_; }

void SimDisk::crash() {
  crash_countdown_ = 0;
  ++generation_;
  ++stats_.crashes;
  for (auto& [name, contents] : files_) contents->live = contents->durable;
  vfs_->forget_shared_memory();  // shared memory is RAM: gone with the power
}

}  // namespace tandem::sim
