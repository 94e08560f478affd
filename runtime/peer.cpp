#include "runtime/peer.hpp"

#include "runtime/core/sha256.hpp"
#include "runtime/wire/frame.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <set>

namespace tandem {
namespace {

constexpr std::string_view kAlarmsKey = "alarms/active";
// How long after a start an alarm raised again counts as the one from before:
// long enough for membership to declare a still-missing peer failed.
constexpr Duration kAlarmCarryOver = std::chrono::minutes(2);

using cluster::AlarmId;

bool parse_count(std::string_view key, std::string_view prefix, std::uint32_t& out) {
  if (key.rfind(prefix, 0) != 0) return false;
  const std::string_view digits = key.substr(prefix.size());
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
  return ec == std::errc() && end == digits.data() + digits.size() && !digits.empty();
}


// Each certificate item must at least parse, so a typo cannot leave the peer
// without a certificate it can load at its next start.
Status check_certificate_items(const std::vector<config::Change>& changes) {
  for (const config::Change& change : changes) {
    auto where = config::vcs_schema().resolve(change.path);
    if (!where || change.value.empty() || !where->path.starts_with("Certificates ")) continue;
    Status ok;
    if (where->path == "Certificates Server PrivateKey") {
      ok = check_private_key(change.value);
    } else if (where->path != "Certificates CRL") {
      auto certificates = split_pem_certificates(change.value);
      if (!certificates) ok = certificates.error();
    }
    if (!ok) return make_error(where->path + ": " + ok.error().message + "; nothing was changed");
  }
  return {};
}

}  // namespace

InstalledKeys read_option_keys(const std::vector<std::string>& keys) {
  InstalledKeys out;
  for (const std::string& key : keys) {
    if (key.empty()) continue;
    std::uint32_t n = 0;
    if (parse_count(key, "LIC-TRAVERSAL-", n)) {
      out.licences.traversal_calls += n;
    } else if (parse_count(key, "LIC-NONTRAVERSAL-", n)) {
      out.licences.non_traversal_calls += n;
    } else if (parse_count(key, "LIC-TURN-", n)) {
      out.licences.turn_relays += n;
    } else {
      out.features.push_back(key);
    }
  }
  std::sort(out.features.begin(), out.features.end());
  std::string joined;
  for (const auto& f : out.features) joined += f + "\n";
  out.features_hash = sha256_hex(joined).substr(0, 16);
  return out;
}

namespace {

// ---- restore and factory reset, done at start -------------------------------
//
// xCommand Restore and xCommand FactoryReset leave a note (written to a
// temporary file, synced, then renamed into place) that the next start carries
// out before the store opens: a backup cannot replace an open database, and a
// reset made on a running peer could be partly undone by a replication push
// before its restart. The note goes only once the work is done, so a crash
// midway does it again; each step can be repeated.

constexpr char kPendingFile[] = "maintenance.pending";
constexpr char kPendingTemp[] = "maintenance.pending.tmp";
constexpr std::uint32_t kMaxPendingItems = 4096;
enum class PendingKind : std::uint8_t { Restore = 1, FactoryReset = 2 };

struct PendingChange {
  PendingKind kind = PendingKind::Restore;
  std::string backup_name;                 // Restore
  config::FactoryResetChoices choices;     // FactoryReset
  std::vector<config::Change> keep;        // written over the restored or reset store
};

// This machine's own items: what a backup taken on another peer must not bring.
bool own_item(std::string_view path) {
  static constexpr std::string_view kOwn[] = {"Ethernet ", "IP Gateway", "IP V6 Gateway", "IP Route ",
                                              "IP DNS Hostname", "Certificates ", "Option "};
  return std::any_of(std::begin(kOwn), std::end(kOwn), [&](std::string_view p) { return path.starts_with(p); });
}

Status write_pending(FileSystem& files, const PendingChange& p) {
  const config::FactoryResetChoices& c = p.choices;
  const std::uint8_t flags = static_cast<std::uint8_t>(c.keep_option_keys | c.keep_ip_configuration << 1 |
                                                       c.keep_certificates << 2 | c.keep_admin_passwords << 3 |
                                                       c.keep_logs << 4);
  wire::Writer w;
  w.u8(static_cast<std::uint8_t>(p.kind)).str(p.backup_name).u8(flags).u32(static_cast<std::uint32_t>(p.keep.size()));
  for (const config::Change& change : p.keep) w.str(change.path).str(change.value);
  if (auto ok = write_file_synced(files, kPendingTemp, w.bytes()); !ok) return ok;
  return files.rename(kPendingTemp, kPendingFile);
}

Result<PendingChange> read_pending(FileSystem& files) {
  auto bytes = read_file(files, kPendingFile);
  if (!bytes) return bytes.error();
  wire::Reader r(*bytes);
  PendingChange p;
  const std::uint8_t kind = r.u8("kind");
  p.kind = static_cast<PendingKind>(kind);
  p.backup_name = r.str("backup name", 4096);
  const std::uint8_t flags = r.u8("choices");
  p.choices = {(flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, (flags & 8) != 0, (flags & 16) != 0};
  const std::uint32_t count = r.u32("item count");
  if (count > kMaxPendingItems) r.fail("item count", "more than " + std::to_string(kMaxPendingItems));
  for (std::uint32_t i = 0; i < count && r.ok(); ++i) {
    std::string path = r.str("item path", 1024);
    p.keep.push_back({std::move(path), r.str("item value")});
  }
  if (auto ok = r.finish(); !ok) return ok.error();
  if (kind != 1 && kind != 2) return make_error("unknown kind " + std::to_string(kind));
  return p;
}

// Restore: the machine's own items as they were before, none of the backup's.
Status keep_own_items(config::Store& store, const std::vector<config::Change>& own, WallTime now) {
  std::set<std::string> kept;
  for (const config::Change& c : own) kept.insert(c.path);
  auto restored = store.items(config::Scope::PeerSpecific);
  if (!restored) return restored.error();
  std::vector<config::Change> changes = own;
  for (const config::StoredItem& item : *restored) {
    auto where = store.schema().resolve(item.path);
    if (where && own_item(item.path) && !kept.count(item.path)) {
      changes.push_back({item.path, where->spec->default_value});
    }
  }
  // The backup's cluster database state belongs to the peer it was taken on.
  if (auto ok = store.database().exec("DELETE FROM meta"); !ok) return ok;
  auto applied = store.apply(changes, "restore", now);
  return applied ? Status{} : Status(applied.error());
}

struct PendingOutcome {
  std::string event;  // "" when there is none to record (a reset records its own)
  std::string detail;
};

// Carries out the note left by xCommand Restore or FactoryReset, if any. An
// unusable note is dropped (the peer starts as it was) and the error says why.
Result<PendingOutcome> apply_pending(Env& env) {
  FileSystem& files = env.files();
  if (!files.exists(kPendingFile)) return PendingOutcome{};
  auto pending = read_pending(files);
  auto dropped = [&](const std::string& why) -> Result<PendingOutcome> {
    (void)files.remove(kPendingFile);
    return make_error(why);
  };
  if (!pending) return dropped("the pending restore or reset is unreadable (" + pending.error().message + ")");
  PendingOutcome outcome;
  if (pending->kind == PendingKind::Restore) {
    auto info = config::inspect_backup(files, pending->backup_name);
    if (!info) return dropped("restore of " + pending->backup_name + " refused: " + info.error().message);
    if (auto ok = config::restore_backup(files, pending->backup_name); !ok) return dropped(ok.error().message);
    outcome = {"peer.restored", "backup " + pending->backup_name + " from " + info->system_name + " (software " +
                                    info->software_version + ", sha256 " + info->sha256.substr(0, 16) + ")"};
  }
  auto store = config::Store::open(files, config::vcs_schema());
  if (!store) return store.error();  // the note stays: the peer cannot start either way
  const WallTime now = env.wall_now();
  Status done = pending->kind == PendingKind::Restore ? keep_own_items(**store, pending->keep, now)
                                                      : config::factory_reset(**store, pending->choices, now);
  if (done && pending->kind == PendingKind::FactoryReset) {
    auto kept = (*store)->apply(pending->keep, "factory-reset", now);
    if (!kept) done = kept.error();
  }
  if (!done) return done.error();
  if (auto ok = files.remove(kPendingFile); !ok) return ok.error();
  return outcome;
}

// What tandem-view needs to know of a peer that no other record says: its
// slot, the primary, its release, maintenance mode and its settings' digest.
void trace_status(Env& env, const Peer& peer) {
  const cluster::ClusteringSettings& s = peer.settings();
  env.trace("peer.status", "slot " + std::to_string(peer.this_system().value_or(0)) + " primary " +
                               std::to_string(s.clustered() ? s.primary : 0) + " peers " +
                               std::to_string(s.peer_count()) + " software " + peer.options().software_version +
                               " maintenance " + (peer.maintenance() ? "on" : "off") + " settings " + s.hash());
}

}  // namespace

Result<std::unique_ptr<Peer>> Peer::start(Env& env, PeerOptions options) {
  if (options.software_version.empty()) return make_error("a peer needs a software version");
  std::unique_ptr<Peer> peer(new Peer(env, std::move(options)));
  if (auto ok = peer->open(); !ok) return ok.error();
  if (auto ok = peer->start_h323(); !ok) return ok.error();  // before clustering: resource usage may share its port
  if (auto ok = peer->start_clustering(); !ok) return ok.error();
  if (auto ok = peer->start_sip(); !ok) return ok.error();
  if (!peer->locator_) peer->start_locator(nullptr);  // stand-alone: this peer is the only one to ask
  if (peer->sip_ || peer->gatekeeper_) peer->report_registrations();
  if (!peer->clustered()) trace_status(env, *peer);  // join_cluster() said it otherwise
  return peer;
}

void Peer::set_maintenance(bool on) {
  if (on == maintenance_) return;
  maintenance_ = on;
  trace_status(env_, *this);
}

// Endpoints register here (the guide: any peer of the cluster); the counts
// travel to the other peers with the resource usage on UDP 1719.
Status Peer::start_sip() {
  if (!options_.sip || *store_->get("SIP Mode") != "On" || env_.addresses().empty()) return {};
  const auto port = [this](const char* mode, const char* number) -> std::optional<std::uint16_t> {
    if (*store_->get(mode) != "On") return std::nullopt;
    return static_cast<std::uint16_t>(std::stoi(*store_->get(number)));
  };
  const auto seconds = [this](const char* path) { return static_cast<std::uint32_t>(std::stoul(*store_->get(path))); };
  sip::SipServiceOptions o;
  o.address = env_.addresses().front();
  o.udp_port = port("SIP UDP Mode", "SIP UDP Port");
  o.tcp_port = port("SIP TCP Mode", "SIP TCP Port");
  o.tls_port = port("SIP TLS Mode", "SIP TLS Port");
  if (!o.udp_port && !o.tcp_port && !o.tls_port) return {};
  if (o.tls_port) {  // endpoints see the same certificate as the other peers do
    o.tls = tls_;
    if (!o.tls) {
      auto config = tls_config();
      if (!config) return make_error("SIP TLS: " + config.error().message);
      auto context = env_.make_tls_context(*config);
      if (!context) return make_error("SIP TLS: " + context.error().message);
      o.tls = std::move(context.value());
    }
  }
  o.registrar.standard = {seconds("SIP Registration Standard Refresh Minimum"),
                          seconds("SIP Registration Standard Refresh Maximum")};
  o.registrar.outbound = {seconds("SIP Registration Outbound Refresh Minimum"),
                          seconds("SIP Registration Outbound Refresh Maximum")};
  if (auto replicated = store_->items(config::Scope::Replicated)) {
    for (const auto& item : *replicated) {
      if (item.path.starts_with("SIP Domains Domain ") && !item.value.empty()) o.registrar.domains.push_back(item.value);
    }
  }
  o.registrar.tag_seed = env_.random().next_u64();
  o.maintenance = [this] { return maintenance_; };
  auto service = sip::SipService::start(env_, std::move(o));
  if (!service) return make_error("SIP: " + service.error().message);
  sip_ = std::move(service.value());
  return {};
}

// Every sip_usage_interval: SIP and H.323 registrations count alike.
void Peer::report_registrations() {
  const auto bindings = static_cast<std::uint32_t>((sip_ ? sip_->registrar().counts().bindings : 0) +
                                                   (gatekeeper_ ? gatekeeper_->registration_count() : 0));
  if (bindings != local_usage_.registrations) {
    cluster::Usage usage = local_usage_;
    usage.registrations = bindings;
    (void)set_local_usage(usage);
  }
  sip_usage_timer_ = env_.start_timer(options_.sip_usage_interval, [this] { report_registrations(); });
}

// The gatekeeper on UDP 1719 (the guide: H.323 mode must be On on every
// peer); its port is shared with resource usage when that binds the same.
Status Peer::start_h323() {
  if (!options_.h323 || *store_->get("H323 Mode") != "On" || env_.addresses().empty()) return {};
  const auto number = [this](const char* path) { return static_cast<std::uint32_t>(std::stoul(*store_->get(path))); };
  h323::GatekeeperOptions o;
  const std::string name = *store_->get("SystemUnit Name");
  o.gatekeeper_id = !name.empty() && name.size() <= h323::kIdentifierCharsMax ? name : env_.addresses().front().to_string();
  o.ras_address = Endpoint{env_.addresses().front(), static_cast<std::uint16_t>(number("H323 Gatekeeper Registration UDP Port"))};
  o.call_signal_port = static_cast<std::uint16_t>(number("H323 Gatekeeper CallSignaling TCP Port"));
  o.time_to_live_s = number("H323 Gatekeeper TimeToLive");
  o.alternates = [this] { return h323_alternates(); };
  o.maintenance = [this] { return maintenance_; };
  auto port = cluster::SharedDatagramPort::open(env_, o.ras_address);
  if (!port) return make_error("H.323 RAS port: " + port.error().message);
  ras_port_ = std::move(port.value());
  auto gatekeeper = h323::Gatekeeper::attach(env_, std::move(o), [p = ras_port_.get()](const Endpoint& to, ByteView b) {
    p->send_to(to, b);
  });
  if (!gatekeeper) return make_error("H.323: " + gatekeeper.error().message);
  gatekeeper_ = std::move(gatekeeper.value());
  ras_port_->set_other_handler([g = gatekeeper_.get()](const Endpoint& from, ByteView b) { g->on_datagram(from, b); });
  return {};
}

// The guide: RCF lists the cluster's other peers as alternate gatekeepers.
// Each peer starts its list after itself, so endpoints of a lost peer spread.
std::vector<h323::AlternateGatekeeper> Peer::h323_alternates() const {
  std::vector<h323::AlternateGatekeeper> out;
  if (!gatekeeper_ || !settings_.clustered()) return out;
  const int n = settings_.peer_count();
  const int first = self_slot_.value_or(0);
  for (int k = 1; k <= n; ++k) {
    const int slot = (first + k - 1) % n + 1;
    const std::string& listed = settings_.peers[static_cast<std::size_t>(slot - 1)];
    std::optional<IpAddress> ip;
    if (auto literal = IpAddress::parse(listed)) {
      ip = *literal;
    } else if (auto it = resolved_.find(listed); it != resolved_.end() && !it->second.empty()) {
      ip = it->second.front();
    }
    const bool self = slot == self_slot_ || (ip && std::find(env_.addresses().begin(), env_.addresses().end(), *ip) !=
                                                       env_.addresses().end());
    if (!ip || self) continue;
    out.push_back({Endpoint{*ip, gatekeeper_->options().ras_address.port}, "", true, static_cast<std::uint8_t>(out.size())});
  }
  return out;
}

Peer::~Peer() = default;

std::vector<cluster::Located> Peer::located_here(std::string_view alias) const {
  std::vector<cluster::Located> out;
  if (sip_) {
    for (const sip::BindingStatus& b : sip_->registrar().bindings(alias, env_.now())) {
      out.push_back(cluster::Located{b.contact, std::string(sip::to_string(b.transport)), b.expires_in_s});
    }
  }
  if (gatekeeper_) {  // an H.323 alias of any kind (H.323 ID, E.164, URL or email), as registered
    const MonoTime now = env_.now();
    for (const h323::AliasKind kind : {h323::AliasKind::H323Id, h323::AliasKind::DialledDigits,
                                       h323::AliasKind::UrlId, h323::AliasKind::EmailId}) {
      const h323::Registration* r = gatekeeper_->find_alias(h323::Alias{kind, std::string(alias)});
      if (r == nullptr || r->expires <= now) continue;
      const std::string where = r->call_signal_addresses.empty() ? r->source.to_string() : r->call_signal_addresses.front().to_string();
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(r->expires - now).count();
      out.push_back(cluster::Located{"h323:" + std::string(alias) + "@" + where, "H323", static_cast<std::uint32_t>(left)});
    }
  }
  return out;
}

void Peer::start_locator(cluster::Membership* membership) {
  locator_ = std::make_unique<cluster::AliasLocator>(env_, membership,
                                                     [this](std::string_view alias) { return located_here(alias); },
                                                     env_.addresses().empty() ? "" : env_.addresses().front().to_string());
}

Status Peer::locate(std::string alias, cluster::AliasLocator::Done done) {
  return locator_->locate(std::move(alias), std::move(done));
}

Status Peer::open() {
  // Before the store opens: a restore replaces the database file.
  auto pending = apply_pending(env_);
  auto store = config::Store::open(env_.files(), config::vcs_schema());
  if (!store) {
    alarms_.raise(AlarmId::DatabaseFailure, store.error().message, env_.wall_now());
    return store.error();
  }
  store_ = std::move(store.value());
  // Alarms are recomputed from their causes at every start. One whose cause is
  // still there continues as it was (raise time, acknowledgement); the history
  // is kept in the event log.
  if (auto stored = store_->meta(kAlarmsKey); stored && !stored->empty()) {
    if (auto previous = cluster::decode_alarms(*stored)) {
      alarms_.carry_over(*previous, env_.wall_now() + kAlarmCarryOver);
    } else {
      env_.log(LogLevel::Warn, "alarms", previous.error().message + "; starting without them");
    }
  }
  alarms_.set_observer([this](const cluster::Alarm& alarm, cluster::AlarmEvent event) {
    static constexpr const char* kKinds[] = {"alarm.raised", "alarm.cleared", "alarm.acknowledged", "alarm.continued"};
    const std::string detail = std::to_string(static_cast<int>(alarm.id)) + " " +
                               std::string(cluster::alarm_spec(alarm.id).text) +
                               (alarm.detail.empty() ? "" : " (" + alarm.detail + ")");
    env_.trace(kKinds[static_cast<int>(event)], detail);
    if (event == cluster::AlarmEvent::Continued) return;  // the event log has it from before the restart
    (void)store_->add_event(env_.wall_now(), kKinds[static_cast<int>(event)], detail);
    (void)store_->set_meta(kAlarmsKey, cluster::encode_alarms(alarms_.list()));
  });
  if (!pending) {
    env_.log(LogLevel::Error, "maintenance", pending.error().message);
    (void)store_->add_event(env_.wall_now(), "peer.maintenance_failed", pending.error().message);
  } else if (!pending->event.empty()) {
    (void)store_->add_event(env_.wall_now(), pending->event, pending->detail);
  }
  (void)store_->add_event(env_.wall_now(), "peer.start", "software " + options_.software_version);
  auto settings = cluster::ClusteringSettings::load(*store_);
  if (!settings) return settings.error();
  settings_ = *settings;
  keys_ = installed_keys();
  system_name_ = *store_->get("SystemUnit Name");
  check_installed_certificate();
  return {};
}

void Peer::check_installed_certificate() {
  TlsConfig installed;
  installed.certificate_pem = *store_->get("Certificates Server Certificate");
  installed.private_key_pem = *store_->get("Certificates Server PrivateKey");
  if (installed.certificate_pem.empty()) return;
  if (auto usable = validate_tls_config(installed); !usable) {
    alarms_.raise(AlarmId::CertificateUnusable, usable.error().message, env_.wall_now());
  } else {
    alarms_.clear(AlarmId::CertificateUnusable);
  }
}

InstalledKeys Peer::installed_keys() const {
  std::vector<std::string> keys;
  for (int i = 1; i <= 64; ++i) {
    auto key = store_->get("Option " + std::to_string(i) + " Key");
    if (key) keys.push_back(*key);
  }
  return read_option_keys(keys);
}

// Starts membership and replication when this peer is in a valid cluster;
// otherwise raises the alarm that says why not (a stand-alone peer needs none).
Status Peer::start_clustering() {
  if (!settings_.clustered()) return {};
  const WallTime now = env_.wall_now();
  if (settings_.cluster_name.empty()) {
    alarms_.raise(AlarmId::ClusterNameNotConfigured, "", now);
    return {};
  }
  if (auto ok = cluster::check(settings_); !ok) {
    alarms_.raise(AlarmId::ReplicationManualSyncRequired, ok.error().message, now);
    return {};
  }
  if (settings_.names().empty()) return join_cluster();
  resolve_names();
  return {};
}

void Peer::resolve_names() {
  const auto names = settings_.names();
  lookups_.clear();
  resolved_.clear();
  lookup_errors_.clear();
  outstanding_lookups_ = names.size();
  const DnsType type = settings_.ip_version == cluster::IpVersion::V6 ? DnsType::AAAA : DnsType::A;
  for (const std::string& name : names) {
    lookups_.push_back(env_.lookup(name, type, [this, name](Result<DnsAnswer> answer) {
      if (answer) {
        resolved_[name] = answer->addresses;
      } else {
        lookup_errors_ += (lookup_errors_.empty() ? "" : "; ") + answer.error().message;
      }
      if (--outstanding_lookups_ > 0) return;
      if (auto ok = join_cluster(); !ok) env_.log(LogLevel::Error, "cluster", ok.error().message);
    }));
  }
}

// Finds "This system" and starts membership and replication on its address.
Status Peer::join_cluster() {
  const WallTime now = env_.wall_now();
  self_slot_ = settings_.this_system(env_.addresses(), resolved_);
  if (!self_slot_) {
    std::string detail = "none of this peer's addresses is a Peer N address";
    if (!lookup_errors_.empty()) detail += " (DNS: " + lookup_errors_ + ")";
    alarms_.raise(AlarmId::ReplicationLocalPeerNotListed, detail, now);
    // DNS may be fixed later: look again, as an operator would refresh the page.
    if (!settings_.names().empty()) resolve_retry_ = env_.start_timer(std::chrono::seconds(10), [this] { resolve_names(); });
    return {};
  }
  alarms_.clear(AlarmId::ReplicationLocalPeerNotListed);
  std::optional<IpAddress> own;
  const std::string& listed = settings_.peers[static_cast<std::size_t>(*self_slot_ - 1)];
  if (!IpAddress::parse(listed)) {
    for (const IpAddress& ip : resolved_[listed]) {
      if (std::find(env_.addresses().begin(), env_.addresses().end(), ip) != env_.addresses().end()) own = ip;
    }
  }
  auto tls = tls_config();
  if (!tls) return make_error("cluster TLS: " + tls.error().message);
  auto context = env_.make_tls_context(*tls);
  if (!context) return make_error("cluster TLS: " + context.error().message);
  tls_ = std::move(context.value());
  cluster::MembershipOptions membership_options = options_.membership;
  membership_options.own_address = own;
  auto membership = cluster::Membership::start(env_, settings_, *self_slot_, tls_, [this] { return heartbeat(); },
                                               alarms_, membership_options);
  if (!membership) return membership.error();
  membership_ = std::move(membership.value());
  membership_->set_on_change([this] {
    remember_peers();
    check_licences();
  });
  start_locator(membership_.get());
  recall_peers();
  licence_timer_ = env_.start_timer(options_.licence_check_interval, [this] { check_licences(); });
  cluster::ReplicationContext ctx{env_, *store_, alarms_, settings_, *self_slot_, options_.software_version, tls_,
                                  options_.ntp_synchronized, [this] { refresh_from_config(); }, own};
  auto replication = cluster::Replication::start(ctx, options_.replication);
  if (!replication) return replication.error();
  replication_ = std::move(replication.value());
  cluster::ResourceUsageOptions usage_options = options_.resource_usage;
  usage_options.own_address = own;
  usage_options.shared_port = ras_port_.get();
  auto usage = cluster::ResourceUsage::start(env_, settings_, *self_slot_, resolved_, local_usage_, usage_options);
  if (!usage) return usage.error();
  resource_usage_ = std::move(usage.value());
  refresh_from_config();
  trace_status(env_, *this);
  return {};
}

// Certificates are peer-specific configuration (Maintenance > Security
// certificates); options.tls stands in for any the store does not hold.
Result<TlsConfig> Peer::tls_config() const {
  TlsConfig tls = options_.tls;
  const std::string certificate = *store_->get("Certificates Server Certificate");
  if (!certificate.empty()) {
    tls.certificate_pem = certificate;
    tls.private_key_pem = *store_->get("Certificates Server PrivateKey");
    // An unusable pair must not cut the peer off: options.tls stands in
    // (Peer::open raised the alarm that says so).
    if (!validate_tls_config(tls) && !options_.tls.certificate_pem.empty()) {
      tls.certificate_pem = options_.tls.certificate_pem;
      tls.private_key_pem = options_.tls.private_key_pem;
    }
  }
  const std::string trusted = *store_->get("Certificates TrustedCA");
  if (!trusted.empty()) {
    auto cas = split_pem_certificates(trusted);
    if (!cas) return make_error("Certificates TrustedCA: " + cas.error().message);
    tls.trusted_ca_pem = std::move(cas.value());
  }
  tls.verify_mode = settings_.tls_mode;
  return tls;
}

// Heartbeats are frequent and configuration changes rare, so the facts other
// peers check are read from the store here, once per change.
Peer::ConfigFacts Peer::read_config_facts() const {
  ConfigFacts facts;
  facts.h323_on = *store_->get("H323 Mode") == "On";
  if (auto local = store_->items(config::Scope::PeerSpecific)) {
    for (const auto& item : *local) {
      if (item.path.starts_with("IP DNS Server ") && !item.value.empty()) ++facts.dns_servers;
    }
  }
  if (auto replicated = store_->items(config::Scope::Replicated)) {
    for (const auto& item : *replicated) {
      const bool neighbour_peer = item.path.starts_with("Zones Zone ") && item.path.find(" Neighbor Peer ") != std::string::npos;
      if (neighbour_peer && !item.value.empty() && facts.neighbour_addresses.size() < cluster::kMaxNeighbours) {
        facts.neighbour_addresses.push_back(item.value);
      }
    }
  }
  return facts;
}

void Peer::refresh_from_config() {
  keys_ = installed_keys();
  system_name_ = *store_->get("SystemUnit Name");
  config_facts_ = read_config_facts();
  if (clustered() && !config_facts_.h323_on) {
    alarms_.raise(AlarmId::InvalidClusteringH323Off, "", env_.wall_now());
  } else {
    alarms_.clear(AlarmId::InvalidClusteringH323Off);
  }
  if (gatekeeper_) {  // a new TimeToLive applies from the next registration, without a restart
    const auto ttl = std::stoul(*store_->get("H323 Gatekeeper TimeToLive"));
    (void)gatekeeper_->set_time_to_live(static_cast<std::uint32_t>(ttl));
  }
}

cluster::Heartbeat Peer::heartbeat() const {
  cluster::Heartbeat h;
  h.system_name = system_name_;
  h.software_version = options_.software_version;
  h.applied_revision = replication_ ? std::max<std::int64_t>(0, replication_->applied_revision()) : 0;
  h.lineage = replication_ ? replication_->lineage() : "";
  h.maintenance = maintenance_;
  h.registrations = local_usage_.registrations;
  h.calls = local_usage_.traversal_calls + local_usage_.non_traversal_calls;
  h.licences = keys_.licences;
  h.feature_keys_hash = keys_.features_hash;
  h.platform = static_cast<std::uint8_t>(options_.platform);
  h.h323_on = config_facts_.h323_on;
  h.dns_servers = config_facts_.dns_servers;
  h.ntp_synchronized = options_.ntp_synchronized();
  for (const IpAddress& ip : env_.addresses()) h.lan_addresses.push_back(ip.to_string());
  h.neighbour_addresses = config_facts_.neighbour_addresses;
  return h;
}

std::vector<cluster::CheckItem> Peer::prerequisites() const {
  const auto facts_of = [](const std::string& address, const cluster::Heartbeat& h, std::optional<Duration> rtt) {
    cluster::PeerFacts f;
    f.address = address;
    f.system_name = h.system_name;
    f.software_version = h.software_version;
    f.platform = static_cast<cluster::Platform>(h.platform);
    f.lan_addresses = h.lan_addresses;
    f.feature_keys_hash = h.feature_keys_hash;
    f.h323_on = h.h323_on;
    f.dns_servers = h.dns_servers;
    f.ntp_synchronized = h.ntp_synchronized;
    f.round_trip = rtt;
    f.neighbour_addresses = h.neighbour_addresses;
    return f;
  };
  std::vector<cluster::PeerFacts> facts;
  const std::string self = self_slot_ ? settings_.peers[static_cast<std::size_t>(*self_slot_ - 1)]
                                      : (env_.addresses().empty() ? "" : env_.addresses().front().to_string());
  facts.push_back(facts_of(self, heartbeat(), Duration::zero()));
  if (membership_) {
    for (const cluster::PeerView& v : membership_->peers()) {
      if (v.state == cluster::PeerState::ThisSystem) continue;
      if (v.last) {
        facts.push_back(facts_of(v.address, *v.last, v.rtt));
      } else {
        cluster::PeerFacts unknown;
        unknown.address = v.address;
        facts.push_back(unknown);  // never heard from: every fact fails, as it should
      }
    }
  }
  return cluster::check_prerequisites(facts);
}

Result<std::size_t> Peer::configure(const std::vector<config::Change>& changes, std::string_view actor) {
  if (auto ok = check_certificate_items(changes); !ok) return ok.error();
  auto changed = replication_ ? replication_->commit(changes, actor)
                              : store_->apply(changes, actor, env_.wall_now());
  if (!changed) return changed;
  refresh_from_config();
  if (*changed == 0) return changed;
  std::string restart;
  for (const auto& change : changes) {
    auto where = config::vcs_schema().resolve(change.path);
    if (where && where->spec->restart_required) restart += (restart.empty() ? "" : ", ") + where->path;
  }
  if (!restart.empty()) alarms_.raise(AlarmId::RestartRequired, restart, env_.wall_now());
  return changed;
}

// Licence borrowing runs 14 days from the last contact, across restarts: keep
// it on disk whenever a peer changes state (a heartbeat would be too often).
void Peer::remember_peers() {
  for (const cluster::PeerView& v : membership_->peers()) {
    if (!v.last_contact || !v.last) continue;
    const Remembered r{*v.last_contact, v.last->licences};
    remembered_[v.slot] = r;
    (void)store_->set_meta("peer/" + std::to_string(v.slot),
                           std::to_string(to_ns(r.last_contact)) + " " + std::to_string(r.licences.traversal_calls) +
                               " " + std::to_string(r.licences.non_traversal_calls) + " " +
                               std::to_string(r.licences.turn_relays));
  }
}

void Peer::recall_peers() {
  for (int slot = 1; slot <= cluster::kMaxPeers; ++slot) {
    auto stored = store_->meta("peer/" + std::to_string(slot));
    if (!stored || stored->empty()) continue;
    long long ns = 0;
    unsigned t = 0, n = 0, r = 0;
    if (std::sscanf(stored->c_str(), "%lld %u %u %u", &ns, &t, &n, &r) != 4) continue;  // unreadable: forgotten
    remembered_[slot] = Remembered{WallTime(Duration(ns)), cluster::Licences{t, n, r}};
  }
}

// "Licence capacity borrowed" stays up while an unreachable peer's licences
// are still in the pool, and goes when it returns or its 14 days run out.
void Peer::check_licences() {
  const cluster::LicencePool pool = licence_pool();
  std::string borrowed;
  for (int slot : pool.borrowed_from) {
    const auto contact = remembered_.count(slot) ? remembered_.at(slot).last_contact : WallTime{};
    const auto days_left = std::chrono::duration_cast<std::chrono::hours>(contact + cluster::kLicenceBorrowWindow - env_.wall_now()).count() / 24;
    borrowed += (borrowed.empty() ? "" : ", ") + std::string("peer ") + std::to_string(slot) + " (" +
                std::to_string(std::max<long long>(0, days_left)) + " days left)";
  }
  if (borrowed.empty()) {
    alarms_.clear(AlarmId::LicenceCapacityBorrowed);
  } else {
    alarms_.raise(AlarmId::LicenceCapacityBorrowed, borrowed, env_.wall_now());
  }
  licence_timer_ = env_.start_timer(options_.licence_check_interval, [this] { check_licences(); });
}

cluster::PeerLicences Peer::licences_of(const cluster::PeerView& v) const {
  if (v.state == cluster::PeerState::ThisSystem) return {v.slot, keys_.licences, true, {}};
  cluster::PeerLicences out{v.slot, {}, v.state == cluster::PeerState::Active, v.last_contact};
  if (v.last) out.installed = v.last->licences;
  auto it = remembered_.find(v.slot);
  if (it != remembered_.end()) {
    if (!v.last) out.installed = it->second.licences;
    if (!out.last_contact) out.last_contact = it->second.last_contact;
  }
  return out;
}

Status Peer::set_local_usage(const cluster::Usage& usage) {
  if (auto ok = cluster::check_usage(usage); !ok) return ok;
  local_usage_ = usage;
  return resource_usage_ ? resource_usage_->set_local(usage) : Status{};
}

cluster::DatabaseStatus Peer::database_status() const {
  return replication_ ? replication_->status() : cluster::DatabaseStatus::Inactive;
}

cluster::LicencePool Peer::licence_pool() const {
  std::vector<cluster::PeerLicences> peers;
  if (!membership_) {
    peers.push_back(cluster::PeerLicences{1, keys_.licences, true, {}});
    return cluster::pool_licences(peers, env_.wall_now());
  }
  for (const cluster::PeerView& v : membership_->peers()) peers.push_back(licences_of(v));
  return cluster::pool_licences(peers, env_.wall_now());
}

Status Peer::schedule_restore(const std::string& backup_name) {
  auto items = store_->items(config::Scope::PeerSpecific);
  if (!items) return items.error();
  PendingChange pending{PendingKind::Restore, backup_name, {}, {}};
  for (const config::StoredItem& item : *items) {
    if (own_item(item.path)) pending.keep.push_back({item.path, item.value});
  }
  return write_pending(env_.files(), pending);
}

Status Peer::schedule_factory_reset(const config::FactoryResetChoices& choices, std::vector<config::Change> keep) {
  return write_pending(env_.files(), PendingChange{PendingKind::FactoryReset, "", choices, std::move(keep)});
}

}  // namespace tandem
