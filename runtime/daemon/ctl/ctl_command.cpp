#include "runtime/daemon/ctl/ctl_command.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

#include <nlohmann/json.hpp>

namespace tandem::ctl {

const std::string_view kUsage = R"(usage: tandemctl --peer ADDRESS[:PORT] [--user NAME] [--password-file FILE]
                 [--ca FILE | --insecure] [--json] <command...>

The operator's CLI for one Tandem peer, over its admin API (HTTPS; port 8443
unless PORT says otherwise). Global options come before the command.

Commands (keywords are case-insensitive, as on a VCS):
  xStatus [<path>]                     all status, or the subtree under <path>
  xConfiguration <path>                one item, or every item under a prefix
  xConfiguration <path>: <value>       set one item; quotes around the value are
                                       optional: SystemUnit Name: "peer one"
  xCommand <Name> [<Arg>: <value>]...  run a command: Restart, ForceConfigUpdate,
                                       DefaultValueSet Level: 2, DefaultLinksAdd,
                                       AlarmAcknowledge Id: <id>, ...
  alarms                               the peer's alarms
  alarms acknowledge <id>              acknowledge one alarm
  events [--limit N]                   the event log
  configlog [--limit N]                the configuration log
  prerequisites                        the clustering prerequisites check
  registrations [<address of record>]  this peer's registrations by device
  locate <alias>                       which peers of the cluster have <alias>
                                       registered (sip:alice@example.com)
  watch [--count N]                    print each change of status and alarms
                                       until Ctrl-C, or after N changes
  cluster <procedure> ...              a cluster procedure of the guide, step by
                                       step with a report (see below)

Options:
  --peer ADDRESS[:PORT]  the peer: IPv4, [IPv6] or a DNS name
  --user NAME            administrator account (default: admin)
  --password-file FILE   the password is the first line of FILE; without this,
                         $TANDEM_PASSWORD, else asked on the terminal (not echoed)
  --ca FILE              trust the PEM certificates in FILE (a peer's self-signed
                         certificate may be its own anchor); the peer's address
                         or name must match its certificate
  --insecure             do not check the peer's certificate (still encrypted)
  --json                 print the peer's JSON reply as is
  --help                 this text

Exit status: 0 done; 1 the peer refused (its reason on stderr); 2 usage error;
3 the peer could not be reached, or TLS with it failed.

Examples:
  tandemctl --peer 10.0.0.1 --ca peer1.pem xStatus Cluster
  tandemctl --peer 10.0.0.1 --ca peer1.pem xConfiguration H323 Gatekeeper TimeToLive: 600
  tandemctl --peer vcs1.example.com xCommand DefaultValueSet Level: 2
)";

