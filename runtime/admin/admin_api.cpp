// The admin API's front door: automated protection, authentication, routing,
// access levels and the request log. The routes (docs/admin-api.md):
//
//   GET  /api/v1/status[?path=Words]            xStatus, or the subtree the words name
//   GET  /api/v1/configuration?path=P           one item, or every item under a prefix
//   POST /api/v1/configuration                  {"changes": [{"path", "value"}...]}
//   POST /api/v1/command/<Name>                 xCommand, {"args": {...}}
//   GET  /api/v1/backup/<name>                  a backup file, base64 (ReadWrite: it holds secrets)
//   GET  /api/v1/alarms                         active alarms
//   POST /api/v1/alarms/<id>/acknowledge
//   GET  /api/v1/events[?limit=N]               event log, newest first
//   GET  /api/v1/configlog[?limit=N]            configuration log, newest first
//   GET  /api/v1/prerequisites                  the guide's clustering prerequisites
//   GET  /api/v1/watch?after=SEQ&wait_ms=N      the change stream (long poll)
//   GET  /api/v1/registrations[?aor=|after=&limit=]  Status > Registrations > By device
//   GET  /api/v1/locate?alias=A                 which peers of the cluster have the alias registered

#include "runtime/admin/admin_api.hpp"

#include <algorithm>
#include <charconv>

#include "runtime/admin/authentication.hpp"
#include "runtime/admin/commands.hpp"
#include "runtime/admin/configuration.hpp"
#include "runtime/admin/http.hpp"
#include "runtime/admin/protection.hpp"
#include "runtime/admin/status.hpp"
#include "runtime/admin/views.hpp"
#include "runtime/admin/watch.hpp"
#include "runtime/peer.hpp"

