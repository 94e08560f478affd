#include "runtime/daemon/tandemd/install_wizard.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "runtime/admin/password.hpp"
#include "runtime/config/store.hpp"
#include "runtime/env/asio/posix_file_system.hpp"
#include "runtime/daemon/tandemd/remote_syslog.hpp"

namespace tandem::daemon {
namespace {

const WallTime kNow = WallTime(std::chrono::hours(24 * 20000));

class InstallWizardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tandem-wizard-" + std::to_string(::getpid()) + "-" +
                                                     ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  InstallAnswers answers() const {
    InstallAnswers a;
    a.data_dir = dir_;
    a.system_name = "PEER1";
    a.addresses = {*IpAddress::parse("127.0.9.1")};
    a.host_name = "peer1";
    a.domain = "tandem.test";
    a.dns_servers = {*IpAddress::parse("127.0.9.53")};
    a.ntp_servers = {*IpAddress::parse("127.0.9.123")};
    a.admin_password = "correct horse";
    return a;
  }

  std::filesystem::path dir_;
  Random random_{7};
};

TEST_F(InstallWizardTest, APeerIsMadeWithItsAddressDnsAdminAndASelfSignedCertificate) {
  auto certificate = install(answers(), kNow, random_);
  ASSERT_TRUE(certificate.ok()) << certificate.error().message;
  EXPECT_NE(certificate->find("BEGIN CERTIFICATE"), std::string::npos);
  auto facts = read_host_facts(dir_);
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  EXPECT_EQ(facts->system_name, "PEER1");
  EXPECT_EQ(facts->addresses, answers().addresses);
  EXPECT_EQ(facts->dns_servers, answers().dns_servers);

  auto fs = PosixFileSystem::open(dir_);
  auto store = config::Store::open(**fs, config::vcs_schema(), kDatabaseName);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(*(*store)->get("Login Administrator 1 Name"), "admin");
  EXPECT_TRUE(admin::verify_password("correct horse", *(*store)->get("Login Administrator 1 PasswordHash")));
  EXPECT_EQ(*(*store)->get("Certificates Server Certificate"), *certificate);
  EXPECT_EQ(*(*store)->get("NTP Server 1 Address"), "127.0.9.123");
  EXPECT_EQ(*(*store)->get("IP DNS Hostname"), "peer1");
}

TEST_F(InstallWizardTest, AnInitializedDirectoryIsNeverOverwritten) {
  ASSERT_TRUE(install(answers(), kNow, random_).ok());
  InstallAnswers again = answers();
  again.system_name = "OTHER";
  auto refused = install(again, kNow, random_);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("already holds a peer"), std::string::npos) << refused.error().message;
  EXPECT_EQ(read_host_facts(dir_)->system_name, "PEER1");
}

TEST_F(InstallWizardTest, BadAnswersAreRefusedByNameAndLeaveNothingBehind) {
  auto bad = [&](auto change, const std::string& expected) {
    InstallAnswers a = answers();
    change(a);
    auto refused = install(a, kNow, random_);
    ASSERT_FALSE(refused.ok()) << expected;
    EXPECT_NE(refused.error().message.find(expected), std::string::npos) << refused.error().message;
    EXPECT_FALSE(std::filesystem::exists(dir_)) << expected;
  };
  bad([](InstallAnswers& a) { a.admin_password = "short"; }, "at least 8 characters");
  bad([](InstallAnswers& a) { a.addresses.clear(); }, "LAN address");
  bad([](InstallAnswers& a) { a.system_name = std::string(51, 'x'); }, "SystemUnit Name");
  bad([](InstallAnswers& a) { a.host_name = "bad host"; a.domain = "x"; }, "IP DNS");
  bad([](InstallAnswers& a) { a.certificate_pem = "not a certificate"; a.private_key_pem = "k"; }, "certificate");
  bad([](InstallAnswers& a) { a.certificate_pem = "only half"; }, "give both or neither");
}

TEST_F(InstallWizardTest, ADirectoryWithoutAPeerSaysToInitializeFirst) {
  auto facts = read_host_facts(dir_);
  ASSERT_FALSE(facts.ok());
  EXPECT_NE(facts.error().message.find("tandemd init"), std::string::npos);
}

TEST(RemoteSyslog, LinesAreRfc5424WithSeverityAndPrintableHeaderFields) {
  const WallTime at = WallTime(std::chrono::milliseconds(1795575205652));
  EXPECT_EQ(format_syslog(at, LogLevel::Info, "PEER 1", 42, "cluster", "peer 2 is Active"),
            "<134>1 2026-11-25T02:53:25.652Z PEER_1 tandemd 42 cluster - peer 2 is Active");
  EXPECT_EQ(format_syslog(at, LogLevel::Error, "", 1, "", "x").substr(0, 5), "<131>");
  EXPECT_EQ(format_syslog(at, LogLevel::Warn, "h", 1, "c", std::string(5000, 'y')).size(),
            std::string("<132>1 2026-11-25T02:53:25.652Z h tandemd 1 c - ").size() + 1024);
}

}  // namespace
}  // namespace tandem::daemon
