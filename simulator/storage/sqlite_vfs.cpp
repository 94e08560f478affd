#include "simulator/storage/sqlite_vfs.hpp"

#include <sqlite3.h>

#include <cstring>

#include "runtime/core/assert.hpp"

namespace tandem::sim {
namespace {

// What SQLite allocates per open file (szOsFile): plain data, set up in xOpen.
struct VfsFile {
  sqlite3_file base;
  SqliteVfs* owner;
  File* file;                                       // owned; deleted in xClose
  std::string* name;                                // owned
  std::shared_ptr<SqliteVfs::SharedMemory>* shm;    // owned; null until mapped
  bool delete_on_close;
  int lock;
};

SqliteVfs* owner_of(sqlite3_vfs* vfs) { return static_cast<SqliteVfs*>(vfs->pAppData); }
VfsFile* as_file(sqlite3_file* f) { return reinterpret_cast<VfsFile*>(f); }

int x_close(sqlite3_file* f) {
  VfsFile* v = as_file(f);
  delete v->file;
  if (v->delete_on_close) (void)v->owner->fs().remove(*v->name);
  delete v->name;
  delete v->shm;
  v->file = nullptr;
  v->name = nullptr;
  v->shm = nullptr;
  return SQLITE_OK;
}

int x_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  VfsFile* v = as_file(f);
  auto got = v->file->read(static_cast<std::uint64_t>(offset),
                           std::span(static_cast<std::uint8_t*>(out), static_cast<std::size_t>(amount)));
  if (!got) return SQLITE_IOERR_READ;
  if (*got < static_cast<std::size_t>(amount)) {
    std::memset(static_cast<char*>(out) + *got, 0, static_cast<std::size_t>(amount) - *got);
    return SQLITE_IOERR_SHORT_READ;
  }
  return SQLITE_OK;
}

int x_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  auto ok = as_file(f)->file->write(static_cast<std::uint64_t>(offset),
                                    std::span(static_cast<const std::uint8_t*>(data), static_cast<std::size_t>(amount)));
  return ok ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

int x_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return as_file(f)->file->truncate(static_cast<std::uint64_t>(size)) ? SQLITE_OK : SQLITE_IOERR_TRUNCATE;
}

int x_sync(sqlite3_file* f, int) { return as_file(f)->file->sync() ? SQLITE_OK : SQLITE_IOERR_FSYNC; }

int x_file_size(sqlite3_file* f, sqlite3_int64* size) {
  auto s = as_file(f)->file->size();
  if (!s) return SQLITE_IOERR_FSTAT;
  *size = static_cast<sqlite3_int64>(*s);
  return SQLITE_OK;
}

// One process, one thread per disk: locks only need to remember their level.
int x_lock(sqlite3_file* f, int level) {
  as_file(f)->lock = std::max(as_file(f)->lock, level);
  return SQLITE_OK;
}
int x_unlock(sqlite3_file* f, int level) {
  as_file(f)->lock = level;
  return SQLITE_OK;
}
int x_check_reserved_lock(sqlite3_file*, int* reserved) {
  *reserved = 0;
  return SQLITE_OK;
}
int x_file_control(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int x_sector_size(sqlite3_file*) { return 4096; }
int x_device_characteristics(sqlite3_file*) { return 0; }  // promise nothing: SQLite journals fully

int x_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  VfsFile* v = as_file(f);
  if (!v->shm) {
    auto shm = v->owner->shared_memory(*v->name, extend != 0);
    if (!shm) {
      *out = nullptr;
      return SQLITE_OK;
    }
    v->shm = new std::shared_ptr<SqliteVfs::SharedMemory>(std::move(shm));
  }
  auto& regions = (*v->shm)->regions;
  if (static_cast<std::size_t>(region) >= regions.size()) {
    if (!extend) {
      *out = nullptr;
      return SQLITE_OK;
    }
    while (regions.size() <= static_cast<std::size_t>(region)) {
      regions.push_back(std::make_unique<char[]>(static_cast<std::size_t>(size)));
      std::memset(regions.back().get(), 0, static_cast<std::size_t>(size));
    }
  }
  *out = regions[static_cast<std::size_t>(region)].get();
  return SQLITE_OK;
}
int x_shm_lock(sqlite3_file*, int, int, int) { return SQLITE_OK; }
void x_shm_barrier(sqlite3_file*) {}
int x_shm_unmap(sqlite3_file* f, int delete_flag) {
  VfsFile* v = as_file(f);
  if (delete_flag && v->name) v->owner->drop_shared_memory(*v->name);
  delete v->shm;
  v->shm = nullptr;
  return SQLITE_OK;
}

