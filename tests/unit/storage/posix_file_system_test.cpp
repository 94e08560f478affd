// The production data directory: real files, sync, rename, and clear refusals.

#include "runtime/env/asio/posix_file_system.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace tandem {
namespace {

std::vector<std::uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

class PosixFileSystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("tandem-fs-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    auto fs = PosixFileSystem::open(dir_ / "data");
    ASSERT_TRUE(fs.ok()) << fs.error().message;
    fs_ = std::move(fs.value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<PosixFileSystem> fs_;
};

TEST_F(PosixFileSystemTest, CreatesAPrivateDirectory) {
  struct stat st = {};
  ASSERT_EQ(::stat((dir_ / "data").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
}

TEST_F(PosixFileSystemTest, WritesReadsAndSizes) {
  ASSERT_TRUE(write_file_synced(*fs_, "boot", bytes("hello world")).ok());
  auto f = fs_->open("boot", OpenMode::ReadWrite);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->write(6, bytes("peers")).ok());
  EXPECT_EQ(*(*f)->size(), 11u);
  std::vector<std::uint8_t> out(64);
  auto n = (*f)->read(0, out);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(out.begin(), out.begin() + static_cast<long>(*n)), "hello peers");
  ASSERT_TRUE((*f)->truncate(5).ok());
  EXPECT_EQ(*(*f)->size(), 5u);
  EXPECT_EQ(*(*f)->read(10, out), 0u);  // past the end: nothing, not an error
}

TEST_F(PosixFileSystemTest, RenameRemoveAndListAreSorted) {
  ASSERT_TRUE(write_file_synced(*fs_, "b.tmp", bytes("x")).ok());
  ASSERT_TRUE(write_file_synced(*fs_, "a", bytes("y")).ok());
  ASSERT_TRUE(fs_->rename("b.tmp", "b").ok());
  EXPECT_EQ(fs_->list(), (std::vector<std::string>{"a", "b"}));
  ASSERT_TRUE(fs_->remove("a").ok());
  EXPECT_FALSE(fs_->exists("a"));
  EXPECT_TRUE(fs_->exists("b"));
  EXPECT_EQ(fs_->sqlite_path("peer.db"), (dir_ / "data" / "peer.db").string());
  EXPECT_EQ(fs_->sqlite_vfs(), "");
}

TEST_F(PosixFileSystemTest, RefusesBadNamesAndMissingFilesNamingThem) {
  auto escape = fs_->open("../outside", OpenMode::CreateReadWrite);
  ASSERT_FALSE(escape.ok());
  EXPECT_NE(escape.error().message.find("../outside"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "outside"));
  auto missing = fs_->open("nothing", OpenMode::ReadWrite);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nothing"), std::string::npos);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
  EXPECT_FALSE(fs_->remove("nothing").ok());
  EXPECT_FALSE(fs_->rename("nothing", "else").ok());
}

TEST_F(PosixFileSystemTest, ADataDirectoryThatIsAFileIsRefused) {
  ASSERT_TRUE(write_file_synced(*fs_, "plain", bytes("x")).ok());
  auto bad = PosixFileSystem::open(dir_ / "data" / "plain");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("plain"), std::string::npos);
}

}  // namespace
}  // namespace tandem
