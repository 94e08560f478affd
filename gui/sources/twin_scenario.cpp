#include "gui/sources/twin_scenario.hpp"

#include "runtime/ops/procedures.hpp"
#include "simulator/endpoints/cluster_dns.hpp"
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
  if (scenario.endpoints < 0 || scenario.endpoints > kMaxTwinEndpoints) {
    return make_error("a twin cluster has 0 to " + std::to_string(kMaxTwinEndpoints) + " endpoints, not " +
                      std::to_string(scenario.endpoints));
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

Result<std::unique_ptr<sim::endpoints::EndpointPopulations>> add_twin_endpoints(sim::ClusterTwin& twin, int count) {
  using sim::endpoints::EndpointKind;
  if (count <= 0) return std::unique_ptr<sim::endpoints::EndpointPopulations>();
  if (auto ok = sim::endpoints::publish_cluster_records(twin, kClusterName); !ok) return ok.error();
  auto pops = std::make_unique<sim::endpoints::EndpointPopulations>(twin);
  const int outbound = twin.host_count() >= 2 ? count / 4 : 0;  // outbound needs two peers
  const int h323 = (count - outbound) / 3;
  const std::pair<const char*, EndpointKind> kinds[] = {
      {"sip-srv", EndpointKind::SipSrv}, {"sip-outbound", EndpointKind::SipOutbound}, {"h323-srv", EndpointKind::H323Srv}};
  const int counts[] = {count - outbound - h323, outbound, h323};
  for (int i = 0; i < 3; ++i) {
    if (counts[i] == 0) continue;
    sim::endpoints::PopulationSpec spec;
    spec.name = kinds[i].first;
    spec.kind = kinds[i].second;
    spec.count = counts[i];
    spec.cluster_name = kClusterName;
    spec.h323.time_to_live_s = 60;
    if (auto added = pops->add(std::move(spec)); !added) return added.error();
  }
  return pops;
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
