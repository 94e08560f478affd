#include "runtime/cluster/replication.hpp"

#include <charconv>
#include <cstdio>

namespace tandem::cluster {
namespace {

constexpr char kActor[] = "replication";
constexpr char kLineageKey[] = "lineage";
constexpr char kRevisionKey[] = "revision";

AlarmId alarm_for(Refusal reason) {
  switch (reason) {
    case Refusal::UpgradeInProgress: return AlarmId::ReplicationUpgradeInProgress;
    case Refusal::NotInList: return AlarmId::ReplicationLocalPeerNotListed;
    case Refusal::PrimaryIdInconsistent: return AlarmId::ReplicationPrimaryIdInconsistent;
    case Refusal::ConfigurationConflict: return AlarmId::ReplicationConfigurationConflict;
    case Refusal::SettingsMismatch: return AlarmId::ReplicationManualSyncRequired;
  }
  return AlarmId::ReplicationManualSyncRequired;
}

constexpr AlarmId kReplicationAlarms[] = {
    AlarmId::ReplicationUpgradeInProgress,     AlarmId::ReplicationLocalPeerNotListed,
    AlarmId::ReplicationPrimaryIdInconsistent, AlarmId::ReplicationConfigurationConflict,
    AlarmId::ReplicationManualSyncRequired,    AlarmId::ReplicationNtpUnreachable,
    AlarmId::ReplicationNoPrimaryOrPeerFile,   AlarmId::DatabaseFailure,
};

void trace_database(Env& env, DatabaseStatus status, std::int64_t revision) {
  env.trace("cluster.database", std::string(to_string(status)) + " revision " + std::to_string(revision));
}

// Each change of the database status is a trace record (tandem-view shows it).
void set_status(Env& env, DatabaseStatus& status, DatabaseStatus next, std::int64_t revision) {
  if (status == next) return;
  status = next;
  trace_database(env, next, revision);
}

}  // namespace

std::string_view to_string(DatabaseStatus status) {
  switch (status) {
    case DatabaseStatus::Inactive: return "Inactive";
    case DatabaseStatus::Syncing: return "Syncing";
    case DatabaseStatus::Active: return "Active";
    case DatabaseStatus::Failed: return "Failed";
  }
  return "?";
}

struct Replication::Subordinate {
  std::unique_ptr<VerifiedLink> link;
  bool accepted = false;  // its last hello passed: it receives pushes
};

Result<std::unique_ptr<Replication>> Replication::start(ReplicationContext context, ReplicationOptions options) {
  if (auto ok = check(context.settings); !ok) return ok.error();
  if (context.self_slot < 1 || context.self_slot > context.settings.peer_count()) {
    return make_error("replication: this system is not in the list of peers");
  }
  std::unique_ptr<Replication> r(new Replication(std::move(context), options));
  if (auto ok = r->load_state(); !ok) return ok.error();
  // Every peer serves the database port: subordinates answer a hello with the
  // "primary ID is inconsistent" refusal, so a misconfigured peer is told.
  if (auto ok = r->serve(); !ok) return ok.error();
  if (!r->is_primary()) r->follow();
  return r;
}

Replication::Replication(ReplicationContext context, ReplicationOptions options)
    : ctx_(std::move(context)), options_(options) {}

Replication::~Replication() = default;

Status Replication::load_state() {
  auto lineage = ctx_.store.meta(kLineageKey);
  auto revision = ctx_.store.meta(kRevisionKey);
  if (!lineage || !revision) return make_error("replication: cannot read the database state");
  lineage_ = *lineage;
  revision_ = 0;
  if (!revision->empty()) {
    const auto [end, ec] = std::from_chars(revision->data(), revision->data() + revision->size(), revision_);
    if (ec != std::errc() || end != revision->data() + revision->size()) {
      return make_error("replication: stored revision '" + *revision + "' is corrupt");
    }
  }
  if (is_primary() && lineage_.empty()) {
    // The cluster database is born with its primary: a fresh lineage.
    char id[17];
    std::snprintf(id, sizeof id, "%016llx", static_cast<unsigned long long>(ctx_.env.random().next_u64()));
    lineage_ = id;
    if (revision_ < 0) revision_ = 0;
    if (auto ok = ctx_.store.set_meta(kLineageKey, lineage_); !ok) return ok;
  }
  if (is_primary()) status_ = DatabaseStatus::Active;
  trace_database(ctx_.env, status_, revision_);
  return {};
}

Result<std::size_t> Replication::commit(const std::vector<config::Change>& changes, std::string_view actor) {
  const WallTime at = ctx_.env.wall_now();
  if (!is_primary()) {
    // Local edits stand until the primary's values overwrite them: ask at once.
    auto changed = ctx_.store.apply(changes, actor, at, 0, {{kRevisionKey, "-1"}});
    if (changed && *changed > 0) {
      revision_ = -1;
      send_hello();
    }
    return changed;
  }
  const std::int64_t next = revision_ + 1;
  auto changed = ctx_.store.apply(changes, actor, at, next, {{kRevisionKey, std::to_string(next)}});
  if (!changed || *changed == 0) return changed;
  revision_ = next;
  ctx_.env.trace("cluster.commit", "revision " + std::to_string(next));
  push(next);
  return changed;
}

Status Replication::force_config_update() {
  if (is_primary()) return make_error("ForceConfigUpdate runs on a subordinate; this peer is the configuration primary");
  auto done = ctx_.store.replace_replicated({}, "ForceConfigUpdate", ctx_.env.wall_now(),
                                            {{kLineageKey, ""}, {kRevisionKey, "-1"}});
  if (!done) return done.error();
  lineage_.clear();
  revision_ = -1;
  clear_replication_alarms();
  set_status(ctx_.env, status_, DatabaseStatus::Syncing, revision_);
  send_hello();
  return {};
}

// ---- primary -------------------------------------------------------------------

std::optional<IpAddress> Replication::own_address() const {
  if (ctx_.own_address) return ctx_.own_address;
  auto literal = IpAddress::parse(ctx_.settings.peers[static_cast<std::size_t>(ctx_.self_slot - 1)]);
  return literal ? std::optional<IpAddress>(*literal) : std::nullopt;
}

Status Replication::serve() {
  auto listener = ctx_.env.listen(Endpoint{own_address().value_or(IpAddress{}), options_.port}, ctx_.tls,
                                  [this](std::unique_ptr<Stream> stream) { on_accept(std::move(stream)); });
  if (!listener) return make_error("cluster database port: " + listener.error().message);
  listener_ = std::move(listener.value());
  return {};
}

void Replication::on_accept(std::unique_ptr<Stream> stream) {
  const std::uint64_t id = next_id_++;
  auto sub = std::make_unique<Subordinate>();
  sub->link = std::make_unique<VerifiedLink>(
      ctx_.env, std::move(stream), ctx_.settings.tls_mode,
      [this, id](const IdentityVerdict& verdict) {
        const Endpoint& remote = subordinates_.at(id)->link->remote();
        if (!admit_peer(verdict, "database connection", remote, ctx_.env, "replication")) {
          subordinates_.erase(id);
        }
      },
      [this, id](const wire::Frame& f) { on_hello(id, f); }, [this, id](const Status&) { subordinates_.erase(id); });
  subordinates_[id] = std::move(sub);
}

void Replication::on_hello(std::uint64_t id, const wire::Frame& frame) {
  Subordinate& sub = *subordinates_.at(id);
  auto hello = decode_hello(frame);
  if (!hello) {
    ctx_.env.log(LogLevel::Warn, "replication", "dropping " + sub.link->remote().to_string() + ": " + hello.error().message);
    subordinates_.erase(id);
    return;
  }
  if (auto refusal = judge(*hello, sub.link->stream())) {
    sub.accepted = false;
    sub.link->send(encode(*refusal));
    return;
  }
  auto update = update_for(*hello);
  if (!update) {
    ctx_.env.log(LogLevel::Error, "replication", update.error().message);
    return;
  }
  sub.accepted = true;
  sub.link->send(encode(*update));
}

std::optional<Refuse> Replication::judge(const Hello& hello, const Stream& stream) const {
  if (!is_primary()) {
    return Refuse{Refusal::PrimaryIdInconsistent, "peer " + std::to_string(ctx_.self_slot) +
                                                      " is not the configuration primary; peer " +
                                                      std::to_string(ctx_.settings.primary) + " is"};
  }
  if (hello.software_version != ctx_.software_version) {
    return Refuse{Refusal::UpgradeInProgress,
                  "primary runs " + ctx_.software_version + ", this peer " + hello.software_version};
  }
  const int count = ctx_.settings.peer_count();
  const auto listed = hello.slot <= count ? IpAddress::parse(ctx_.settings.peers[static_cast<std::size_t>(hello.slot - 1)])
                                          : Result<IpAddress>(make_error("unlisted"));
  if (hello.slot > count || (listed && *listed != stream.remote().ip)) {
    return Refuse{Refusal::NotInList, "the primary does not list " + stream.remote().ip.to_string() + " as peer " +
                                          std::to_string(hello.slot)};
  }
  if (hello.primary != ctx_.settings.primary) {
    return Refuse{Refusal::PrimaryIdInconsistent, "this peer names peer " + std::to_string(hello.primary) +
                                                      " as primary; the primary is peer " +
                                                      std::to_string(ctx_.settings.primary)};
  }
  if (hello.settings_hash != ctx_.settings.hash()) {
    return Refuse{Refusal::SettingsMismatch, "clustering settings differ from the primary's"};
  }
  if (!hello.lineage.empty() && hello.lineage != lineage_) {
    return Refuse{Refusal::ConfigurationConflict,
                  "this peer holds cluster database " + hello.lineage + ", the primary " + lineage_};
  }
  return std::nullopt;
}

// Everything for a snapshot, else what is newer than the hello's revision:
// subordinates pull every 30 s, and mostly nothing is.
Result<Update> Replication::update_for(const Hello& hello) {
  Update update;
  update.lineage = lineage_;
  update.revision = revision_;
  update.snapshot = hello.lineage.empty() || hello.applied_revision < 0 || hello.applied_revision > revision_;
  auto items = update.snapshot ? ctx_.store.items(config::Scope::Replicated)
                               : ctx_.store.items(config::Scope::Replicated, hello.applied_revision);
  if (!items) return items.error();
  update.items = std::move(items.value());
  return update;
}

void Replication::push(std::int64_t revision) {
  auto items = ctx_.store.items(config::Scope::Replicated);
  if (!items) return;
  Update update{false, lineage_, revision, {}};
  for (auto& item : *items) {
    if (item.revision == revision) update.items.push_back(std::move(item));
  }
  const auto frame = encode(update);
  for (auto& [id, sub] : subordinates_) {
    if (sub->accepted) sub->link->send(frame);
  }
}

// ---- subordinate -----------------------------------------------------------------

void Replication::follow() {
  const std::string& primary = ctx_.settings.peers[static_cast<std::size_t>(ctx_.settings.primary - 1)];
  dialer_ = std::make_unique<net::Dialer>(ctx_.env, primary, options_.port, own_address(), ctx_.tls, options_.retry,
                                          [this](std::unique_ptr<Stream> stream) { on_connected(std::move(stream)); });
  dialer_->dial();
  pull_timer_ = ctx_.env.start_timer(options_.pull_interval, [this] { pull(); });
}

void Replication::on_connected(std::unique_ptr<Stream> stream) {
  link_ = std::make_unique<VerifiedLink>(
      ctx_.env, std::move(stream), ctx_.settings.tls_mode,
      [this](const IdentityVerdict& verdict) { on_primary_verdict(verdict); },
      [this](const wire::Frame& f) { on_update(f); },
      [this](const Status&) {
        link_.reset();
        if (status_ == DatabaseStatus::Active) set_status(ctx_.env, status_, DatabaseStatus::Syncing, revision_);
        dialer_->redial();
      });
}

// The hello goes only to a verified primary; a refused one is dialed again later.
void Replication::on_primary_verdict(const IdentityVerdict& verdict) {
  const std::string where = "primary peer " + std::to_string(ctx_.settings.primary);
  if (!admit_peer(verdict, where, link_->remote(), ctx_.env, "replication")) {
    link_.reset();
    set_status(ctx_.env, status_, DatabaseStatus::Failed, revision_);
    dialer_->redial();
    return;
  }
  send_hello();
}

void Replication::pull() {
  send_hello();
  pull_timer_ = ctx_.env.start_timer(options_.pull_interval, [this] { pull(); });
}

void Replication::send_hello() {
  if (!link_ || !link_->accepted()) return;  // the verdict sends it
  if (!ctx_.ntp_synchronized()) {
    fail(AlarmId::ReplicationNtpUnreachable, "NTP is not synchronized on this peer");
    return;
  }
  ctx_.alarms.clear(AlarmId::ReplicationNtpUnreachable);
  link_->send(encode(Hello{static_cast<std::uint8_t>(ctx_.self_slot), ctx_.software_version,
                           static_cast<std::uint8_t>(ctx_.settings.primary), ctx_.settings.hash(), lineage_, revision_}));
  if (answer_timer_.active()) return;  // an earlier hello is still waiting
  answer_timer_ = ctx_.env.start_timer(options_.answer_timeout, [this] {
    // A powered-off primary sends nothing, not even a reset: silence is the sign.
    fail(AlarmId::ReplicationNoPrimaryOrPeerFile, "the primary did not answer");
    link_.reset();
    dialer_->redial();
  });
}

void Replication::on_update(const wire::Frame& frame) {
  answer_timer_.cancel();
  if (frame.type == kRefuseFrame) {
    auto refuse = decode_refuse(frame);
    if (refuse) fail(alarm_for(refuse->reason), refuse->detail);
    return;
  }
  auto update = decode_update(frame);
  if (!update) {
    ctx_.env.log(LogLevel::Warn, "replication", "bad update from the primary: " + update.error().message);
    link_.reset();
    dialer_->redial();
    return;
  }
  if (!update->snapshot && update->lineage != lineage_) return;  // a push racing a ForceConfigUpdate
  if (!ctx_.ntp_synchronized()) {
    fail(AlarmId::ReplicationNtpUnreachable, "NTP is not synchronized on this peer");
    return;
  }
  const config::Store::Meta meta = {{kLineageKey, update->lineage}, {kRevisionKey, std::to_string(update->revision)}};
  const WallTime at = ctx_.env.wall_now();
  auto applied = update->snapshot ? ctx_.store.replace_replicated(update->items, kActor, at, meta)
                                  : ctx_.store.apply_replicated(update->items, kActor, at, meta);
  if (!applied) {
    // The update is sound (it decoded and matches our lineage); the local
    // database could not take it. The next pull tries again.
    fail(AlarmId::DatabaseFailure, "cannot apply the primary's configuration: " + applied.error().message);
    return;
  }
  lineage_ = update->lineage;
  revision_ = update->revision;
  clear_replication_alarms();
  set_status(ctx_.env, status_, DatabaseStatus::Active, revision_);
  ctx_.env.trace("cluster.applied", "revision " + std::to_string(revision_));
  if (*applied > 0) ctx_.on_applied();
}

void Replication::fail(AlarmId alarm, const std::string& detail) {
  if (ctx_.alarms.raise(alarm, detail, ctx_.env.wall_now())) {
    ctx_.env.log(LogLevel::Warn, "replication", std::string(alarm_spec(alarm).text) + " (" + detail + ")");
  }
  set_status(ctx_.env, status_, DatabaseStatus::Failed, revision_);
}

void Replication::clear_replication_alarms() {
  for (AlarmId id : kReplicationAlarms) ctx_.alarms.clear(id);
}

}  // namespace tandem::cluster
