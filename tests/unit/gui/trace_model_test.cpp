// The trace as tandem-view will read it: a trace the twin wrote reads back
// whole, the table model passes Qt's model checks, and bad files are refused
// with the line and the problem named.

#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QCoreApplication>
#include <sstream>

#include "gui/trace/trace_event_model.hpp"
#include "gui/trace/trace_file.hpp"
#include "simulator/demo_twin.hpp"

namespace tandem::view {
namespace {

using namespace std::chrono_literals;

QStringList g_model_warnings;

void collect_warnings(QtMsgType type, const QMessageLogContext&, const QString& message) {
  if (type != QtDebugMsg && type != QtInfoMsg) g_model_warnings.append(message);
}

QByteArray demo_trace_bytes(std::uint64_t* records, std::string* hash) {
  sim::DemoTwinOptions options;
  options.hosts = 3;
  options.seed = 42;
  options.keep_trace = true;
  auto twin = sim::DemoTwin::create(options).value().release();
  std::unique_ptr<sim::DemoTwin> owner(twin);
  EXPECT_TRUE(twin->sim().run_for(5s).ok());
  twin->sim().network().partition(0, 2);
  EXPECT_TRUE(twin->sim().run_for(5s).ok());
  std::ostringstream out;
  EXPECT_TRUE(twin->sim().trace().write_jsonl(out).ok());
  *records = twin->sim().trace().count();
  *hash = twin->sim().trace().hash_hex();
  return QByteArray::fromStdString(out.str());
}

TEST(TraceFile, ReadsBackWhatTheTwinWrote) {
  std::uint64_t records = 0;
  std::string hash;
  const TraceReadResult read = parse_trace(demo_trace_bytes(&records, &hash));
  ASSERT_TRUE(read.trace) << read.error.toStdString();
  const TraceFile& trace = *read.trace;
  EXPECT_EQ(trace.version, 1);
  EXPECT_EQ(trace.seed, 42u);
  EXPECT_EQ(trace.hosts, (QStringList{"h1", "h2", "h3"}));
  EXPECT_EQ(static_cast<std::uint64_t>(trace.events.size()), records);
  EXPECT_EQ(trace.records, records);
  EXPECT_EQ(trace.hash.toStdString(), hash);
  const auto partition = std::find_if(trace.events.begin(), trace.events.end(),
                                      [](const TraceEvent& e) { return e.kind == "fault.partition"; });
  ASSERT_NE(partition, trace.events.end());
  EXPECT_EQ(partition->t_ns, 5'000'000'000);
  EXPECT_EQ(trace.hosts.at(partition->host), "h1");
  EXPECT_EQ(trace.hosts.at(partition->peer), "h3");
}

TEST(TraceEventModel, PassesQtModelChecksAndShowsEvents) {
  g_model_warnings.clear();  // the QApplication is made by gui_test_main.cpp
  const auto previous = qInstallMessageHandler(collect_warnings);

  TraceEventModel model;
  QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::Warning);
  std::uint64_t records = 0;
  std::string hash;
  model.set_trace(*parse_trace(demo_trace_bytes(&records, &hash)).trace);
  qInstallMessageHandler(previous);
  EXPECT_TRUE(g_model_warnings.isEmpty()) << g_model_warnings.join("\n").toStdString();

  ASSERT_EQ(static_cast<std::uint64_t>(model.rowCount()), records);
  EXPECT_EQ(model.columnCount(), TraceEventModel::ColumnCount);
  EXPECT_EQ(model.headerData(TraceEventModel::Kind, Qt::Horizontal).toString(), "Event");
  const int row = model.row_at_time(5'000'000'000);
  ASSERT_GE(row, 0);
  EXPECT_LE(model.trace().events.at(row).t_ns, 5'000'000'000);
  if (row + 1 < model.rowCount()) {
    EXPECT_GT(model.trace().events.at(row + 1).t_ns, 5'000'000'000);
  }
  EXPECT_EQ(model.row_at_time(-1), -1);
  const QModelIndex first_kind = model.index(0, TraceEventModel::Kind);
  EXPECT_EQ(model.data(first_kind).toString(), "host.boot");
  EXPECT_EQ(model.data(model.index(0, TraceEventModel::Host)).toString(), "h1");
}

TEST(TraceFile, RefusesWhatItDoesNotUnderstand) {
  const QByteArray header = R"({"format":"tandem-trace","version":1,"seed":1,"hosts":["h1"],"complete":true})";
  const QByteArray end = R"({"kind":"trace.end","records":0,"hash":"00"})";
  struct Case {
    QByteArray bytes;
    const char* expected;
  } cases[] = {
      {"", "empty file"},
      {"not json\n", "line 1: not a JSON object"},
      {R"({"format":"pcap"})", "not a Tandem trace"},
      {R"({"format":"tandem-trace","version":2,"hosts":[]})", "version 2 is not supported"},
      {header + "\n" + R"({"t_ns":5,"kind":"timer","host":"h1"})", "line 2: the trace is cut short"},
      {header + "\n" + R"({"t_ns":5,"kind":"timer","host":"h7"})" + "\n" + end, "line 2: record names a host missing"},
      {header + "\n" + R"({"t_ns":9,"kind":"timer"})" + "\n" + R"({"t_ns":3,"kind":"timer"})" + "\n" + end,
       "line 3: records go back in time"},
      {header + "\n" + R"({"kind":"timer"})" + "\n" + end, "line 2: record without a valid t_ns"},
      {header + "\n" + end + "\n" + R"({"t_ns":1,"kind":"timer"})", "line 3: text after the trace.end line"},
  };
  for (const Case& c : cases) {
    const TraceReadResult read = parse_trace(c.bytes);
    EXPECT_FALSE(read.trace) << c.expected;
    EXPECT_TRUE(read.error.contains(QString::fromUtf8(c.expected))) << read.error.toStdString() << " / " << c.expected;
  }
  EXPECT_TRUE(read_trace("/nonexistent/trace.jsonl").error.contains("cannot open /nonexistent/trace.jsonl"));
}

}  // namespace
}  // namespace tandem::view