namespace {

using Words = std::vector<std::string>;

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool has_space(std::string_view text) { return std::ranges::any_of(text, is_space); }

bool is_identifier(std::string_view text) {
  return !text.empty() && std::isalpha(static_cast<unsigned char>(text[0])) &&
         std::ranges::all_of(text, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

std::string_view trim_left(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  return text;
}

std::string join(const Words& words) {
  std::string out;
  for (const std::string& word : words) out += (out.empty() ? "" : " ") + word;
  return out;
}

// The VCS one-line form, `'xConfiguration SystemUnit Name: "peer one"'`:
// words split on blanks, a quoted run kept whole with its quotes (the value
// parser takes them off, as it does for a quoted word from the shell).
Result<Words> lex_line(std::string_view line) {
  Words words;
  std::string word;
  bool quoted = false, in_word = false;
  for (char c : line) {
    if (c == '"') quoted = !quoted;
    if (!quoted && is_space(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    word += c;
    in_word = true;
  }
  if (quoted) return make_error("unterminated quote in '" + std::string(line) + "'");
  if (in_word) words.push_back(std::move(word));
  return words;
}

// Path words, as one string with single spaces. A word from the shell may
// hold several ("Cluster Peers"), so each is split on blanks again.
Result<std::string> path_of(const Words& tokens, std::string_view command) {
  Words words;
  for (const std::string& token : tokens) {
    auto split = lex_line(token);
    if (!split) return make_error(std::string(command) + ": " + split.error().message);
    for (std::string& word : *split) {
      if (word.starts_with('-')) {
        return make_error(std::string(command) + ": unexpected option '" + word +
                          "' (global options go before the command)");
      }
      if (word.find_first_of("\":") != std::string::npos) {
        return make_error(std::string(command) + ": expected path words, got '" + word + "'");
      }
      words.push_back(std::move(word));
    }
  }
  return join(words);
}

struct Value {
  std::string text;
  bool quoted = false;
};

// A value is the rest of its words joined by one space. Quotes around it are
// optional and taken off; a value in quotes cannot hold another quote.
Result<Value> value_of(const Words& tokens, std::string_view what) {
  const std::string text = join(tokens);
  if (!text.starts_with('"')) return Value{text, false};
  const auto close = text.find('"', 1);
  if (close == std::string::npos) {
    return make_error(std::string(what) + ": the value starts with a quote but has no closing quote");
  }
  if (close + 1 != text.size()) {
    return make_error(std::string(what) + ": expected nothing after the quoted value, got '" +
                      text.substr(close + 1) + "'");
  }
  return Value{text.substr(1, close - 1), true};
}

bool ends_pair_name(const std::string& token) {
  return token.size() > 1 && token.back() == ':' && !has_space(token);
}

Result<Command> parse_configuration(const Words& tokens) {
  const auto pivot = std::ranges::find_if(tokens, [](const std::string& t) { return t.find(':') != std::string::npos; });
  if (pivot == tokens.end()) {
    auto path = path_of(tokens, "xConfiguration");
    if (!path) return path.error();
    if (path->empty()) {
      return make_error("xConfiguration: expected an item or a prefix, as in xConfiguration H323 or xConfiguration H323 Mode");
    }
    return Command{.kind = CommandKind::ConfigurationGet, .path = *path};
  }
  const std::size_t colon = pivot->find(':');
  Words before(tokens.begin(), pivot);
  before.push_back(pivot->substr(0, colon));
  auto path = path_of(before, "xConfiguration");
  if (!path) return path.error();
  if (path->empty()) {
    return make_error("xConfiguration: expected a path before ':', as in xConfiguration SystemUnit Name: \"peer one\"");
  }
  const std::string what = "xConfiguration " + *path;
  Words value_tokens;
  if (const auto rest = trim_left(std::string_view(*pivot).substr(colon + 1)); !rest.empty()) {
    value_tokens.emplace_back(rest);
  }
  value_tokens.insert(value_tokens.end(), pivot + 1, tokens.end());
  if (value_tokens.empty()) return make_error(what + ": expected a value after ':' (\"\" for an empty one)");
  auto value = value_of(value_tokens, what);
  if (!value) return value.error();
  // `A: 1 B: 2` would otherwise set A to "1 B: 2".
  const auto second = std::find_if(value_tokens.begin() + 1, value_tokens.end(), ends_pair_name);
  if (!value->quoted && second != value_tokens.end()) {
    return make_error(what + ": one 'path: value' per call, but '" + *second +
                      "' starts another (run tandemctl once per item, or quote the value)");
  }
  return Command{.kind = CommandKind::ConfigurationSet, .path = *path, .value = value->text};
}

// Where an argument starts: `Arg:` alone, or `Arg:value` written together
// when no argument is waiting for its value (so `Address: fe80::1` is a value).
std::optional<std::pair<std::string, std::string>> argument_start(const std::string& token, bool awaiting_value) {
  const auto colon = token.find(':');
  if (colon == std::string::npos || has_space(token) || !is_identifier(std::string_view(token).substr(0, colon))) {
    return std::nullopt;
  }
  const std::string rest = token.substr(colon + 1);
  if (rest.empty()) return std::pair{token.substr(0, colon), rest};
  if (awaiting_value || rest.starts_with(':') || rest.starts_with('/')) return std::nullopt;
  return std::pair{token.substr(0, colon), rest};
}

struct PendingArg {
  std::string name;
  Words words;
};

Status add_argument(Command& command, const PendingArg& pending) {
  const std::string what = "xCommand " + command.name + " " + pending.name;
  if (pending.words.empty()) return make_error(what + ": expected a value after '" + pending.name + ":'");
  auto value = value_of(pending.words, what);
  if (!value) return value.error();
  for (const CommandArg& arg : command.args) {
    if (iequals(arg.name, pending.name)) return make_error(what + ": given twice");
  }
  command.args.push_back(CommandArg{pending.name, value->text});
  return {};
}

Result<Command> parse_xcommand(const Words& tokens) {
  if (tokens.empty()) {
    return make_error("xCommand: expected a command name, as in xCommand Restart or xCommand DefaultValueSet Level: 2");
  }
  Command command{.kind = CommandKind::XCommand, .name = tokens[0]};
  if (!is_identifier(command.name)) {
    return make_error("xCommand: expected a command name (letters and digits), got '" + command.name + "'");
  }
  std::optional<PendingArg> pending;
  for (auto token = tokens.begin() + 1; token != tokens.end(); ++token) {
    if (auto start = argument_start(*token, pending && pending->words.empty())) {
      if (pending) {
        if (auto added = add_argument(command, *pending); !added) return added.error();
      }
      pending = PendingArg{start->first, {}};
      if (!start->second.empty()) pending->words.push_back(start->second);
    } else if (pending) {
      pending->words.push_back(*token);
    } else {
      return make_error("xCommand " + command.name + ": expected '<Arg>: <value>', got '" + *token + "'");
    }
  }
  if (pending) {
    if (auto added = add_argument(command, *pending); !added) return added.error();
  }
  return command;
}

Result<int> whole_number(std::string_view text, std::string_view what) {
  int n = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || n < 1 || n > kMaxLimit) {
    return make_error(std::string(what) + ": expected a whole number from 1 to " + std::to_string(kMaxLimit) +
                      ", got '" + std::string(text) + "'");
  }
  return n;
}

// `[--flag N]` or `[--flag=N]`, the only option a subcommand takes; 0 if absent.
Result<int> optional_number(const Words& tokens, std::string_view command, std::string_view flag) {
  const std::string expected = std::string(command) + ": expected [" + std::string(flag) + " N]";
  if (tokens.empty()) return 0;
  const std::string what = std::string(command) + " " + std::string(flag);
  if (tokens.size() == 1 && tokens[0].starts_with(std::string(flag) + "=")) {
    return whole_number(std::string_view(tokens[0]).substr(flag.size() + 1), what);
  }
  if (tokens[0] != flag) return make_error(expected + ", got '" + tokens[0] + "'");
  if (tokens.size() != 2) return make_error(expected + (tokens.size() < 2 ? ", got no N" : ", got more words"));
  return whole_number(tokens[1], what);
}

Result<Command> parse_alarms(const Words& tokens) {
  if (tokens.empty()) return Command{.kind = CommandKind::Alarms};
  const std::string expected = "alarms: expected nothing or 'acknowledge <id>'";
  if (!iequals(tokens[0], "acknowledge")) return make_error(expected + ", got '" + tokens[0] + "'");
  if (tokens.size() != 2) return make_error(expected + (tokens.size() < 2 ? ", got no id" : ", got more words"));
  const std::string& id = tokens[1];
  if (id.empty() || has_space(id) || id.find('/') != std::string::npos) {
    return make_error("alarms acknowledge: expected an alarm id, got '" + id + "'");
  }
  return Command{.kind = CommandKind::AlarmAcknowledge, .name = id};
}

Result<Command> with_number(CommandKind kind, const Words& tokens, std::string_view command, std::string_view flag) {
  auto n = optional_number(tokens, command, flag);
  if (!n) return n.error();
  Command result{.kind = kind};
  (kind == CommandKind::Watch ? result.count : result.limit) = *n;
  return result;
}

}  // namespace

std::string PeerAddress::to_string() const {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

Result<PeerAddress> parse_peer(std::string_view text) {
  const std::string quoted = "--peer '" + std::string(text) + "'";
  if (text.find("://") != std::string_view::npos) return make_error(quoted + ": expected ADDRESS[:PORT], not a URL (no https://)");
  PeerAddress peer;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return make_error(quoted + ": expected ']' after an IPv6 address");
    peer.host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && !rest.starts_with(':')) return make_error(quoted + ": expected ':PORT' after ']'");
    port = rest.empty() ? rest : rest.substr(1);
    if (rest == ":") return make_error(quoted + ": expected a port after ':'");
  } else if (std::ranges::count(text, ':') == 1) {
    peer.host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
    if (port.empty()) return make_error(quoted + ": expected a port after ':'");
  } else {
    peer.host = text;  // a name, IPv4, or IPv6 without a port
  }
  const bool host_ok = !peer.host.empty() && std::ranges::all_of(peer.host, [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_';
  });
  if (!host_ok) return make_error(quoted + ": expected an IP address or a host name (ADDRESS[:PORT], no https://)");
  if (!port.empty()) {
    unsigned n = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), n);
    if (error != std::errc() || end != port.data() + port.size() || n < 1 || n > 65535) {
      return make_error(quoted + ": expected a port from 1 to 65535, got '" + std::string(port) + "'");
    }
    peer.port = static_cast<std::uint16_t>(n);
  }
  return peer;
}

