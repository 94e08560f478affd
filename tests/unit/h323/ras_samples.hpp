#pragma once
// One filled-in RAS message of each kind the codec models, for the codec's
// tests, the fuzz test's seeds, and the tshark check (tests/integration/
// test_h323_ras_tshark.py states what Wireshark must show for each by name).

#include <string>
#include <utility>
#include <vector>

#include "runtime/h323/ras_message.hpp"

namespace tandem::h323::test {

inline Endpoint at(const char* text) { return Endpoint::parse(text).value(); }

inline std::vector<std::pair<std::string, RasMessage>> samples() {
  const AlternateGatekeeper alt2{at("10.0.0.2:1719"), "", true, 0};
  const AlternateGatekeeper alt3{at("10.0.0.3:1719"), "PEER3", true, 1};

  GatekeeperRequest grq;
  grq.seq = 101;
  grq.ras_address = at("10.0.0.50:1719");
  grq.endpoint_type = EndpointKind::Terminal;
  grq.aliases = {{AliasKind::H323Id, "alice"}};
  grq.supports_alt_gk = true;

  GatekeeperConfirm gcf;
  gcf.seq = 101;
  gcf.gatekeeper_id = "PEER1";
  gcf.ras_address = at("10.0.0.1:1719");
  gcf.alternates = {alt2, alt3};

  GatekeeperReject grj;
  grj.seq = 102;
  grj.gatekeeper_id = "PEER1";
  grj.reason = GatekeeperRejectReason::ResourceUnavailable;
  grj.alternates = {alt2};

  RegistrationRequest rrq;
  rrq.seq = 201;
  rrq.discovery_complete = true;
  rrq.call_signal_addresses = {at("10.0.0.50:1720")};
  rrq.ras_addresses = {at("10.0.0.50:1719")};
  rrq.terminal_type = EndpointKind::Terminal;
  rrq.aliases = {{AliasKind::H323Id, "alice"}, {AliasKind::DialledDigits, "5551234#"},
                 {AliasKind::UrlId, "h323:alice@example.com"}, {AliasKind::EmailId, "alice@example.com"}};
  rrq.gatekeeper_id = "PEER1";
  rrq.vendor = VendorId{181, 0, 21324, "Tandem twin", "1.0"};
  rrq.time_to_live_s = 300;
  rrq.supports_alt_gk = true;

  RegistrationRequest keep_alive;
  keep_alive.seq = 202;
  keep_alive.call_signal_addresses = {at("10.0.0.50:1720")};
  keep_alive.ras_addresses = {at("10.0.0.50:1719")};
  keep_alive.aliases = {{AliasKind::H323Id, "alice"}};
  keep_alive.vendor = VendorId{181, 0, 21324, "", ""};
  keep_alive.time_to_live_s = 300;
  keep_alive.keep_alive = true;
  keep_alive.endpoint_id = "EP-00000001";
  keep_alive.gatekeeper_id = "PEER1";

  RegistrationConfirm rcf;
  rcf.seq = 201;
  rcf.call_signal_addresses = {at("10.0.0.1:1720")};
  rcf.aliases = {{AliasKind::H323Id, "alice"}};
  rcf.gatekeeper_id = "PEER1";
  rcf.endpoint_id = "EP-00000001";
  rcf.alternates = {alt2, alt3};
  rcf.time_to_live_s = 1800;

  RegistrationReject rrj;
  rrj.seq = 203;
  rrj.reason = RegistrationRejectReason::ResourceUnavailable;
  rrj.gatekeeper_id = "PEER1";
  rrj.alternates = {alt2, alt3};

  RegistrationReject duplicate;
  duplicate.seq = 204;
  duplicate.reason = RegistrationRejectReason::DuplicateAlias;
  duplicate.duplicate_aliases = {{AliasKind::H323Id, "alice"}};

  UnregistrationRequest urq;
  urq.seq = 301;
  urq.call_signal_addresses = {at("10.0.0.50:1720")};
  urq.aliases = {{AliasKind::H323Id, "alice"}};
  urq.endpoint_id = "EP-00000001";
  urq.gatekeeper_id = "PEER1";
  urq.reason = UnregRequestReason::Maintenance;

  RegistrationRequest ipv6;
  ipv6.seq = 205;
  ipv6.call_signal_addresses = {at("[2001:db8::50]:1720")};
  ipv6.ras_addresses = {at("[2001:db8::50]:1719")};
  ipv6.terminal_type = EndpointKind::Mcu;
  ipv6.aliases = {{AliasKind::H323Id, "r\xC3\xA9union"}};  // "réunion": a non-ASCII BMP character

  return {
      {"grq", grq},
      {"gcf", gcf},
      {"grj", grj},
      {"rrq", rrq},
      {"rrq_keepalive", keep_alive},
      {"rcf", rcf},
      {"rrj", rrj},
      {"rrj_duplicate", duplicate},
      {"urq", urq},
      {"ucf", UnregistrationConfirm{302}},
      {"urj", UnregistrationReject{303, UnregRejectReason::NotCurrentlyRegistered}},
      {"rrq_ipv6", ipv6},
  };
}

}  // namespace tandem::h323::test
