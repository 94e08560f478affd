#pragma once
// A twin run inside the app: a ClusterTwin formed into a cluster, advanced on
// a QTimer (virtual time = wall time x speed), its trace records fed to the
// history as they happen. The fault actions act at once and show at once.

#include <QObject>
#include <QTimer>
#include <memory>

#include "gui/sources/twin_scenario.hpp"

namespace tandem::view {

class TwinSource : public QObject {
  Q_OBJECT

 public:
  static constexpr int kTickMs = 100;

  // Forms the cluster (a few seconds of wall time), starts its endpoints and
  // resets `history` to it.
  static Result<std::unique_ptr<TwinSource>> start(const TwinScenario& scenario, StateHistory& history,
                                                   QObject* parent = nullptr);

  // Virtual seconds per wall second while running.
  void set_speed(double speed) { speed_ = speed; }
  double speed() const { return speed_; }
  void set_running(bool running);
  bool running() const { return timer_.isActive(); }
  // Runs the twin for `d` of virtual time now (the timer does this each tick).
  void advance(Duration d);

  int peer_count() const { return twin_->host_count(); }
  QString peer_name(int number) const { return QStringLiteral("peer%1").arg(number); }
  sim::ClusterTwin& twin() { return *twin_; }
  // Null when the scenario has no endpoints.
  sim::endpoints::EndpointPopulations* endpoints() { return endpoints_.get(); }

  // Faults and repairs on host `number` (1..peer_count()); each says what it did.
  QString kill(int number);
  QString restart(int number);
  QString pause(int number);
  QString resume(int number);
  QString partition(int a, int b);
  QString heal(int a, int b);
  QString heal_all();
  QString skew(int number, Duration offset);
  // Calls in progress on the peer (non-traversal), as its usage tells the others.
  QString add_calls(int number, int count);
  QString set_maintenance(int number, bool on);

 signals:
  void failed(const QString& message);

 private:
  TwinSource(std::unique_ptr<sim::ClusterTwin> twin, std::unique_ptr<sim::endpoints::EndpointPopulations> endpoints,
             StateHistory& history, QObject* parent);
  void sync();
  bool valid(int number) const { return number >= 1 && number <= twin_->host_count(); }

  std::unique_ptr<sim::ClusterTwin> twin_;
  std::unique_ptr<sim::endpoints::EndpointPopulations> endpoints_;  // after twin_: destroyed before it
  StateHistory& history_;
  std::size_t copied_ = 0;
  double speed_ = 1;
  QTimer timer_;
};

}  // namespace tandem::view