Result<Command> parse_command(const std::vector<std::string>& words) {
  if (words.empty()) {
    return make_error(
        "expected a command: xStatus, xConfiguration, xCommand, alarms, events, configlog, prerequisites, "
        "registrations, locate, watch or cluster");
  }
  Words tokens = words;
  if (tokens.size() == 1 && has_space(tokens[0])) {  // the whole line as one word
    auto lexed = lex_line(tokens[0]);
    if (!lexed) return lexed.error();
    if (lexed->empty()) return parse_command({});
    tokens = std::move(*lexed);
  }
  const std::string keyword = tokens[0];
  const Words rest(tokens.begin() + 1, tokens.end());
  if (iequals(keyword, "xConfiguration")) return parse_configuration(rest);
  if (iequals(keyword, "xCommand")) return parse_xcommand(rest);
  if (iequals(keyword, "xStatus")) {
    auto path = path_of(rest, "xStatus");
    if (!path) return path.error();
    return Command{.kind = CommandKind::Status, .path = *path};
  }
  if (iequals(keyword, "alarms")) return parse_alarms(rest);
  if (iequals(keyword, "events")) return with_number(CommandKind::Events, rest, "events", "--limit");
  if (iequals(keyword, "configlog")) return with_number(CommandKind::ConfigLog, rest, "configlog", "--limit");
  if (iequals(keyword, "watch")) return with_number(CommandKind::Watch, rest, "watch", "--count");
  if (iequals(keyword, "cluster")) return Command{.kind = CommandKind::Cluster, .words = rest};
  if (iequals(keyword, "registrations")) {
    if (rest.size() > 1) return make_error("registrations: expected at most one address of record, got '" + rest[1] + "'");
    return Command{.kind = CommandKind::Registrations, .path = rest.empty() ? "" : rest[0]};
  }
  if (iequals(keyword, "locate")) {
    if (rest.size() != 1) return make_error("locate: expected one alias, e.g. locate sip:alice@example.com");
    return Command{.kind = CommandKind::Locate, .path = rest[0]};
  }
  if (iequals(keyword, "prerequisites")) {
    if (!rest.empty()) return make_error("prerequisites: expected nothing after it, got '" + rest[0] + "'");
    return Command{.kind = CommandKind::Prerequisites};
  }
  return make_error("unknown command '" + keyword +
                    "': expected xStatus, xConfiguration, xCommand, alarms, events, configlog, prerequisites, "
                    "registrations, locate, watch or cluster");
}

