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

TEST(ClusterCommand, TheAddressChangeAndTheReplacementsTakeTheirAddresses) {
  auto moved = parse({"change-address", "10.0.0.2", "10.0.0.42"});
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  EXPECT_EQ(moved->procedure, "change-address");
  EXPECT_EQ(moved->peers, (std::vector<std::string>{"10.0.0.2", "10.0.0.42"}));

  auto keep = parse({"replace-keep", "10.0.0.2", "10.0.0.7", "--dry-run"});
  ASSERT_TRUE(keep.ok()) << keep.error().message;
  EXPECT_EQ(keep->peers, (std::vector<std::string>{"10.0.0.2", "10.0.0.7"}));
  EXPECT_TRUE(keep->dry_run);
}

TEST(ClusterCommand, ClearConfigurationTakesTheGuidesRecommendedAnswersUnlessToldToKeep) {
  auto plain = parse({"clear-configuration", "10.0.0.4"});
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->peers, std::vector<std::string>{"10.0.0.4"});
  EXPECT_FALSE(plain->reset.keep_option_keys);
  EXPECT_FALSE(plain->reset.keep_certificates);
  EXPECT_FALSE(plain->reset.keep_passwords);
  EXPECT_FALSE(plain->reset.keep_logs);

  auto kept = parse({"clear-configuration", "--keep-option-keys", "10.0.0.4", "--keep-logs"});
  ASSERT_TRUE(kept.ok()) << kept.error().message;
  EXPECT_TRUE(kept->reset.keep_option_keys);
  EXPECT_FALSE(kept->reset.keep_certificates);
  EXPECT_FALSE(kept->reset.keep_passwords);
  EXPECT_TRUE(kept->reset.keep_logs);
  EXPECT_TRUE(parse({"clear-configuration", "p", "--keep-certificates", "--keep-passwords"})->reset.keep_passwords);
}

// Answers nothing and notes who was asked first: where a procedure starts.
class NothingAnswers final : public ops::Operator {
 public:
  Result<ops::Reply> call(const std::string& address, std::string_view method, std::string_view target,
                          std::string_view) override {
    asked.push_back(address + " " + std::string(method) + " " + std::string(target));
    return make_error("connection to " + address + " refused");
  }
  Duration elapsed() const override { return {}; }
  void wait(Duration) override {}
  Status upgrade(const std::string&, const std::string&) override { return make_error("not here"); }
  std::vector<std::string> asked;
};

TEST(ClusterCommand, TheNewProceduresAskThePrimaryOrThePeerToClear) {
  NothingAnswers op;
  auto plan = plan_for(op, parse({"clear-configuration", "10.0.0.4"}).value(), "10.0.0.1");
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(op.asked.front(), "10.0.0.4 GET /api/v1/configuration?path=Alternates");
  EXPECT_EQ(plan.error().message.rfind("cannot reach 10.0.0.4: ", 0), 0u) << plan.error().message;
  for (const char* procedure : {"change-address", "replace-keep"}) {
    op.asked.clear();
    plan = plan_for(op, parse({procedure, "10.0.0.2", "10.0.0.7"}).value(), "10.0.0.1");
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(op.asked.front(), "10.0.0.1 GET /api/v1/status") << procedure;
    EXPECT_EQ(plan.error().message.rfind("cannot read the primary 10.0.0.1: ", 0), 0u) << plan.error().message;
  }
}

TEST(ClusterCommand, DnsRecordsPrintsOrChecksAgainstAServer) {
  auto print = parse({"dns-records", "--collab-edge"});
  ASSERT_TRUE(print.ok()) << print.error().message;
  EXPECT_FALSE(print->check);
  EXPECT_TRUE(print->collab_edge);
  auto check = parse({"dns-records", "--check", "--dns-server", "127.0.0.53:5353"});
  ASSERT_TRUE(check.ok()) << check.error().message;
  EXPECT_TRUE(check->check);
  EXPECT_EQ(check->dns_server, "127.0.0.53:5353");
  EXPECT_EQ(error_of({"dns-records", "--dns-server", "127.0.0.53"}), "cluster dns-records: --dns-server is for --check");
  EXPECT_EQ(error_of({"add", "10.0.0.3", "--check"}), "cluster add: --check is an option of dns-records only");
  EXPECT_NE(error_of({"dns-records", "10.0.0.1"}).find("expected 0 addresses, got 1"), std::string::npos);
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
  EXPECT_NE(error_of({"change-address", "10.0.0.2"}).find("expected 2 addresses, got 1"), std::string::npos);
  EXPECT_NE(error_of({"replace-keep", "a", "b", "c"}).find("expected 2 addresses, got 3"), std::string::npos);
  EXPECT_NE(error_of({"clear-configuration"}).find("expected 1 address, got 0"), std::string::npos);
  EXPECT_EQ(error_of({"add", "10.0.0.3", "--keep-logs"}),
            "cluster add: --keep-logs is an answer for clear-configuration only");
  EXPECT_NE(error_of({"clear-configuration", "p", "--keep-ip-configuration"}).find("unknown option"), std::string::npos);
  EXPECT_NE(error_of({"rename"}).find("clear-configuration"), std::string::npos);  // the list names every procedure
}

TEST(ClusterCommand, TheUpgradeCommandGetsThePeerAndVersionQuotedForTheShell) {
  EXPECT_EQ(expand_upgrade_command("deploy {peer} {version} && echo {peer}", "10.0.0.2", "X9.0"),
            "deploy '10.0.0.2' 'X9.0' && echo '10.0.0.2'");
  EXPECT_EQ(expand_upgrade_command("x {version}", "p", "it's"), "x 'it'\\''s'");
}

}  // namespace
}  // namespace tandem::ctl
