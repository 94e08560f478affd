#include "runtime/admin/commands.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "runtime/admin/authentication.hpp"
#include "runtime/admin/base64.hpp"
#include "runtime/admin/password.hpp"
#include "runtime/config/maintenance.hpp"
#include "runtime/core/sha256.hpp"
#include "runtime/env/tls/pki.hpp"

namespace tandem::admin {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;
constexpr char kRevisionMeta[] = "revision";  // cluster/replication.cpp's applied revision
constexpr char kUploadTemp[] = "restore-upload.tmp";
constexpr char kBackupSuffix[] = ".tbk";
// A certificate made by a factory reset lasts as long as the install wizard's.
constexpr Duration kResetCertificateLifetime = std::chrono::hours(24 * 365 * 2);
constexpr std::string_view kResetNeedsIp =
    "FactoryReset with KeepIpConfiguration: No is not done over the admin API: the peer would lose its LAN "
    "address and could not come back to answer. Answer KeepIpConfiguration: Yes here (the LAN address, gateway, "
    "routes and DNS stay; everything else is reset as asked), or reset it at its console: stop tandemd, empty "
    "its data directory and run 'tandemd init' (the install wizard)";

// Arguments by their canonical name, checked against the command's list.
using Args = std::map<std::string_view, Json>;

struct CommandSpec {
  std::string_view name;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
  CommandOutcome (*run)(const Args& args, CommandContext& ctx);
};

CommandOutcome ok(std::string_view command, Json body) {
  Json out{{"command", command}};
  out.update(body);
  return {json_response(200, out)};
}

CommandOutcome refused(int status, std::string_view message) { return {error_response(status, message)}; }

Result<std::int64_t> int_arg(const Args& args, std::string_view name) {
  const Json& v = args.at(name);
  std::int64_t n = 0;
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
    if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) return n;
  }
  return make_error("argument " + std::string(name) + " must be a whole number, not " + to_text(v));
}

Result<std::string> text_arg(const Args& args, std::string_view name) {
  const Json& v = args.at(name);
  if (!v.is_string()) return make_error("argument " + std::string(name) + " must be a string, not " + to_text(v));
  return v.get<std::string>();
}

// Yes or No (any case), or a JSON boolean.
Result<bool> yes_no_arg(const Args& args, std::string_view name) {
  const Json& v = args.at(name);
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string() && iequals(v.get_ref<const std::string&>(), "Yes")) return true;
  if (v.is_string() && iequals(v.get_ref<const std::string&>(), "No")) return false;
  return make_error("argument " + std::string(name) + " must be Yes or No, not " + to_text(v));
}

CommandOutcome restart(const Args&, CommandContext&) { return {ok("Restart", {{"result", "restarting"}}).response, true}; }

CommandOutcome force_config_update(const Args&, CommandContext& ctx) {
  cluster::Replication* replication = ctx.peer.replication();
  if (!replication) {
    return refused(409, "ForceConfigUpdate runs on a subordinate of a cluster; this peer is not in a cluster");
  }
  if (auto done = replication->force_config_update(); !done) return refused(409, done.error().message);
  return ok("ForceConfigUpdate", {{"result", "replicated configuration dropped; taking the primary's"}});
}

CommandOutcome default_value_set(const Args& args, CommandContext& ctx) {
  auto level = int_arg(args, "Level");
  if (!level) return refused(400, level.error().message);
  if (*level != 2) return refused(400, "DefaultValueSet supports Level 2 only, not Level " + std::to_string(*level));
  auto changed = config::default_value_set_level2(ctx.peer.store(), ctx.env.wall_now());
  if (!changed) return refused(500, "DefaultValueSet failed: " + changed.error().message);
  // The replicated items are now no revision of any cluster database. A peer
  // removed from a cluster still holds that cluster's lineage and revision:
  // joining again it would be sent only what changed since, and keep these
  // defaults. -1 is replication's "take the primary's whole configuration".
  cluster::Replication* replication = ctx.peer.replication();
  if (!replication || !replication->is_primary()) {
    if (auto ok = ctx.peer.store().set_meta(kRevisionMeta, "-1"); !ok) {
      return refused(500, "DefaultValueSet failed: " + ok.error().message);
    }
  }
  return ok("DefaultValueSet", {{"changed", *changed}});
}

