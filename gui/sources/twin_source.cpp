#include "gui/sources/twin_source.hpp"

#include "runtime/peer.hpp"

namespace tandem::view {

Result<std::unique_ptr<TwinSource>> TwinSource::start(const TwinScenario& scenario, StateHistory& history,
                                                      QObject* parent) {
  auto twin = form_twin_cluster(scenario);
  if (!twin) return twin.error();
  auto endpoints = add_twin_endpoints(**twin, scenario.endpoints);
  if (!endpoints) return endpoints.error();
  return std::unique_ptr<TwinSource>(new TwinSource(std::move(*twin), std::move(*endpoints), history, parent));
}

TwinSource::TwinSource(std::unique_ptr<sim::ClusterTwin> twin,
                       std::unique_ptr<sim::endpoints::EndpointPopulations> endpoints, StateHistory& history,
                       QObject* parent)
    : QObject(parent), twin_(std::move(twin)), endpoints_(std::move(endpoints)), history_(history) {
  history_.reset(twin_host_names(*twin_));
  sync();
  timer_.setInterval(kTickMs);
  connect(&timer_, &QTimer::timeout, this, [this] {
    advance(std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(kTickMs * speed_)));
  });
}

void TwinSource::sync() {
  copied_ = copy_twin_records(*twin_, copied_, history_);
  history_.advance_to(to_ns(twin_->now()));
}

void TwinSource::set_running(bool running) {
  if (running) {
    timer_.start();
  } else {
    timer_.stop();
  }
}

void TwinSource::advance(Duration d) {
  if (auto ok = twin_->run_for(d); !ok) {
    set_running(false);
    emit failed(QString::fromStdString(ok.error().message));
  }
  sync();
}

QString TwinSource::kill(int number) {
  if (!valid(number)) return tr("no host %1").arg(number);
  if (!twin_->host(number).up()) return tr("%1 is already down").arg(peer_name(number));
  twin_->crash(number);
  sync();
  return tr("%1 killed").arg(peer_name(number));
}

QString TwinSource::restart(int number) {
  if (!valid(number)) return tr("no host %1").arg(number);
  if (twin_->host(number).up()) return tr("%1 is running; kill it first").arg(peer_name(number));
  twin_->restart(number);
  sync();
  return tr("%1 restarted").arg(peer_name(number));
}

QString TwinSource::pause(int number) {
  if (!valid(number)) return tr("no host %1").arg(number);
  twin_->pause(number);
  sync();
  return tr("%1 paused").arg(peer_name(number));
}

QString TwinSource::resume(int number) {
  if (!valid(number)) return tr("no host %1").arg(number);
  twin_->resume(number);
  sync();
  return tr("%1 resumed").arg(peer_name(number));
}

QString TwinSource::partition(int a, int b) {
  if (!valid(a) || !valid(b) || a == b) return tr("a partition needs two different hosts");
  twin_->partition(a, b);
  sync();
  return tr("%1 and %2 partitioned").arg(peer_name(a), peer_name(b));
}

QString TwinSource::heal(int a, int b) {
  if (!valid(a) || !valid(b) || a == b) return tr("a heal needs two different hosts");
  twin_->heal(a, b);
  sync();
  return tr("%1 and %2 healed").arg(peer_name(a), peer_name(b));
}

QString TwinSource::heal_all() {
  twin_->heal_all();
  sync();
  return tr("every partition healed");
}

QString TwinSource::skew(int number, Duration offset) {
  if (!valid(number)) return tr("no host %1").arg(number);
  twin_->step_wall_clock(number, offset);
  sync();
  return tr("%1's clock stepped by %2 s")
      .arg(peer_name(number))
      .arg(std::chrono::duration_cast<std::chrono::seconds>(offset).count());
}

QString TwinSource::add_calls(int number, int count) {
  if (!valid(number)) return tr("no host %1").arg(number);
  Peer* peer = twin_->peer(number);
  if (!peer) return tr("%1 is not running").arg(peer_name(number));
  cluster::Usage usage = peer->local_usage();
  usage.non_traversal_calls =
      static_cast<std::uint32_t>(std::max<std::int64_t>(0, std::int64_t{usage.non_traversal_calls} + count));
  if (auto ok = peer->set_local_usage(usage); !ok) return QString::fromStdString(ok.error().message);
  sync();
  return tr("%1 now has %2 calls").arg(peer_name(number)).arg(usage.non_traversal_calls + usage.traversal_calls);
}

QString TwinSource::set_maintenance(int number, bool on) {
  if (!valid(number)) return tr("no host %1").arg(number);
  // As an operator would: xCommand MaintenanceMode through the admin API.
  const std::string body = std::string(R"({"args":{"Mode":")") + (on ? "On" : "Off") + R"("}})";
  auto reply = twin_->request(twin_->address(number), twin_->authorized("POST", "/api/v1/command/MaintenanceMode", body));
  sync();
  if (!reply) return QString::fromStdString(reply.error().message);
  if (reply->status != 200) return tr("%1 refused: %2").arg(peer_name(number), QString::fromStdString(reply->body));
  return tr("%1 maintenance mode %2").arg(peer_name(number), on ? tr("on") : tr("off"));
}

}  // namespace tandem::view
