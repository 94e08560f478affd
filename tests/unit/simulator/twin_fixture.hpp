#pragma once
// A small twin for tests: hosts a, b, c on 10.0.0.1-3 running an empty process,
// so a test drives each host's Env directly and watches what comes back.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "simulator/simulation.hpp"

namespace tandem::sim {

class TwinTest : public ::testing::Test {
 protected:
  explicit TwinTest(std::uint64_t seed = 7) : sim_(SimulationOptions{.seed = seed, .keep_trace = true}) {}

  void SetUp() override {
    a_ = add("a", 1);
    b_ = add("b", 2);
    c_ = add("c", 3);
  }

  SimHost* add(const std::string& name, std::uint8_t last_octet) {
    auto host = sim_.add_host(name, {IpAddress::v4(10, 0, 0, last_octet)});
    EXPECT_TRUE(host.ok());
    (*host)->start(idle_process());
    return *host;
  }

  static ProcessFactory idle_process() {
    return process_factory<int>([](Env&) { return std::make_unique<int>(0); });
  }

  Env& env(SimHost* h) { return *h->env(); }
  static Endpoint at(SimHost* h, std::uint16_t port) { return Endpoint{h->addresses().front(), port}; }
  static std::string text(ByteView bytes) { return std::string(bytes.begin(), bytes.end()); }
  static Bytes bytes(const std::string& s) { return Bytes(s.begin(), s.end()); }

  void run(Duration d) { ASSERT_TRUE(sim_.run_for(d).ok()); }
  std::int64_t now_ns() const { return sim_.loop().now_ns(); }  // NOLINT

  Simulation sim_;
  SimHost* a_ = nullptr;
  SimHost* b_ = nullptr;
  SimHost* c_ = nullptr;
};

// One end of a stream as a test sees it: everything received, and how it closed.
struct StreamProbe {
  std::unique_ptr<Stream> stream;
  std::string received;
  std::optional<Status> closed;

  void attach(std::unique_ptr<Stream> s) {
    stream = std::move(s);
    stream->start(StreamHandlers{
        [this](ByteView b) { received.append(b.begin(), b.end()); },
        [this](Status why) { closed = std::move(why); },
    });
  }
};

}  // namespace tandem::sim
