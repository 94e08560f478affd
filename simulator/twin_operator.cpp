#include "simulator/twin_operator.hpp"

namespace tandem::sim {

Result<ops::Reply> TwinOperator::call(const std::string& address, std::string_view method, std::string_view target,
                                      std::string_view body) {
  auto response = twin_.request(address, twin_.authorized(std::string(method), std::string(target), std::string(body)));
  if (!response) return response.error();
  return ops::Reply{response->status, std::move(response->body)};
}

void TwinOperator::wait(Duration duration) {
  // Only the event cap stops a run; a twin that hits it has nothing more to say.
  (void)twin_.run_for(duration);
}

Status TwinOperator::upgrade(const std::string& address, const std::string& version) {
  const auto host = twin_.host_at(address);
  if (!host) return make_error("no twin host has the address " + address);
  if (!twin_.running(*host)) return make_error(address + " is not running: it cannot be upgraded");
  if (auto ok = twin_.set_software_version(*host, version); !ok) return ok;
  twin_.reboot(*host);
  return {};
}

}  // namespace tandem::sim
