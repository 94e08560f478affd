#include "gui/sources/twin_scenario.hpp"

#include "runtime/ops/procedures.hpp"
#include "simulator/twin_operator.hpp"

namespace tandem::view {
namespace {

constexpr char kClusterName[] = "cluster.tandem.test";

Status run_plan(sim::TwinOperator& op, Result<ops::Plan> plan) {
  if (!plan) return plan.error();
  const ops::Report report = ops::run(op, *plan);
  if (!report.ok) return make_error(ops::describe(report));
  return {};
}

}  // namespace

Result<std::unique_ptr<sim::ClusterTwin>> form_twin_cluster(const TwinScenario& scenario) {
  if (scenario.peers < 1 || scenario.peers > sim::kMaxHostsUpFront) {
    return make_error("a twin cluster has 1 to 6 peers, not " + std::to_string(scenario.peers));
  }
  sim::ClusterTwinOptions options;
  options.seed = scenario.seed;
  options.hosts = scenario.peers;
  options.keep_trace = true;
  auto twin = sim::ClusterTwin::create(options);
  if (!twin) return twin.error();
  sim::TwinOperator op(**twin);
  const std::string primary = (*twin)->address(1);
  if (auto ok = run_plan(op, ops::create_cluster(op, primary, kClusterName)); !ok) return ok.error();
  for (int n = 2; n <= scenario.peers; ++n) {
    if (auto ok = run_plan(op, ops::add_peer(op, primary, (*twin)->address(n))); !ok) return ok.error();
  }
  return twin;
}

std::size_t copy_twin_records(sim::ClusterTwin& twin, std::size_t from, StateHistory& history) {
  const auto& records = twin.sim().trace().records();
  QVector<TraceEvent> batch;
  for (std::size_t i = from; i < records.size(); ++i) {
    const sim::TraceRecord& r = records[i];
    if (!kind_matters(QByteArrayView(r.kind.data(), static_cast<qsizetype>(r.kind.size())))) continue;
    batch.append(TraceEvent{r.t_ns, QString::fromStdString(r.kind), r.host, r.peer, r.size,
                            QString::fromStdString(r.detail)});
  }
  history.append(batch);
  return records.size();
}

QStringList twin_host_names(sim::ClusterTwin& twin) {
  QStringList names;
  for (std::size_t i = 0; i < twin.sim().host_count(); ++i) {
    names.append(QString::fromStdString(std::string(twin.sim().trace().host_name(static_cast<std::int32_t>(i)))));
  }
  return names;
}

}  // namespace tandem::view