namespace {

// One global option at args[i] (and its value), applied to `options`; returns
// how many words it took.
Result<std::size_t> take_option(const std::vector<std::string>& args, std::size_t i, Options& options) {
  const std::string& word = args[i];
  const std::string both = "--ca and --insecure exclude each other: give one";
  if (word == "--json") {
    options.json = true;
    return std::size_t{1};
  }
  if (word == "--insecure") {
    if (options.trust == Trust::CaFile) return make_error(both);
    options.trust = Trust::Insecure;
    return std::size_t{1};
  }
  const auto equals = word.find('=');
  const std::string flag = word.substr(0, equals);
  if (flag != "--peer" && flag != "--user" && flag != "--password-file" && flag != "--ca") {
    return make_error("unknown option '" + word + "'");
  }
  const bool inline_value = equals != std::string::npos;
  if (!inline_value && i + 1 >= args.size()) return make_error(flag + ": expected a value after it");
  const std::string value = inline_value ? word.substr(equals + 1) : args[i + 1];
  if (value.empty()) return make_error(flag + ": expected a value, got ''");
  if (flag == "--peer") {
    auto peer = parse_peer(value);
    if (!peer) return peer.error();
    options.peer = *peer;
  } else if (flag == "--user") {
    // HTTP Basic joins user and password with ':'.
    if (value.find(':') != std::string::npos) return make_error("--user '" + value + "': a name cannot hold ':'");
    options.user = value;
  } else if (flag == "--password-file") {
    options.password_file = value;
  } else {
    if (options.trust == Trust::Insecure) return make_error(both);
    options.trust = Trust::CaFile;
    options.ca_file = value;
  }
  return std::size_t{inline_value ? 1u : 2u};
}

}  // namespace