namespace tandem::admin {
namespace {

constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
constexpr std::size_t kMaxPathSegments = 8;
constexpr std::size_t kMaxLoggedPathBytes = 200;
constexpr std::string_view kProtectionItem = "Administration AutomatedProtection Mode";
constexpr std::string_view kRealm = R"(Basic realm="tandem")";

// What a route asks of the caller's access level: ReadWrite may do anything,
// ReadOnly may read, Auditor may read only the logs.
enum class Need : std::uint8_t { Read, Write, Logs };

bool allowed(AccessLevel level, Need need) {
  switch (level) {
    case AccessLevel::ReadWrite: return true;
    case AccessLevel::ReadOnly: return need != Need::Write;
    case AccessLevel::Auditor: return need == Need::Logs;
  }
  return false;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t start = path.starts_with('/') ? 1 : 0;
  while (start <= path.size() && out.size() <= kMaxPathSegments) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// `text` fit for one log line: control characters replaced, length capped.
std::string printable(std::string_view text) {
  std::string out(text.substr(0, kMaxLoggedPathBytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return out;
}

Result<std::uint64_t> parse_number(const std::map<std::string, std::string>& query, const std::string& name,
                                   std::uint64_t fallback, std::uint64_t max) {
  const auto it = query.find(name);
  if (it == query.end()) return fallback;
  std::uint64_t n = 0;
  const std::string& text = it->second;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty() || n > max) {
    return make_error(name + " '" + text + "' is not a whole number from 0 to " + std::to_string(max));
  }
  return n;
}

}  // namespace

struct AdminApi::Impl {
  using Reply = std::function<void(Response)>;

  struct Call {
    const Request& request;
    Target target;
    Identity who;
    std::vector<std::string> params;  // the route's {} segments, URL-decoded
  };

  struct Route {
    std::string_view method;
    std::string_view pattern;  // "{}" stands for one segment
    Need need;
    std::vector<std::string> query;  // the parameters it takes
    Response (Impl::*run)(const Call&) = nullptr;
    void (Impl::*run_async)(const Call&, Reply) = nullptr;
  };

  Impl(Env& env, Peer& peer, Hooks hooks)
      : env_(env),
        peer_(peer),
        hooks_(std::move(hooks)),
        protection_(env),
        authenticator_(env),
        watch_(env, [this] { return Watch::View{status_json(peer_), alarms_json(peer_.alarms())}; }) {}

  void handle(Request request, Reply reply);
  Reply logged(const Request& request, std::string path, std::string user, Reply reply);
  std::optional<Identity> admit(const Request& request, Reply& reply);
  void dispatch(const Request& request, Identity who, Reply reply);
  static std::optional<std::vector<std::string>> match(const Route& route, const std::vector<std::string_view>& segments);
  static const std::vector<Route>& routes();

  Response status(const Call& call);
  Response configuration_get(const Call& call);
  Response configuration_post(const Call& call);
  void command(const Call& call, Reply reply);
  Response backup(const Call& call);
  Response alarms(const Call& call);
  Response alarm_acknowledge(const Call& call);
  Response events(const Call& call);
  Response configlog(const Call& call);
  Response log_view(const Call& call, Result<Json> (*view)(config::Store&, std::size_t));
  Response prerequisites(const Call& call);
  void watch(const Call& call, Reply reply);
  Response registrations(const Call& call);
  void locate(const Call& call, Reply reply);

  Env& env_;
  Peer& peer_;
  Hooks hooks_;
  Protection protection_;
  Authenticator authenticator_;
  Watch watch_;
};

const std::vector<AdminApi::Impl::Route>& AdminApi::Impl::routes() {
  static const std::vector<Route> table = {
      {"GET", "/api/v1/status", Need::Read, {"path"}, &Impl::status},
      {"GET", "/api/v1/configuration", Need::Read, {"path"}, &Impl::configuration_get},
      {"POST", "/api/v1/configuration", Need::Write, {}, &Impl::configuration_post},
      {"POST", "/api/v1/command/{}", Need::Write, {}, nullptr, &Impl::command},
      {"GET", "/api/v1/backup/{}", Need::Write, {}, &Impl::backup},
      {"GET", "/api/v1/alarms", Need::Read, {}, &Impl::alarms},
      {"POST", "/api/v1/alarms/{}/acknowledge", Need::Write, {}, &Impl::alarm_acknowledge},
      {"GET", "/api/v1/events", Need::Logs, {"limit"}, &Impl::events},
      {"GET", "/api/v1/configlog", Need::Logs, {"limit"}, &Impl::configlog},
      {"GET", "/api/v1/prerequisites", Need::Read, {}, &Impl::prerequisites},
      {"GET", "/api/v1/watch", Need::Read, {"after", "wait_ms"}, nullptr, &Impl::watch},
      {"GET", "/api/v1/registrations", Need::Read, {"aor", "after", "limit"}, &Impl::registrations},
      {"GET", "/api/v1/locate", Need::Read, {"alias"}, nullptr, &Impl::locate},
  };
  return table;
}

// Wraps `reply` so each request is logged once, at Info, with who asked what
// and the status: never a password, hash, body or Authorization header.
AdminApi::Impl::Reply AdminApi::Impl::logged(const Request& request, std::string path, std::string user, Reply reply) {
  return [this, method = printable(request.method), client = request.client.to_string(), path = std::move(path),
          user = std::move(user), reply = std::move(reply)](Response response) {
    env_.log(LogLevel::Info, "admin",
             user + " " + method + " " + path + " from " + client + " -> " + std::to_string(response.status));
    reply(std::move(response));
  };
}

void AdminApi::Impl::handle(Request request, Reply reply) {
  const std::string path = printable(request.target.substr(0, request.target.find('?')));
  Reply anonymous = logged(request, path, "(unauthenticated)", reply);
  const auto who = admit(request, anonymous);
  if (!who) return;
  dispatch(request, *who, logged(request, path, who->user, std::move(reply)));
}

// Automated protection, then authentication. Replies (and returns nullopt)
// when the request may go no further.
std::optional<Identity> AdminApi::Impl::admit(const Request& request, Reply& reply) {
  const auto mode = peer_.get(kProtectionItem);
  const bool protect = !mode || *mode != "Off";
  if (!protect) protection_.clear();
  if (const auto blocked = protect ? protection_.blocked_for(request.client) : std::nullopt) {
    const auto seconds = std::chrono::ceil<std::chrono::seconds>(*blocked).count();
    Response r = error_response(429, "source " + request.client.to_string() +
                                         " is blocked by the automated protection service after repeated failed "
                                         "logins; try again in " + std::to_string(seconds) + " s");
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    reply(std::move(r));
    return std::nullopt;
  }
  auto who = authenticator_.authenticate(request.authorization, peer_.store());
  if (!who) {
    // No header is a client asking for the challenge, not a login attempt.
    if (protect && !request.authorization.empty()) protection_.failed(request.client);
    Response r = error_response(401, "authentication required: the user name or password is not valid");
    r.headers.emplace_back("WWW-Authenticate", std::string(kRealm));
    reply(std::move(r));
    return std::nullopt;
  }
  if (protect) protection_.succeeded(request.client);
  return who;
}

// The route's {} segments (URL-decoded) when `segments` fit its pattern.
std::optional<std::vector<std::string>> AdminApi::Impl::match(const Route& route,
                                                              const std::vector<std::string_view>& segments) {
  const auto pattern = split_path(route.pattern);
  if (pattern.size() != segments.size()) return std::nullopt;
  std::vector<std::string> params;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != "{}") {
      if (pattern[i] != segments[i]) return std::nullopt;
      continue;
    }
    auto decoded = url_decode(segments[i]);
    if (!decoded || decoded->empty()) return std::nullopt;
    params.push_back(std::move(*decoded));
  }
  return params;
}

void AdminApi::Impl::dispatch(const Request& request, Identity who, Reply reply) {
  auto target = parse_target(request.target);
  if (!target) return reply(error_response(400, target.error().message));
  const auto segments = split_path(target->path);
  const Route* found = nullptr;
  std::vector<std::string> params;
  std::string allow;
  for (const Route& route : routes()) {
    auto matched = match(route, segments);
    if (!matched) continue;
    allow += (allow.empty() ? "" : ", ") + std::string(route.method);
    if (route.method == request.method) {
      found = &route;
      params = std::move(*matched);
    }
  }
  const std::string what = request.method + " " + target->path;
  if (!found && allow.empty()) {
    return reply(error_response(404, "no such route: " + what + "; the routes are /api/v1/status, configuration, "
                                     "command/<Name>, backup/<name>, alarms, alarms/<id>/acknowledge, events, configlog, "
                                     "prerequisites, watch, registrations and locate"));
  }
  if (!found) {
    Response r = error_response(405, "method " + request.method + " is not allowed on " + target->path + "; it takes " + allow);
    r.headers.emplace_back("Allow", allow);
    return reply(std::move(r));
  }
  if (!allowed(who.level, found->need)) {
    const std::string level(to_string(who.level));
    return reply(error_response(403, who.level == AccessLevel::Auditor
                                         ? "access level Auditor may only read the logs (GET /api/v1/events and "
                                           "/api/v1/configlog); " + what + " is refused"
                                         : "access level " + level + " may only read (GET); " + what + " needs ReadWrite"));
  }
  for (const auto& [name, value] : target->query) {
    if (std::find(found->query.begin(), found->query.end(), name) == found->query.end()) {
      return reply(error_response(400, what + " takes no query parameter '" + name + "'"));
    }
  }
  if (request.body.size() > kMaxBodyBytes) {
    return reply(error_response(413, "the body is larger than " + std::to_string(kMaxBodyBytes) + " bytes"));
  }
  const Call call{request, std::move(*target), std::move(who), std::move(params)};
  if (found->run_async) return (this->*found->run_async)(call, std::move(reply));
  reply((this->*found->run)(call));
}

// ---- routes ----------------------------------------------------------------------

Response AdminApi::Impl::status(const Call& call) {
  const Json all = status_json(peer_);
  const auto path = call.target.query.find("path");
  if (path == call.target.query.end()) return json_response(200, all);
  auto selected = select_status(all, path->second);
  if (!selected) return error_response(404, selected.error().message);
  return json_response(200, *selected);
}

Response AdminApi::Impl::configuration_get(const Call& call) {
  const auto path = call.target.query.find("path");
  if (path == call.target.query.end() || path->second.empty()) {
    return error_response(400, "GET /api/v1/configuration needs ?path=<item or prefix>, e.g. ?path=H323%20Mode");
  }
  auto read = read_configuration(peer_.store(), path->second);
  if (!read) return error_response(404, read.error().message);
  return json_response(200, *read);
}

Response AdminApi::Impl::configuration_post(const Call& call) {
  auto changes = parse_changes(call.request.body);
  if (!changes) return error_response(400, changes.error().message);
  auto written = write_configuration(peer_, *changes, call.who.user);
  if (!written) return error_response(400, written.error().message);
  return json_response(200, *written);
}

void AdminApi::Impl::command(const Call& call, Reply reply) {
  CommandContext ctx{env_, peer_, call.who.user};
  CommandOutcome outcome = run_command(call.params.front(), call.request.body, ctx);
  reply(std::move(outcome.response));
  // After the reply, on a fresh turn of the executor: the hook may tear down
  // this very API along with the peer.
  if (outcome.restart) env_.post([restart = hooks_.restart] { restart(); });
}

Response AdminApi::Impl::backup(const Call& call) { return backup_download(env_, call.params.front()); }

Response AdminApi::Impl::alarms(const Call&) { return json_response(200, Json{{"alarms", alarms_json(peer_.alarms())}}); }

Response AdminApi::Impl::alarm_acknowledge(const Call& call) {
  const std::string& text = call.params.front();
  std::int64_t id = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return error_response(400, "alarm id '" + text + "' is not a whole number");
  }
  return acknowledge_alarm(peer_.alarms(), id);
}