const sqlite3_io_methods kIoMethods = {
    2,           x_close,          x_read,         x_write,         x_truncate,
    x_sync,      x_file_size,      x_lock,         x_unlock,        x_check_reserved_lock,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock,
    x_shm_barrier, x_shm_unmap,    nullptr,        nullptr,
};

int x_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  SqliteVfs* owner = owner_of(vfs);
  VfsFile* v = as_file(f);
  std::memset(v, 0, sizeof *v);
  v->owner = owner;
  v->name = new std::string(name ? name : owner->temp_name());
  v->delete_on_close = (flags & SQLITE_OPEN_DELETEONCLOSE) != 0 || !name;
  const OpenMode mode = (flags & SQLITE_OPEN_CREATE) ? OpenMode::CreateReadWrite : OpenMode::ReadWrite;
  auto file = owner->fs().open(*v->name, mode);
  if (!file) {
    delete v->name;
    v->name = nullptr;
    return SQLITE_CANTOPEN;
  }
  v->file = file.value().release();
  v->base.pMethods = &kIoMethods;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs* vfs, const char* name, int) {
  FileSystem& fs = owner_of(vfs)->fs();
  if (!fs.exists(name)) return SQLITE_IOERR_DELETE_NOENT;
  return fs.remove(name) ? SQLITE_OK : SQLITE_IOERR_DELETE;
}

int x_access(sqlite3_vfs* vfs, const char* name, int, int* result) {
  *result = owner_of(vfs)->fs().exists(name) ? 1 : 0;
  return SQLITE_OK;
}

int x_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  const std::size_t n = std::strlen(name);
  if (n + 1 > static_cast<std::size_t>(size)) return SQLITE_CANTOPEN;
  std::memcpy(out, name, n + 1);
  return SQLITE_OK;
}

int x_randomness(sqlite3_vfs*, int n, char* out) {
  std::memset(out, 0, static_cast<std::size_t>(n));  // deterministic on purpose
  return n;
}
int x_sleep(sqlite3_vfs*, int microseconds) { return microseconds; }
int x_current_time(sqlite3_vfs*, double* julian_day) {
  *julian_day = 2461041.5;  // 2026-01-01T00:00Z, the twin's default epoch
  return SQLITE_OK;
}
int x_get_last_error(sqlite3_vfs*, int, char*) { return 0; }

}  // namespace

SqliteVfs::SqliteVfs(std::string name, FileSystem& fs) : name_(std::move(name)), fs_(fs) {
  vfs_ = std::make_unique<sqlite3_vfs>();
  std::memset(vfs_.get(), 0, sizeof(sqlite3_vfs));
  vfs_->iVersion = 1;
  vfs_->szOsFile = sizeof(VfsFile);
  vfs_->mxPathname = 512;
  vfs_->zName = name_.c_str();
  vfs_->pAppData = this;
  vfs_->xOpen = x_open;
  vfs_->xDelete = x_delete;
  vfs_->xAccess = x_access;
  vfs_->xFullPathname = x_full_pathname;
  vfs_->xRandomness = x_randomness;
  vfs_->xSleep = x_sleep;
  vfs_->xCurrentTime = x_current_time;
  vfs_->xGetLastError = x_get_last_error;
  TANDEM_ASSERT(sqlite3_vfs_register(vfs_.get(), 0) == SQLITE_OK);
}

SqliteVfs::~SqliteVfs() { sqlite3_vfs_unregister(vfs_.get()); }

std::shared_ptr<SqliteVfs::SharedMemory> SqliteVfs::shared_memory(const std::string& db, bool create) {
  auto it = shm_.find(db);
  if (it != shm_.end()) return it->second;
  if (!create) return nullptr;
  return shm_[db] = std::make_shared<SharedMemory>();
}

}  // namespace tandem::sim
