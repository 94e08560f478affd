#pragma once
// tandemctl's command line as values: which peer, how to trust it, and what to
// ask it. Pure (no I/O): argv words in, an Invocation or an Error saying what
// was expected out; a Command then turns into one admin API request.
//
// The per-peer commands keep the VCS CLI habits: case-insensitive keywords,
// `xConfiguration <path>: <value>` where the colon ends the path and quotes
// around the value are optional, `xCommand <Name> <Arg>: <value>...`, and the
// whole line may also come as one word (`tandemctl 'xStatus Cluster'`).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/ascii.hpp"  // iequals: keywords compare as on a VCS
#include "runtime/core/result.hpp"

namespace tandem::ctl {

inline constexpr std::uint16_t kDefaultAdminPort = 8443;
// Bounds on --limit and --count: whole numbers, and never an overflow.
inline constexpr int kMaxLimit = 1'000'000;

struct PeerAddress {
  std::string host;  // an IP literal (IPv6 without brackets) or a DNS name
  std::uint16_t port = kDefaultAdminPort;

  // "10.0.0.1:8443", "[fe80::1]:8443", "vcs1.example.com:8443".
  std::string to_string() const;
};

// How the peer's certificate is checked.
enum class Trust : std::uint8_t {
  SystemDefault,  // the system's trust store, with the address or name checked
  CaFile,         // --ca FILE as the anchors, with the address or name checked
  Insecure,       // --insecure: encrypted, nothing checked
};

struct Options {
  PeerAddress peer;
  std::string user = "admin";
  std::string password_file;  // "": TANDEM_PASSWORD, else a prompt on the terminal
  Trust trust = Trust::SystemDefault;
  std::string ca_file;
  bool json = false;  // print the peer's JSON as is (pretty)
};

enum class CommandKind : std::uint8_t {
  Status,             // xStatus [path]
  ConfigurationGet,   // xConfiguration <path>
  ConfigurationSet,   // xConfiguration <path>: <value>
  XCommand,           // xCommand <Name> [<Arg>: <value>]...
  Alarms,             // alarms
  AlarmAcknowledge,   // alarms acknowledge <id>
  Events,             // events [--limit N]
  ConfigLog,          // configlog [--limit N]
  Prerequisites,      // prerequisites
  Watch,              // watch [--count N]
  Registrations,      // registrations [<address of record>]
  Locate,             // locate <alias>
  Cluster,            // cluster <procedure> ... (cluster_command.hpp): many requests, not one
};

// Sent as a JSON string, as typed: the peer reads numbers from strings too
// (`Level: 2`), while text arguments (`Name: 2024`) must stay strings.
struct CommandArg {
  std::string name;
  std::string value;
};

struct Command {
  CommandKind kind = CommandKind::Status;
  std::string path;               // Status, Configuration*: words joined by one space;
                                  // Registrations: the AOR ("" for all); Locate: the alias
  std::string value;              // ConfigurationSet, without its quotes
  std::string name;               // XCommand: the command; AlarmAcknowledge: the alarm id
  std::vector<CommandArg> args;   // XCommand, in the order given
  int limit = 0;                  // Events, ConfigLog: 0 = the peer's default
  int count = 0;                  // Watch: changes to print; 0 = until interrupted
  std::vector<std::string> words; // Cluster: the words after "cluster"
};

struct Invocation {
  bool help = false;  // --help: print kUsage and do nothing else
  Options options;
  Command command;
};

// The whole command line without argv[0]: global options first, then the
// command. Errors name the word at fault and what was expected there.
Result<Invocation> parse_invocation(const std::vector<std::string>& args);

// ADDRESS[:PORT] as given to --peer; IPv6 with a port needs brackets.
Result<PeerAddress> parse_peer(std::string_view text);

// The command words alone (what follows the global options).
Result<Command> parse_command(const std::vector<std::string>& words);

struct HttpRequest {
  std::string method;  // "GET" or "POST"
  std::string target;  // path and URL-encoded query
  std::string body;    // JSON for POST; "" for GET
};

// The admin API request a command makes. A Watch makes its first request (the
// current state at once); watch_request() makes the ones that follow.
HttpRequest to_request(const Command& command);
HttpRequest watch_request(std::uint64_t after_seq, int wait_ms);

// Percent-encoding of everything but RFC 3986's unreserved characters, so a
// space is %20 (never '+') and a value may hold '/', '&' or '?'.
std::string url_encode(std::string_view text);

extern const std::string_view kUsage;

}  // namespace tandem::ctl
