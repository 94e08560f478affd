// The window: a trace file opened from disk shows in the scene, the tables
// and the timeline; a bad file is refused naming the line.

#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTest>

#include "gui/app/main_window.hpp"
#include "gui/timeline/timeline_widget.hpp"
#include "tests/unit/gui/gui_test_support.hpp"

namespace tandem::view {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;

QString write_file(const QString& name, const QByteArray& bytes) {
  const QString path = QString::fromStdString(::testing::TempDir()) + "/" + name;
  QFile file(path);
  EXPECT_TRUE(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
  file.write(bytes);
  return path;
}

TEST(MainWindow, OpensATraceFileAndShowsItsMoments) {
  MainWindow window;
  ASSERT_TRUE(window.open_trace(write_file("handcrafted.jsonl", testing::handcrafted_trace())).ok());
  window.show();
  window.activateWindow();
  ASSERT_TRUE(QTest::qWaitForWindowActive(&window));
  EXPECT_EQ(window.timeline().end_ns(), 50 * kSecond);
  window.timeline().seek(17 * kSecond);
  EXPECT_EQ(window.view().shown().t_ns, 17 * kSecond);
  EXPECT_EQ(window.view().peers().rowCount(), 3);
  EXPECT_EQ(window.view().alarms().rowCount(), 1);
  EXPECT_TRUE(window.view().scene().peer_item(3)->down_marked());
  QTest::keyClick(&window, Qt::Key_Right);  // the timeline's keys work from anywhere in the window
  EXPECT_EQ(window.view().shown().t_ns, 20 * kSecond);
  const QString dir = qEnvironmentVariableIsSet("TANDEM_VIEW_SCREENSHOTS")
                          ? qEnvironmentVariable("TANDEM_VIEW_SCREENSHOTS")
                          : QString::fromStdString(::testing::TempDir());
  QDir().mkpath(dir);
  EXPECT_TRUE(window.grab().save(dir + "/window.png"));
}

TEST(MainWindow, RefusesABadTraceNamingTheLineAndKeepsWhatItShowed) {
  MainWindow window;
  ASSERT_TRUE(window.open_trace(write_file("good.jsonl", testing::handcrafted_trace())).ok());
  const QByteArray bad = R"({"format":"tandem-trace","version":1,"hosts":["h1"]})"
                         "\n{\"t_ns\":5,\"kind\":\"fault.crash\",\"host\":\"h9\"}\n";
  const auto opened = window.open_trace(write_file("bad.jsonl", bad));
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().message, "line 2: record names a host missing from the header");
  EXPECT_EQ(window.view().history().hosts().size(), 4);
}

}  // namespace
}  // namespace tandem::view
