#include "runtime/env/asio/posix_file_system.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tandem {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Result<std::size_t> read(std::uint64_t offset, std::span<std::uint8_t> out) override {
    std::size_t done = 0;
    while (done < out.size()) {  // bounded: each pass reads at least one byte or stops
      const ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return make_error("cannot read " + path_ + ": " + errno_text(errno));
      if (n == 0) break;
      done += static_cast<std::size_t>(n);
    }
    return done;
  }

  Status write(std::uint64_t offset, std::span<const std::uint8_t> bytes) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return make_error("cannot write " + path_ + ": " + errno_text(errno));
      done += static_cast<std::size_t>(n);
    }
    return {};
  }

  Status truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return make_error("cannot truncate " + path_ + ": " + errno_text(errno));
    }
    return {};
  }

  Status sync() override {
    if (::fsync(fd_) != 0) return make_error("cannot sync " + path_ + ": " + errno_text(errno));
    return {};
  }

  Result<std::uint64_t> size() override {
    struct stat st = {};
    if (::fstat(fd_, &st) != 0) return make_error("cannot stat " + path_ + ": " + errno_text(errno));
    return static_cast<std::uint64_t>(st.st_size);
  }

 private:
  int fd_;
  std::string path_;
};

Status sync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error("cannot open directory " + dir.string() + ": " + errno_text(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return make_error("cannot sync directory " + dir.string() + ": " + errno_text(err));
  return {};
}

}  // namespace

Result<std::unique_ptr<PosixFileSystem>> PosixFileSystem::open(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return make_error("cannot create data directory " + dir.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(dir, ec)) return make_error("data directory " + dir.string() + " is not a directory");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);  // 0700: configuration and keys live here
  return std::unique_ptr<PosixFileSystem>(new PosixFileSystem(dir));
}

Result<std::unique_ptr<File>> PosixFileSystem::open(std::string_view name, OpenMode mode) {
  if (auto ok = check_file_name(name); !ok) return ok.error();
  const std::string path = (dir_ / std::string(name)).string();
  const int flags = O_RDWR | O_CLOEXEC | (mode == OpenMode::CreateReadWrite ? O_CREAT : 0);
  const int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return make_error("cannot open " + path + ": " + errno_text(errno));
  return std::unique_ptr<File>(std::make_unique<PosixFile>(fd, path));
}

bool PosixFileSystem::exists(std::string_view name) {
  std::error_code ec;
  return check_file_name(name).ok() && std::filesystem::exists(dir_ / std::string(name), ec);
}

Status PosixFileSystem::remove(std::string_view name) {
  if (auto ok = check_file_name(name); !ok) return ok;
  const std::string path = (dir_ / std::string(name)).string();
  if (::unlink(path.c_str()) != 0) return make_error("cannot remove " + path + ": " + errno_text(errno));
  return sync_directory(dir_);
}

Status PosixFileSystem::rename(std::string_view from, std::string_view to) {
  if (auto ok = check_file_name(from); !ok) return ok;
  if (auto ok = check_file_name(to); !ok) return ok;
  const std::string a = (dir_ / std::string(from)).string();
  const std::string b = (dir_ / std::string(to)).string();
  if (::rename(a.c_str(), b.c_str()) != 0) return make_error("cannot rename " + a + " to " + b + ": " + errno_text(errno));
  return sync_directory(dir_);
}

std::vector<std::string> PosixFileSystem::list() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    if (entry.is_regular_file(ec)) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string PosixFileSystem::sqlite_path(std::string_view name) const { return (dir_ / std::string(name)).string(); }

}  // namespace tandem
