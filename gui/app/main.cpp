// tandem-view: see README "tandem-view".
//   tandem-view [TRACE.jsonl]
//   tandem-view --twin N [--seed S] [--endpoints E]
//   tandem-view --live ADDRESS[:PORT] --password-file FILE [--user NAME] (--ca FILE | --insecure)
// Headless (no window): --at SECONDS with --snapshot FILE.png and/or --print
// shows that moment (of the trace; of a twin run; of a live cluster, after
// that many seconds), writes the picture and/or prints the tables, and exits.

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QTextStream>
#include <QTimer>
#include <cstdio>

#include "gui/app/main_window.hpp"
#include "gui/timeline/timeline_widget.hpp"

namespace {

using tandem::view::MainWindow;

// The peers and alarms tables as tab-separated text (for scripts and tests).
void print_tables(tandem::view::ClusterView& view) {
  QTextStream out(stdout);
  const auto print = [&out](const QAbstractItemModel& model, const char* title) {
    out << "# " << title << "\n";
    QStringList header;
    for (int c = 0; c < model.columnCount(); ++c) header << model.headerData(c, Qt::Horizontal).toString();
    out << header.join(u'\t') << "\n";
    for (int r = 0; r < model.rowCount(); ++r) {
      QStringList row;
      for (int c = 0; c < model.columnCount(); ++c) row << model.data(model.index(r, c)).toString();
      out << row.join(u'\t') << "\n";
    }
  };
  out << "# t " << tandem::view::format_time(view.shown().t_ns) << "\n";
  print(view.peers(), "peers");
  print(view.alarms(), "alarms");
  out.flush();
}

int fail(const QString& message) {
  std::fprintf(stderr, "tandem-view: %s\n", qPrintable(message));
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("tandem-view"));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Visualizer of a Tandem cluster: a twin trace, a twin run, a live cluster"));
  parser.addHelpOption();
  parser.addPositionalArgument(QStringLiteral("trace"), QStringLiteral("a twin trace (JSON Lines) to open"));
  const QCommandLineOption twin(QStringLiteral("twin"), QStringLiteral("run a twin of N peers"), QStringLiteral("N"));
  const QCommandLineOption seed(QStringLiteral("seed"), QStringLiteral("the twin's seed"), QStringLiteral("S"), QStringLiteral("1"));
  const QCommandLineOption endpoints(QStringLiteral("endpoints"),
                                     QStringLiteral("with --twin: E endpoints registering with the peers"), QStringLiteral("E"),
                                     QStringLiteral("0"));
  const QCommandLineOption live(QStringLiteral("live"), QStringLiteral("a peer's admin API"), QStringLiteral("ADDRESS[:PORT]"));
  const QCommandLineOption user(QStringLiteral("user"), QStringLiteral("admin user"), QStringLiteral("NAME"), QStringLiteral("admin"));
  const QCommandLineOption password(QStringLiteral("password-file"), QStringLiteral("file holding the password"), QStringLiteral("FILE"));
  const QCommandLineOption ca(QStringLiteral("ca"), QStringLiteral("PEM file of trusted certificates"), QStringLiteral("FILE"));
  const QCommandLineOption insecure(QStringLiteral("insecure"), QStringLiteral("do not check certificates"));
  const QCommandLineOption at(QStringLiteral("at"), QStringLiteral("headless: the moment to show, in seconds"), QStringLiteral("SECONDS"));
  const QCommandLineOption snapshot(QStringLiteral("snapshot"), QStringLiteral("headless: write the picture"), QStringLiteral("FILE.png"));
  const QCommandLineOption print(QStringLiteral("print"), QStringLiteral("headless: print the peers and alarms"));
  parser.addOptions({twin, seed, endpoints, live, user, password, ca, insecure, at, snapshot, print});
  parser.process(app);

  MainWindow window;
  tandem::Status opened;
  if (parser.isSet(twin)) {
    bool ok_peers = false, ok_seed = false, ok_endpoints = false;
    const int peers = parser.value(twin).toInt(&ok_peers);
    const auto seed_value = parser.value(seed).toULongLong(&ok_seed);
    const int endpoint_count = parser.value(endpoints).toInt(&ok_endpoints);
    if (!ok_peers || !ok_seed || !ok_endpoints) {
      return fail(QStringLiteral("--twin takes a number of peers, --seed and --endpoints a number"));
    }
    opened = window.run_twin({peers, seed_value, endpoint_count});
  } else if (parser.isSet(endpoints)) {
    return fail(QStringLiteral("--endpoints goes with --twin"));
  } else if (parser.isSet(live)) {
    tandem::view::LiveOptions options;
    options.address = parser.value(live);
    options.user = parser.value(user);
    options.ca_file = parser.value(ca);
    options.insecure = parser.isSet(insecure);
    if (parser.isSet(password)) {
      QFile file(parser.value(password));
      if (!file.open(QIODevice::ReadOnly)) return fail(QStringLiteral("cannot read %1").arg(file.fileName()));
      options.password = QString::fromUtf8(file.readAll()).trimmed();
    }
    opened = window.connect_live(options);
  } else if (!parser.positionalArguments().isEmpty()) {
    opened = window.open_trace(parser.positionalArguments().first());
  }
  if (!opened) return fail(QString::fromStdString(opened.error().message));

  if (!parser.isSet(at)) {
    window.show();
    return app.exec();
  }
  bool ok_at = false;
  const double seconds = parser.value(at).toDouble(&ok_at);
  if (!ok_at || seconds < 0) return fail(QStringLiteral("--at takes a number of seconds, not '%1'").arg(parser.value(at)));
  const auto t_ns = static_cast<std::int64_t>(seconds * 1e9);
  // Shows the moment (a live cluster: now), writes and prints; the exit status.
  const auto finish = [&]() -> int {
    const std::int64_t end_ns = window.view().history().end_ns();
    window.view().show_at(parser.isSet(live) ? end_ns : std::min(t_ns, end_ns));
    if (parser.isSet(snapshot) && !window.view().render(QSize(1600, 1200)).save(parser.value(snapshot))) {
      return fail(QStringLiteral("cannot write %1").arg(parser.value(snapshot)));
    }
    if (parser.isSet(print)) print_tables(window.view());
    return 0;
  };
  if (window.twin()) {
    window.twin()->set_running(false);
    const std::int64_t left = t_ns - window.view().history().end_ns();
    if (left > 0) window.twin()->advance(tandem::Duration(left));
    return finish();
  }
  if (parser.isSet(live)) {
    QTimer::singleShot(static_cast<int>(seconds * 1000), &app, [&] { app.exit(finish()); });
    return app.exec();
  }
  return finish();
}
