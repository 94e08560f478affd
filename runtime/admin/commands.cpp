#include "runtime/admin/commands.hpp"

#include <algorithm>
#include <charconv>
#include <map>

#include "runtime/admin/authentication.hpp"
#include "runtime/admin/password.hpp"
#include "runtime/config/maintenance.hpp"

namespace tandem::admin {
namespace {

constexpr std::size_t kMaxPasswordBytes = 1024;

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