CommandOutcome default_links_add(const Args&, CommandContext& ctx) {
  auto added = config::default_links_add(ctx.peer.store(), ctx.env.wall_now());
  if (!added) return refused(500, "DefaultLinksAdd failed: " + added.error().message);
  return ok("DefaultLinksAdd", {{"added", *added}});
}

CommandOutcome alarm_acknowledge(const Args& args, CommandContext& ctx) {
  auto id = int_arg(args, "Id");
  if (!id) return refused(400, id.error().message);
  return {acknowledge_alarm(ctx.peer.alarms(), *id)};
}

CommandOutcome backup(const Args& args, CommandContext& ctx) {
  const WallTime now = ctx.env.wall_now();
  std::string name = "backup-" + iso8601(now) + ".tbk";
  std::erase(name, ':');  // a plain file name everywhere
  if (args.count("Name")) {
    auto given = text_arg(args, "Name");
    if (!given) return refused(400, given.error().message);
    name = *given;
  }
  if (auto valid = check_file_name(name); !valid) return refused(400, "argument Name: " + valid.error().message);
  auto info = config::backup(ctx.peer.store(), ctx.env.files(), name, ctx.peer.options().software_version, now);
  if (!info) return refused(500, "Backup failed: " + info.error().message);
  return ok("Backup", {{"file", name}, {"sha256", info->sha256}, {"software_version", info->software_version},
                       {"created_at", iso8601(now)}});
}

CommandOutcome maintenance_mode(const Args& args, CommandContext& ctx) {
  auto mode = text_arg(args, "Mode");
  if (!mode) return refused(400, mode.error().message);
  if (!iequals(*mode, "On") && !iequals(*mode, "Off")) return refused(400, "argument Mode must be On or Off, not '" + *mode + "'");
  ctx.peer.set_maintenance(iequals(*mode, "On"));
  return ok("MaintenanceMode", {{"maintenance", ctx.peer.maintenance() ? "On" : "Off"}});
}

CommandOutcome password_set(const Args& args, CommandContext& ctx) {
  auto name = text_arg(args, "Name");
  auto password = text_arg(args, "Password");
  if (!name) return refused(400, name.error().message);
  if (!password) return refused(400, password.error().message);
  if (password->empty() || password->size() > kMaxPasswordBytes) {
    return refused(400, "argument Password must be 1 to " + std::to_string(kMaxPasswordBytes) + " bytes long");
  }
  const auto slot = find_administrator(ctx.peer.store(), *name);
  if (!slot) return refused(404, "PasswordSet: no administrator account is named '" + *name + "'");
  const std::string hash = hash_password(*password, ctx.env.random());
  auto changed = ctx.peer.configure({{administrator_item(*slot, "PasswordHash"), hash}}, ctx.actor);
  if (!changed) return refused(500, "PasswordSet failed: " + changed.error().message);
  return ok("PasswordSet", {{"name", *name}, {"result", "password changed"}});
}

// ---- FactoryReset and Restore (done at the next start: Peer::schedule_*) ------

// KeepPasswords: No over the API keeps the account making the request (the
// install wizard would ask for one; here it is the one in use, so the
// operator can log in again); every other account goes.
Result<std::vector<config::Change>> caller_account(CommandContext& ctx) {
  config::Store& store = ctx.peer.store();
  const auto slot = find_administrator(store, ctx.actor);
  if (!slot) return make_error("the account in use, '" + std::string(ctx.actor) + "', is not an administrator account");
  std::vector<config::Change> keep;
  for (const char* field : {"Name", "PasswordHash", "AccessLevel", "State"}) {
    auto value = store.get(administrator_item(*slot, field));
    if (!value) return value.error();
    keep.push_back({administrator_item(1, field), *value});
  }
  return keep;
}

