#include "tests/unit/gui/gui_test_support.hpp"

#include <gtest/gtest.h>

namespace tandem::view::testing {
namespace {

QStringList g_warnings;

void collect(QtMsgType type, const QMessageLogContext&, const QString& message) {
  if (type != QtDebugMsg && type != QtInfoMsg) g_warnings.append(message);
}

QtMessageHandler g_previous = nullptr;

QByteArray line(std::int64_t t_s, const char* kind, const char* host, const char* detail = nullptr,
                const char* peer = nullptr, std::int64_t size = 0, std::int64_t extra_ms = 0) {
  QByteArray out = "{\"t_ns\":" + QByteArray::number(t_s * 1'000'000'000 + extra_ms * 1'000'000) +
                   ",\"kind\":\"" + kind + "\"";
  if (host) out += QByteArray(",\"host\":\"") + host + "\"";
  if (peer) out += QByteArray(",\"peer\":\"") + peer + "\"";
  if (size) out += ",\"size\":" + QByteArray::number(size);
  if (detail) out += QByteArray(",\"detail\":\"") + detail + "\"";
  return out + "}\n";
}

}  // namespace

WarningCollector::WarningCollector() {
  g_warnings.clear();
  g_previous = qInstallMessageHandler(collect);
}
WarningCollector::~WarningCollector() { qInstallMessageHandler(g_previous); }
const QStringList& WarningCollector::warnings() const { return g_warnings; }

QByteArray handcrafted_trace() {
  QByteArray t = R"({"format":"tandem-trace","version":1,"seed":7,"hosts":["operator","peer1","peer2","peer3"],"complete":true})"
                 "\n";
  const char* peers[] = {"peer1", "peer2", "peer3"};
  for (int i = 0; i < 3; ++i) {
    t += line(1, "host.boot", peers[i], nullptr, nullptr, 1);
    const QByteArray status = "slot " + QByteArray::number(i + 1) + " primary 1 peers 3 software X14.2 maintenance off settings aaaa";
    t += line(1, "peer.status", peers[i], status.constData());
    t += line(1, "cluster.database", peers[i], "Active revision 4");
  }
  t += line(1, "host.boot", "operator", nullptr, nullptr, 1);
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      if (i == j) continue;
      const QByteArray seen = "peer " + QByteArray::number(j + 1) + " Active";
      t += line(2, "cluster.peer", peers[i], seen.constData());
    }
  }
  t += line(2, "net.data", "peer2", nullptr, "peer1", 41);
  t += line(2, "timer", "peer1");
  t += line(2, "cluster.commit", "peer1", "revision 5", nullptr, 0, 100);
  t += line(2, "cluster.applied", "peer2", "revision 5", nullptr, 0, 200);
  t += line(3, "cluster.usage", "peer1", "peer 2: 7 registrations, 1 traversal, 2 non-traversal, 0 TURN, 0 pipes in use");
  t += line(10, "fault.crash", "peer3");
  t += line(16, "cluster.peer", "peer1", "peer 3 Failed");
  t += line(16, "alarm.raised", "peer1", "20011 Cluster communication failure (peer 3 (10.0.0.3))");
  t += line(16, "cluster.peer", "peer2", "peer 3 Failed");
  t += line(20, "fault.partition", "peer1", nullptr, "peer2");
  t += line(26, "cluster.peer", "peer1", "peer 2 Failed");
  t += line(26, "cluster.peer", "peer2", "peer 1 Failed");
  t += line(26, "cluster.database", "peer2", "Syncing revision 5");
  t += line(30, "sip.register", "peer1", "200 UDP 10.0.0.200:5060 <sip:alice@tandem.test>;tag=1");
  t += line(31, "sip.register", "peer1", "503 UDP 10.0.0.200:5060 <sip:alice@tandem.test>;tag=1");
  t += line(31, "sip.register", "peer2", "200 UDP 10.0.0.200:5060 <sip:alice@tandem.test>;tag=2");
  t += line(40, "fault.heal", "peer1", nullptr, "peer2");
  t += line(42, "cluster.peer", "peer1", "peer 2 Active");
  t += line(42, "cluster.peer", "peer2", "peer 1 Active");
  t += line(42, "cluster.database", "peer2", "Active revision 5");
  t += line(43, "peer.status", "peer2", "slot 2 primary 1 peers 3 software X14.2 maintenance on settings aaaa");
  t += line(50, "fault.restart", "peer3");
  t += line(50, "host.boot", "peer3", nullptr, nullptr, 2);
  t += line(50, "peer.status", "peer3", "slot 3 primary 1 peers 3 software X14.2 maintenance off settings bbbb");
  t += line(50, "alarm.continued", "peer3", "20014 Clustering configuration mismatch");
  t += R"({"kind":"trace.end","records":40,"hash":"0123456789abcdef"})"
       "\n";
  return t;
}

void load(StateHistory& history, const QByteArray& bytes) {
  TraceReadResult read = parse_trace(bytes, kind_matters);
  ASSERT_TRUE(read.trace) << read.error.toStdString();
  history.reset(read.trace->hosts);
  history.append(read.trace->events);
}

}  // namespace tandem::view::testing
