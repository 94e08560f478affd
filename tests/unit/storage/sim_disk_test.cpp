// The twin's disk keeps what was synced and nothing else across a crash.

#include "simulator/storage/sim_disk.hpp"

#include <gtest/gtest.h>

namespace tandem::sim {
namespace {


std::string text(const std::vector<std::uint8_t>& b) { return std::string(b.begin(), b.end()); }
using Bytes = std::vector<std::uint8_t>;
Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string contents(FileSystem& fs, const std::string& name) {
  auto data = read_file(fs, name);
  EXPECT_TRUE(data.ok()) << (data.ok() ? "" : data.error().message);
  return data.ok() ? text(*data) : "";
}

TEST(SimDisk, SyncedWritesSurviveACrashUnsyncedOnesDoNot) {
  SimDisk disk("h1");
  FileSystem& fs = disk.file_system();
  auto f = fs.open("config.db", OpenMode::CreateReadWrite);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->write(0, bytes("revision 7")).ok());
  ASSERT_TRUE((*f)->sync().ok());
  ASSERT_TRUE((*f)->write(9, bytes("8 and more")).ok());
  EXPECT_EQ(contents(fs, "config.db"), "revision 8 and more");
  disk.crash();
  EXPECT_EQ(contents(fs, "config.db"), "revision 7");
  EXPECT_EQ(disk.stats().crashes, 1u);
}

TEST(SimDisk, ACreatedFileSurvivesButItsUnsyncedContentDoesNot) {
  SimDisk disk("h1");
  FileSystem& fs = disk.file_system();
  auto f = fs.open("new", OpenMode::CreateReadWrite);
  ASSERT_TRUE((*f)->write(0, bytes("never synced")).ok());
  disk.crash();
  EXPECT_TRUE(fs.exists("new"));
  EXPECT_EQ(contents(fs, "new"), "");
}

TEST(SimDisk, HandlesFromBeforeACrashAreStaleAndChangeNothing) {
  SimDisk disk("h2");
  FileSystem& fs = disk.file_system();
  ASSERT_TRUE(write_file_synced(fs, "boot", bytes("1")).ok());
  auto f = fs.open("boot", OpenMode::ReadWrite);
  ASSERT_TRUE(f.ok());
  disk.crash();
  auto w = (*f)->write(0, bytes("2"));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("stale"), std::string::npos);
  EXPECT_FALSE((*f)->sync().ok());
  EXPECT_FALSE((*f)->truncate(0).ok());
  EXPECT_EQ(contents(fs, "boot"), "1");
}

TEST(SimDisk, InjectedWriteFailuresChangeNothing) {
  SimDisk disk("h3");
  FileSystem& fs = disk.file_system();
  ASSERT_TRUE(write_file_synced(fs, "a", bytes("good")).ok());
  disk.set_fail_writes(true);
  auto f = fs.open("a", OpenMode::ReadWrite);
  auto w = (*f)->write(0, bytes("evil"));
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().message.find("I/O error (injected) on a"), std::string::npos);
  EXPECT_FALSE((*f)->sync().ok());
  disk.set_fail_writes(false);
  EXPECT_EQ(contents(fs, "a"), "good");
  EXPECT_EQ(disk.stats().failed_writes, 2u);
}

TEST(SimDisk, RenameAndRemoveAreDurableAtOnce) {
  SimDisk disk("h1");
  FileSystem& fs = disk.file_system();
  ASSERT_TRUE(write_file_synced(fs, "backup.tmp", bytes("snapshot")).ok());
  ASSERT_TRUE(fs.rename("backup.tmp", "backup").ok());
  ASSERT_TRUE(write_file_synced(fs, "old", bytes("x")).ok());
  ASSERT_TRUE(fs.remove("old").ok());
  disk.crash();
  EXPECT_EQ(fs.list(), (std::vector<std::string>{"backup"}));
  EXPECT_EQ(contents(fs, "backup"), "snapshot");
}

TEST(SimDisk, BadNamesAndMissingFilesAreRefusedByName) {
  SimDisk disk("h1");
  FileSystem& fs = disk.file_system();
  auto bad = fs.open("../etc/passwd", OpenMode::CreateReadWrite);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("../etc/passwd"), std::string::npos);
  auto missing = fs.open("nothing", OpenMode::ReadWrite);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nothing"), std::string::npos);
  EXPECT_FALSE(fs.remove("nothing").ok());
  EXPECT_FALSE(fs.rename("nothing", "else").ok());
}

TEST(SimDisk, EachDiskHasItsOwnSqliteVfs) {
  SimDisk a("h1"), b("h2");
  EXPECT_NE(a.file_system().sqlite_vfs(), b.file_system().sqlite_vfs());
  EXPECT_NE(a.file_system().sqlite_vfs().find("h1"), std::string::npos);
}

}  // namespace
}  // namespace tandem::sim