// KeepCertificates: No: a new self-signed certificate for the peer's FQDN and
// LAN addresses, as the install wizard makes one (a peer needs one to serve
// TLS). A cluster in Enforce mode needs a CA-issued one installed again.
Result<std::vector<config::Change>> fresh_certificate(CommandContext& ctx) {
  config::Store& store = ctx.peer.store();
  const std::string host = *store.get("IP DNS Hostname");
  const std::string domain = *store.get("IP DNS Domain Name");
  const std::string fqdn = host.empty() ? "tandem" : domain.empty() ? host : host + "." + domain;
  std::vector<IpAddress> addresses;
  for (const char* item : {"Ethernet 1 IP V4 Address", "Ethernet 1 IP V6 Address"}) {
    if (auto ip = IpAddress::parse(*store.get(item))) addresses.push_back(*ip);
  }
  const WallTime now = ctx.env.wall_now();
  auto cert = make_self_signed(
      CertificateRequest{fqdn, {fqdn}, addresses, now - std::chrono::hours(1), now + kResetCertificateLifetime, false});
  if (!cert) return cert.error();
  return std::vector<config::Change>{{"Certificates Server Certificate", cert->certificate_pem},
                                     {"Certificates Server PrivateKey", cert->private_key_pem}};
}

CommandOutcome factory_reset(const Args& args, CommandContext& ctx) {
  config::FactoryResetChoices choices;  // the guide's recommended answers: No to each
  const std::pair<std::string_view, bool*> questions[] = {
      {"KeepOptionKeys", &choices.keep_option_keys},   {"KeepIpConfiguration", &choices.keep_ip_configuration},
      {"KeepCertificates", &choices.keep_certificates}, {"KeepPasswords", &choices.keep_admin_passwords},
      {"KeepLogs", &choices.keep_logs}};
  for (const auto& [name, answer] : questions) {
    if (!args.count(name)) continue;
    auto yes = yes_no_arg(args, name);
    if (!yes) return refused(400, yes.error().message);
    *answer = *yes;
  }
  if (!choices.keep_ip_configuration) return refused(409, kResetNeedsIp);
  std::vector<config::Change> keep;  // what the reset peer needs to be reached again
  const std::pair<bool, Result<std::vector<config::Change>> (*)(CommandContext&)> needs[] = {
      {!choices.keep_admin_passwords, caller_account}, {!choices.keep_certificates, fresh_certificate}};
  for (const auto& [needed, make] : needs) {
    if (!needed) continue;
    auto changes = make(ctx);
    if (!changes) return refused(409, "FactoryReset refused: " + changes.error().message + "; nothing was changed");
    keep.insert(keep.end(), changes->begin(), changes->end());
  }
  if (auto ok = ctx.peer.schedule_factory_reset(choices, keep); !ok) {
    return refused(500, "FactoryReset failed: " + ok.error().message + "; nothing was changed");
  }
  Json kept = Json::array();
  for (const auto& [name, answer] : questions) {
    if (*answer) kept.push_back(name.substr(4));  // "OptionKeys", ...
  }
  const Json answer{{"result", "restarting to reset to the factory defaults"}, {"kept", kept}};
  return {ok("FactoryReset", answer).response, true};
}