Response AdminApi::Impl::events(const Call& call) { return log_view(call, events_json); }

Response AdminApi::Impl::configlog(const Call& call) { return log_view(call, configlog_json); }

Response AdminApi::Impl::log_view(const Call& call, Result<Json> (*view)(config::Store&, std::size_t)) {
  const auto it = call.target.query.find("limit");
  auto limit = parse_limit(it == call.target.query.end() ? nullptr : &it->second);
  if (!limit) return error_response(400, limit.error().message);
  auto json = view(peer_.store(), *limit);
  return json ? json_response(200, *json) : error_response(500, json.error().message);
}

Response AdminApi::Impl::prerequisites(const Call&) { return json_response(200, prerequisites_json(peer_)); }

void AdminApi::Impl::watch(const Call& call, Reply reply) {
  const auto max_wait_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(kMaxWatchWait).count());
  const auto default_wait_ms = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(kDefaultWatchWait).count());
  auto after = parse_number(call.target.query, "after", 0, UINT64_MAX);
  auto wait_ms = parse_number(call.target.query, "wait_ms", default_wait_ms, max_wait_ms);
  if (!after) return reply(error_response(400, after.error().message));
  if (!wait_ms) return reply(error_response(400, wait_ms.error().message));
  auto shared = std::make_shared<Reply>(std::move(reply));
  auto waiting = watch_.wait(*after, std::chrono::milliseconds(*wait_ms), [shared](Response r) { (*shared)(std::move(r)); });
  if (!waiting) {
    Response r = error_response(503, waiting.error().message);
    r.headers.emplace_back("Retry-After", "1");
    (*shared)(std::move(r));
  }
}