Result<Invocation> parse_invocation(const std::vector<std::string>& args) {
  Invocation invocation;
  std::size_t i = 0;
  while (i < args.size() && args[i].starts_with("-")) {
    if (args[i] == "--help" || args[i] == "-h") return Invocation{.help = true};
    auto taken = take_option(args, i, invocation.options);
    if (!taken) return taken.error();
    i += *taken;
  }
  if (invocation.options.peer.host.empty()) return make_error("--peer ADDRESS[:PORT] is required");
  auto command = parse_command(std::vector<std::string>(args.begin() + static_cast<std::ptrdiff_t>(i), args.end()));
  if (!command) return command.error();
  invocation.command = std::move(*command);
  return invocation;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

HttpRequest watch_request(std::uint64_t after_seq, int wait_ms) {
  return {"GET", "/api/v1/watch?after=" + std::to_string(after_seq) + "&wait_ms=" + std::to_string(wait_ms), ""};
}

namespace {

std::string with_limit(std::string target, int limit) {
  return limit > 0 ? target + "?limit=" + std::to_string(limit) : target;
}

std::string command_body(const Command& command) {
  nlohmann::ordered_json args = nlohmann::ordered_json::object();
  for (const CommandArg& arg : command.args) args[arg.name] = arg.value;
  return nlohmann::ordered_json{{"args", args}}.dump();
}

}  // namespace

HttpRequest to_request(const Command& command) {
  switch (command.kind) {
    case CommandKind::Status:
      return {"GET", command.path.empty() ? "/api/v1/status" : "/api/v1/status?path=" + url_encode(command.path), ""};
    case CommandKind::ConfigurationGet:
      return {"GET", "/api/v1/configuration?path=" + url_encode(command.path), ""};
    case CommandKind::ConfigurationSet: {
      const nlohmann::ordered_json change{{"path", command.path}, {"value", command.value}};
      return {"POST", "/api/v1/configuration", nlohmann::ordered_json{{"changes", nlohmann::ordered_json::array({change})}}.dump()};
    }
    case CommandKind::XCommand:
      return {"POST", "/api/v1/command/" + url_encode(command.name), command_body(command)};
    case CommandKind::Alarms:
      return {"GET", "/api/v1/alarms", ""};
    case CommandKind::AlarmAcknowledge:
      return {"POST", "/api/v1/alarms/" + url_encode(command.name) + "/acknowledge", "{}"};
    case CommandKind::Events:
      return {"GET", with_limit("/api/v1/events", command.limit), ""};
    case CommandKind::ConfigLog:
      return {"GET", with_limit("/api/v1/configlog", command.limit), ""};
    case CommandKind::Prerequisites:
      return {"GET", "/api/v1/prerequisites", ""};
    case CommandKind::Registrations:
      return {"GET", command.path.empty() ? "/api/v1/registrations" : "/api/v1/registrations?aor=" + url_encode(command.path), ""};
    case CommandKind::Locate:
      return {"GET", "/api/v1/locate?alias=" + url_encode(command.path), ""};
    case CommandKind::Watch:
      return watch_request(0, 0);
    case CommandKind::Cluster:
      break;  // a procedure makes many requests (cluster_command.hpp)
  }
  TANDEM_ASSERT(false && "every CommandKind but Cluster makes one request");
  return {};
}

}  // namespace tandem::ctl