// Checks an uploaded backup before anything changes; on success it is in the
// data directory as `name` and the restore waits for the restart.
CommandOutcome restore(const Args& args, CommandContext& ctx) {
  auto content = text_arg(args, "Content");
  if (!content) return refused(400, content.error().message);
  auto bytes = base64_decode(*content);
  if (!bytes) return refused(400, "argument Content is not base64: " + bytes.error().message + "; nothing was changed");
  const WallTime now = ctx.env.wall_now();
  std::string name = "restore-" + iso8601(now) + kBackupSuffix;
  std::erase(name, ':');
  if (args.count("Name")) {
    auto given = text_arg(args, "Name");
    if (!given) return refused(400, given.error().message);
    name = *given;
  }
  if (auto valid = check_file_name(name); !valid || !name.ends_with(kBackupSuffix)) {
    return refused(400, "argument Name must be a plain file name ending in " + std::string(kBackupSuffix) + ", not '" +
                            name + "'");
  }
  FileSystem& files = ctx.env.files();
  if (auto written = write_file_synced(files, kUploadTemp, *bytes); !written) {
    (void)files.remove(kUploadTemp);
    return refused(500, "Restore failed: " + written.error().message + "; nothing was changed");
  }
  auto info = config::inspect_backup(files, kUploadTemp);
  const std::string running = ctx.peer.options().software_version;
  if (!info || info->software_version != running) {
    (void)files.remove(kUploadTemp);
    if (!info) return refused(400, "argument Content: " + info.error().message + "; nothing was changed");
    return refused(409, "the backup was taken on software " + info->software_version + " and this peer runs " + running +
                            ": restore it on the release it was taken on; nothing was changed");
  }
  if (auto moved = files.rename(kUploadTemp, name); !moved) {
    return refused(500, "Restore failed: " + moved.error().message);
  }
  if (auto ok = ctx.peer.schedule_restore(name); !ok) return refused(500, "Restore failed: " + ok.error().message);
  return {ok("Restore", {{"result", "restarting to restore"}, {"file", name}, {"system_name", info->system_name},
                         {"software_version", info->software_version},
                         {"created_at", iso8601(WallTime(Duration(info->created_wall_ns)))}})
              .response,
          true};
}

// Status > Registrations > Unregister: removes every binding of an address of record.
CommandOutcome unregister(const Args& args, CommandContext& ctx) {
  auto aor = text_arg(args, "AddressOfRecord");
  if (!aor) return refused(400, aor.error().message);
  if (!ctx.peer.sip()) return refused(409, "Unregister: SIP is off on this peer");
  const std::size_t removed = ctx.peer.sip()->registrar().unregister(*aor);
  if (removed == 0) return refused(404, "Unregister: no registration for '" + *aor + "' on this peer");
  return ok("Unregister", {{"address_of_record", *aor}, {"removed", removed}});
}

const std::vector<CommandSpec>& specs() {
  static const std::vector<CommandSpec> table = {
      {"Restart", {}, {}, restart},
      {"ForceConfigUpdate", {}, {}, force_config_update},
      {"DefaultValueSet", {"Level"}, {}, default_value_set},
      {"DefaultLinksAdd", {}, {}, default_links_add},
      {"AlarmAcknowledge", {"Id"}, {}, alarm_acknowledge},
      {"Backup", {}, {"Name"}, backup},
      {"MaintenanceMode", {"Mode"}, {}, maintenance_mode},
      {"PasswordSet", {"Name", "Password"}, {}, password_set},
      {"Unregister", {"AddressOfRecord"}, {}, unregister},
      {"FactoryReset", {}, {"KeepOptionKeys", "KeepIpConfiguration", "KeepCertificates", "KeepPasswords", "KeepLogs"},
       factory_reset},
      {"Restore", {"Content"}, {"Name"}, restore},
  };
  return table;
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::string_view w : words) out += (out.empty() ? "" : ", ") + std::string(w);
  return out.empty() ? "none" : out;
}

