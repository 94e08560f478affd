#include "runtime/env/file_system.hpp"

namespace tandem {

Status check_file_name(std::string_view name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return make_error("invalid file name '" + std::string(name) + "': names are flat and non-empty");
  }
  return {};
}

Result<std::vector<std::uint8_t>> read_file(FileSystem& fs, std::string_view name) {
  auto file = fs.open(name, OpenMode::ReadWrite);
  if (!file) return file.error();
  auto size = (*file)->size();
  if (!size) return size.error();
  std::vector<std::uint8_t> bytes(*size);
  auto got = (*file)->read(0, bytes);
  if (!got) return got.error();
  bytes.resize(*got);
  return bytes;
}

Status write_file_synced(FileSystem& fs, std::string_view name, std::span<const std::uint8_t> bytes) {
  auto file = fs.open(name, OpenMode::CreateReadWrite);
  if (!file) return file.error();
  if (auto s = (*file)->truncate(0); !s) return s;
  if (auto s = (*file)->write(0, bytes); !s) return s;
  return (*file)->sync();
}

}  // namespace tandem
