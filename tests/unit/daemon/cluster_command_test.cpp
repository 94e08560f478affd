#include "runtime/daemon/ctl/cluster_command.hpp"

#include <gtest/gtest.h>

#include "runtime/daemon/ctl/live_operator.hpp"

namespace tandem::ctl {
namespace {

Result<ClusterCommand> parse(std::vector<std::string> words) { return parse_cluster_command(words); }

std::string error_of(std::vector<std::string> words) {
  auto parsed = parse(std::move(words));
  return parsed ? "" : parsed.error().message;
}

TEST(ClusterCommand, EachProcedureTakesItsAddressesAndOptions) {
  auto add = parse({"add", "10.0.0.3"});
  ASSERT_TRUE(add.ok()) << add.error().message;
  EXPECT_EQ(add->procedure, "add");
  EXPECT_EQ(add->peers, std::vector<std::string>{"10.0.0.3"});
  EXPECT_FALSE(add->dry_run);

  auto create = parse({"create", "--name", "cluster.example.com", "--tls", "Enforce", "--dry-run"});
  ASSERT_TRUE(create.ok()) << create.error().message;
  EXPECT_EQ(create->cluster_name, "cluster.example.com");
  EXPECT_EQ(create->tls_mode, "Enforce");
  EXPECT_TRUE(create->dry_run);

  auto replace = parse({"replace", "10.0.0.2", "10.0.0.7"});
  ASSERT_TRUE(replace.ok());
  EXPECT_EQ(replace->peers, (std::vector<std::string>{"10.0.0.2", "10.0.0.7"}));

  auto upgrade = parse({"upgrade", "X9.0", "--upgrade-command", "install {peer} {version}"});
  ASSERT_TRUE(upgrade.ok()) << upgrade.error().message;
  EXPECT_EQ(upgrade->version, "X9.0");
  EXPECT_TRUE(upgrade->peers.empty());
}

TEST(ClusterCommand, MistakesAreNamed) {
  EXPECT_NE(error_of({}).find("expected a procedure"), std::string::npos);
  EXPECT_NE(error_of({"explode"}).find("got 'explode'"), std::string::npos);
  EXPECT_NE(error_of({"add"}).find("expected 1 address, got 0"), std::string::npos);
  EXPECT_NE(error_of({"replace", "a"}).find("expected 2 addresses, got 1"), std::string::npos);
  EXPECT_NE(error_of({"disband", "x"}).find("expected 0 addresses, got 1"), std::string::npos);
  EXPECT_NE(error_of({"create"}).find("--name FQDN is required"), std::string::npos);
  EXPECT_NE(error_of({"create", "--name"}).find("--name needs a value"), std::string::npos);
  EXPECT_NE(error_of({"create", "--name", "c.example.com", "--tls", "Strict"}).find("Permissive or Enforce"),
            std::string::npos);
  EXPECT_NE(error_of({"add", "10.0.0.3", "--force"}).find("unknown option '--force'"), std::string::npos);
  EXPECT_NE(error_of({"upgrade", "X9.0"}).find("--upgrade-command"), std::string::npos);
  EXPECT_TRUE(parse({"upgrade", "X9.0", "--dry-run"}).ok());  // a dry run installs nothing
}

TEST(ClusterCommand, TheUpgradeCommandGetsThePeerAndVersionQuotedForTheShell) {
  EXPECT_EQ(expand_upgrade_command("deploy {peer} {version} && echo {peer}", "10.0.0.2", "X9.0"),
            "deploy '10.0.0.2' 'X9.0' && echo '10.0.0.2'");
  EXPECT_EQ(expand_upgrade_command("x {version}", "p", "it's"), "x 'it'\\''s'");
}

}  // namespace
}  // namespace tandem::ctl
