// UDP 1719 shared between the cluster's resource usage and H.225.0 RAS: each
// datagram reaches the handler that claims it, by its first bytes.

#include <gtest/gtest.h>

#include "runtime/cluster/resource_usage.hpp"
#include "runtime/h323/ras_message.hpp"
#include "tests/unit/simulator/twin_fixture.hpp"

namespace tandem::cluster {
namespace {

using namespace std::chrono_literals;

class SharedPortTest : public sim::TwinTest {
 protected:
  void SetUp() override {
    TwinTest::SetUp();
    port_ = SharedDatagramPort::open(env(a_), at(a_, kResourceUsagePort)).value();
    sender_ = env(b_).open_datagram(at(b_, 0), [](const Endpoint&, ByteView) {}).value();
  }
  void send(const Bytes& payload) {
    sender_->send_to(at(a_, kResourceUsagePort), payload);
    run(10ms);
  }

  std::unique_ptr<SharedDatagramPort> port_;
  std::unique_ptr<DatagramSocket> sender_;
  std::vector<Bytes> usage_;
  std::vector<Bytes> other_;
};

TEST_F(SharedPortTest, UsageFramesAndRasGoToTheirOwnHandlers) {
  port_->set_usage_handler([this](const Endpoint&, ByteView p) { usage_.emplace_back(p.begin(), p.end()); });
  port_->set_other_handler([this](const Endpoint&, ByteView p) { other_.emplace_back(p.begin(), p.end()); });
  const Bytes usage = encode(UsageDatagram{2, 7, 0, Usage{}});
  const Bytes ras = h323::encode(h323::UnregistrationConfirm{1}).value();
  send(usage);
  send(ras);
  send(bytes("TD"));  // too short to be a frame header: not usage
  EXPECT_TRUE(is_resource_usage_datagram(usage));
  EXPECT_FALSE(is_resource_usage_datagram(ras));
  EXPECT_EQ(usage_, (std::vector<Bytes>{usage}));
  EXPECT_EQ(other_, (std::vector<Bytes>{ras, bytes("TD")}));
}

TEST_F(SharedPortTest, WithOneHandlerItGetsEverything) {
  port_->set_usage_handler([this](const Endpoint&, ByteView p) { usage_.emplace_back(p.begin(), p.end()); });
  send(bytes("garbage"));  // resource usage counts it as malformed, as before the port was shared
  EXPECT_EQ(usage_.size(), 1u);
  port_->set_usage_handler(nullptr);
  port_->set_other_handler([this](const Endpoint&, ByteView p) { other_.emplace_back(p.begin(), p.end()); });
  send(encode(UsageDatagram{2, 7, 0, Usage{}}));
  EXPECT_EQ(other_.size(), 1u);
}

}  // namespace
}  // namespace tandem::cluster
