#pragma once
// ClusterTwin: a cluster's worth of tandemd-like peers in the twin, looking
// from outside exactly like real tandemd processes. Each host peerN
// (10.0.0.N, system name PEERN, FQDN peerN.tandem.test, in the twin's DNS)
// runs one "tandemd": installed on its first boot as `tandemd init` does,
// the Peer and its admin API on 8443, later boots reusing the disk.
// xCommand Restart restarts it as tandemd re-executes: the process is
// destroyed cleanly and made again, memory lost, disk kept, running the
// software version set for that host at that moment (to rehearse upgrades).
// Like tandemd, each start takes the LAN address from the configuration
// (Ethernet 1 IP V4 Address): once it was changed, the host lives at the new
// address from its next start (address(), host_at() and the FQDN's DNS record
// follow); an address another host has, or none, and tandemd does not start.
//
// The operator's workstation is a host too ("operator", 10.0.0.100), so it
// can be cut off from a peer. request() sends an admin request from it over
// the modelled network (TLS on 8443; the server sees the workstation's
// address as the client) and runs the twin until the reply arrives. Errors
// are what an HTTPS client would meet:
//   - "cannot resolve ...": a name the twin's DNS does not know.
//   - "... refused": nothing listens there. No host has the address, or the
//     host's tandemd is not running (crash(), or it failed to start): the
//     host's kernel answers with a reset.
//   - "... timed out ...": nothing answers. The host is powered off
//     (power_off()), partitioned from the workstation, or paused past the
//     limit (no reply within the limit).
//   - "... reset by peer": tandemd crashed with the request in flight;
//     "... closed the connection without a reply": it restarted meanwhile.
// The cluster's own traffic sees crash() and power_off() alike (SimHost's
// crash: other peers' packets find no one); only the workstation's view of
// a crashed host's kernel differs.
//
// Deterministic: same seed and same calls give the same trace hash. Not
// re-entrant: request() and run_*() must not be called from a twin callback.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/admin/admin_api.hpp"
#include "runtime/cluster/membership.hpp"
#include "runtime/cluster/replication.hpp"
#include "runtime/core/version.hpp"
#include "simulator/simulation.hpp"

namespace tandem {
class Peer;
}

namespace tandem::sim {

inline constexpr std::uint16_t kAdminPort = 8443;
inline constexpr int kMaxHostsUpFront = 6;  // a cluster's worth
inline constexpr int kMaxTwinHosts = 16;    // spares included, for Replace a Peer
inline constexpr char kTwinDomain[] = "tandem.test";
inline constexpr char kTwinAdminUser[] = "admin";
// The longest a request waits for its reply; a watch waits up to 30 s.
inline constexpr Duration kRequestLimit = std::chrono::seconds(40);

struct ClusterTwinOptions {
  std::uint64_t seed = 1;
  int hosts = 3;  // made and started up front: 0..kMaxHostsUpFront
  std::string software_version = kBuildVersion;
  std::string admin_password = "Tandem-admin-1";  // at least 8 characters, as the install wizard asks
  // Production timings by default; tests may shorten them.
  cluster::MembershipOptions membership;
  cluster::ReplicationOptions replication;
  Duration link_latency = std::chrono::microseconds(250);  // one way, between any two hosts
  bool keep_trace = false;
  LogLevel log_level = LogLevel::Warn;
  bool print_logs = false;
};

class ClusterTwin {
 public:
  // partition() and heal() take this for the operator's workstation.
  static constexpr int kOperator = 0;

  // Errors name the option that is out of range.
  static Result<std::unique_ptr<ClusterTwin>> create(ClusterTwinOptions options = {});
  ~ClusterTwin();
  ClusterTwin(const ClusterTwin&) = delete;
  ClusterTwin& operator=(const ClusterTwin&) = delete;

  // ---- hosts, numbered 1..host_count() ------------------------------------
  // A fresh host at the next free address, started (installed on that boot).
  // Error once kMaxTwinHosts exist.
  Result<int> add_host();
  int host_count() const { return static_cast<int>(machines_.size()); }
  SimHost& host(int number);
  const std::string& address(int number) const;        // "10.0.0.N", or where it was moved
  std::string fqdn(int number) const;                  // "peerN.tandem.test"
  // The host with this address ("10.0.0.N") or FQDN ("peerN.tandem.test").
  std::optional<int> host_at(std::string_view address) const;
  // tandemd is up and serving its admin API.
  bool running(int number);
  // The peer inside, for what a test checks past the API; null when not running.
  Peer* peer(int number);
  static const IpAddress& operator_address();

  // ---- software -------------------------------------------------------------
  // Taken by the host's next start or restart. Error: an empty version.
  Status set_software_version(int number, std::string version);
  const std::string& software_version(int number) const;

  // ---- process control -------------------------------------------------------
  // tandemd is killed: memory and unsynced writes lost, down until restart().
  void crash(int number);
  // The machine goes off: as crash(), but the workstation's requests time out.
  void power_off(int number);
  // Starts a crashed or powered-off host again. Asserts it is down.
  void restart(int number);
  // What xCommand Restart does: tandemd stops cleanly (the disk keeps every
  // write, as the page cache outlives a process) and starts again at once.
  void reboot(int number);
  void pause(int number);
  void resume(int number);
  void step_wall_clock(int number, Duration offset);
  // Whether the host's NTP is synchronized (true from the start): what the
  // peer's replication and prerequisite checks ask, as tandemd asks its kernel.
  void set_ntp_synchronized(int number, bool synchronized);

  // ---- network: host numbers, or kOperator --------------------------------
  void partition(int a, int b);
  void partition_one_way(int from, int to);
  void heal(int a, int b);
  void heal_all();

  // ---- time ------------------------------------------------------------------
  Status run_for(Duration d);
  Result<bool> run_until(const std::function<bool()>& done, Duration limit);
  Duration now() const;  // virtual time since the twin was made

  // ---- the admin API, from the operator's workstation ----------------------
  // A request carrying the admin account's Basic credentials.
  admin::Request authorized(std::string method, std::string target, std::string body = "") const;
  // Sends `request` to the admin API at `address` (an IP address, or a name
  // the twin's DNS resolves for the workstation) and runs the twin until the
  // reply arrives or `limit` passes. Any HTTP status is a reply; errors are
  // listed at the top of this file. request.client is not sent: the server
  // sees the workstation's address, as tandemd would.
  Result<admin::Response> request(const std::string& address, admin::Request request,
                                  Duration limit = kRequestLimit);

  // ---- everything else --------------------------------------------------------
  Simulation& sim() { return *sim_; }
  std::uint64_t trace_hash() const { return sim_->trace().hash(); }
  const ClusterTwinOptions& options() const { return options_; }

 private:
  struct Machine;
  explicit ClusterTwin(ClusterTwinOptions options);
  Status start_workstation();
  Machine& machine(int number);
  const Machine& machine(int number) const;
  std::int32_t sim_index(int number);
  Result<IpAddress> resolve(const std::string& address, Duration limit);
  ProcessFactory daemon_factory(Machine& m);
  Status follow_configured_address(Machine& m, Env& env);
  void reboot_if(int number, std::uint64_t incarnation);

  ClusterTwinOptions options_;
  std::string admin_password_hash_;  // one for every host's install
  // Declared before sim_, and the destructor drops sim_ first: the processes
  // are gone before what their factories read.
  std::vector<std::unique_ptr<Machine>> machines_;
  std::unique_ptr<Simulation> sim_;
  SimHost* workstation_ = nullptr;
  bool running_loop_ = false;  // guards against re-entry from a twin callback
};

}  // namespace tandem::sim