// The body's "args", each under its canonical name; errors name what is off.
Result<Args> parse_args(const CommandSpec& spec, std::string_view body) {
  Json json = Json::object();
  if (!body.empty()) {
    json = Json::parse(body, nullptr, false);
    if (json.is_discarded()) return make_error("the body is not valid JSON; expected {\"args\": {...}}");
  }
  if (!json.is_object() || json.size() > 1 || (json.size() == 1 && !json.contains("args")) ||
      (json.contains("args") && !json["args"].is_object())) {
    return make_error("the body must be {\"args\": {...}} (or empty)");
  }
  std::vector<std::string_view> known = spec.required;
  known.insert(known.end(), spec.optional.begin(), spec.optional.end());
  Args args;
  const Json given = json.value("args", Json::object());
  for (const auto& [key, value] : given.items()) {
    const auto it = std::find_if(known.begin(), known.end(), [&](std::string_view k) { return iequals(k, key); });
    if (it == known.end()) {
      return make_error(std::string(spec.name) + " has no argument '" + key + "' (it takes: " + join(known) + ")");
    }
    args[*it] = value;
  }
  for (std::string_view name : spec.required) {
    if (!args.count(name)) return make_error(std::string(spec.name) + " needs argument " + std::string(name));
  }
  return args;
}

}  // namespace

const std::vector<std::string_view>& command_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const CommandSpec& spec : specs()) out.push_back(spec.name);
    return out;
  }();
  return names;
}

CommandOutcome run_command(std::string_view name, std::string_view body, CommandContext& ctx) {
  const auto& table = specs();
  const auto spec = std::find_if(table.begin(), table.end(), [&](const CommandSpec& s) { return iequals(s.name, name); });
  if (spec == table.end()) {
    return refused(404, "unknown command '" + std::string(name) + "'; known commands: " + join(command_names()));
  }
  auto args = parse_args(*spec, body);
  if (!args) return refused(400, args.error().message);
  return spec->run(*args, ctx);
}

Response backup_download(Env& env, std::string_view name) {
  if (auto valid = check_file_name(name); !valid) return error_response(400, "backup name: " + valid.error().message);
  FileSystem& files = env.files();
  if (!files.exists(name)) {
    return error_response(404, "there is no file '" + std::string(name) + "' in the data directory");
  }
  auto info = config::inspect_backup(files, name);  // also keeps the database itself from being read out
  if (!info) return error_response(409, "'" + std::string(name) + "' is not a usable backup: " + info.error().message);
  auto bytes = read_file(files, name);
  if (!bytes) return error_response(500, "cannot read " + std::string(name) + ": " + bytes.error().message);
  if (bytes->size() > kMaxBackupTransferBytes) {
    return error_response(409, "'" + std::string(name) + "' is " + std::to_string(bytes->size()) +
                                   " bytes; the admin API carries backups up to " +
                                   std::to_string(kMaxBackupTransferBytes) +
                                   " bytes: copy it from the data directory instead");
  }
  return json_response(200, Json{{"name", name},
                                 {"size", bytes->size()},
                                 {"sha256", sha256_hex(*bytes)},
                                 {"system_name", info->system_name},
                                 {"software_version", info->software_version},
                                 {"created_at", iso8601(WallTime(Duration(info->created_wall_ns)))},
                                 {"content_base64", base64_encode(*bytes)}});
}

Response acknowledge_alarm(cluster::AlarmSet& alarms, std::int64_t id) {
  const bool known = id >= 0 && id <= 0xffff &&
                     std::any_of(cluster::alarm_catalogue().begin(), cluster::alarm_catalogue().end(),
                                 [id](const cluster::AlarmSpec& s) { return static_cast<std::int64_t>(s.id) == id; });
  if (!known) return error_response(404, "there is no alarm with id " + std::to_string(id));
  const auto alarm_id = static_cast<cluster::AlarmId>(id);
  if (!alarms.active(alarm_id)) return error_response(404, "alarm " + std::to_string(id) + " is not active");
  alarms.acknowledge(alarm_id);
  return json_response(200, Json{{"id", id}, {"acknowledged", true}});
}

}  // namespace tandem::admin