Response AdminApi::Impl::registrations(const Call& call) {
  const auto text = [&call](const char* name) {
    const auto it = call.target.query.find(name);
    return it == call.target.query.end() ? std::string() : it->second;
  };
  const auto limit_it = call.target.query.find("limit");
  auto limit = parse_limit(limit_it == call.target.query.end() ? nullptr : &limit_it->second);
  if (!limit) return error_response(400, limit.error().message);
  auto json = registrations_json(peer_, env_.now(), text("aor"), text("after"), *limit);
  return json ? json_response(200, *json) : error_response(409, json.error().message);
}

void AdminApi::Impl::locate(const Call& call, Reply reply) {
  const auto it = call.target.query.find("alias");
  if (it == call.target.query.end() || it->second.empty()) {
    return reply(error_response(400, "GET /api/v1/locate needs ?alias=<address>, e.g. ?alias=sip:alice@example.com"));
  }
  std::string alias = it->second;
  auto shared = std::make_shared<Reply>(std::move(reply));
  auto asked = peer_.locate(alias, [shared, alias](std::vector<cluster::PeerLocation> peers) {
    (*shared)(json_response(200, locations_json(alias, peers)));
  });
  if (!asked) (*shared)(error_response(400, asked.error().message));
}

// ---- AdminApi ----------------------------------------------------------------------

AdminApi::AdminApi(Env& env, Peer& peer, Hooks hooks) : impl_(std::make_unique<Impl>(env, peer, std::move(hooks))) {}

AdminApi::~AdminApi() = default;

void AdminApi::handle(Request request, std::function<void(Response)> reply) {
  TANDEM_ASSERT(reply != nullptr);
  impl_->handle(std::move(request), std::move(reply));
}

}  // namespace tandem::admin
