#pragma once
// Env: the only door between peer code and the world (DESIGN.md, "The one rule").
//
// Everything in runtime/ outside env/asio/ and daemon/ reaches time, timers,
// randomness, sockets, DNS, files, logs and the trace through this interface.
// Two drivers implement it: AsioEnv (real sockets, real TLS, real files) and the
// simulator's SimEnv (virtual time, modelled network and disk). Peer code cannot
// tell which one it runs on; that is what makes the twin honest.
//
// Threading: every callback an Env makes runs on that Env's single executor, one
// at a time, never re-entrantly from inside the call that scheduled it.
//
// Lifetimes: an operation that calls back later returns a Handle, and objects
// (streams, listeners, datagram sockets) own their callbacks. Destroying the
// Handle or the object cancels: no callback runs after that. A callback may
// destroy the very object that called it (a stream from its own on_data, say);
// drivers touch nothing of that object once the callback returns.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/core/random.hpp"
#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"
#include "runtime/env/file_system.hpp"
#include "runtime/env/tls/tls.hpp"

namespace tandem {

using Task = std::function<void()>;
using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Cancels a pending callback when destroyed or cancelled. Move-only.
class Handle {
 public:
  Handle() = default;
  explicit Handle(std::shared_ptr<bool> live) : live_(std::move(live)) {}
  Handle(Handle&&) noexcept = default;
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      cancel();
      live_ = std::move(other.live_);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { cancel(); }

  void cancel() {
    if (live_) *live_ = false;
    live_.reset();
  }
  // True until the callback has run or was cancelled.
  bool active() const { return live_ && *live_; }

 private:
  std::shared_ptr<bool> live_;
};

// ---- streams (TCP, optionally TLS) -------------------------------------------

struct StreamHandlers {
  std::function<void(ByteView)> on_data;
  // Ok: the other side closed cleanly. Error: reset, timeout, TLS failure...
  // Called once; the stream sends and receives nothing afterwards.
  std::function<void(Status)> on_closed;
};

class Stream {
 public:
  virtual ~Stream() = default;  // closes at once; no callbacks afterwards

  // Starts delivering data; call once, right after accept or connect.
  virtual void start(StreamHandlers handlers) = 0;
  // Queues bytes; they arrive in order or the stream closes with an error.
  virtual void send(ByteView bytes) = 0;
  // Bytes queued but not yet handed to the network (backpressure signal).
  virtual std::size_t send_backlog_bytes() const = 0;
  // Sends what is queued, then closes; on_closed follows.
  virtual void close() = 0;

  virtual Endpoint local() const = 0;
  virtual Endpoint remote() const = 0;
  // What TLS negotiated and what the other side presented; encrypted=false for
  // plain TCP.
  virtual const TlsSessionInfo& tls() const = 0;
};

class StreamListener {
 public:
  virtual ~StreamListener() = default;  // stops accepting
  virtual Endpoint local() const = 0;
};

// A stream is accepted once its TLS handshake (if any) has completed.
using AcceptHandler = std::function<void(std::unique_ptr<Stream>)>;
using ConnectHandler = std::function<void(Result<std::unique_ptr<Stream>>)>;

struct ConnectOptions {
  Endpoint remote;
  std::optional<IpAddress> local;  // source address; default: the Env's own
  Duration timeout = std::chrono::seconds(10);
};

// ---- datagrams (UDP) ---------------------------------------------------------

using DatagramHandler = std::function<void(const Endpoint& from, ByteView payload)>;

class DatagramSocket {
 public:
  virtual ~DatagramSocket() = default;  // closes; no callbacks afterwards
  // Best effort, as UDP: a datagram may be lost and nothing says so.
  virtual void send_to(const Endpoint& to, ByteView payload) = 0;
  virtual Endpoint local() const = 0;
};

// ---- DNS ---------------------------------------------------------------------

enum class DnsType : std::uint8_t { A, AAAA, SRV };

struct SrvRecord {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  std::string target;
  auto operator<=>(const SrvRecord&) const = default;
};

struct DnsAnswer {
  std::vector<IpAddress> addresses;  // A / AAAA
  std::vector<SrvRecord> services;   // SRV
  std::uint32_t ttl_s = 0;
};

// Error when the name does not exist, the server fails or does not answer.
using DnsHandler = std::function<void(Result<DnsAnswer>)>;

// ---- log ---------------------------------------------------------------------

enum class LogLevel : std::uint8_t { Debug, Info, Warn, Error };
std::string_view to_string(LogLevel level);

// ---- the seam ----------------------------------------------------------------

class Env {
 public:
  virtual ~Env() = default;

  // Time. The monotonic clock never goes back; the wall clock may jump or drift
  // (NTP faults) and is the one to use for anything an operator reads as a date.
  virtual MonoTime now() const = 0;
  virtual WallTime wall_now() const = 0;

  // Executor. `post` runs the task soon, after the current callback returns.
  virtual void post(Task task) = 0;
  [[nodiscard]] virtual Handle start_timer(Duration delay, Task task) = 0;

  // Randomness: seeded, so the twin replays it.
  virtual Random& random() = 0;

  // This host's own addresses (the first is the default source address).
  virtual const std::vector<IpAddress>& addresses() const = 0;

  // TLS. A context validates its PEMs once; pass nullptr below for plain TCP.
  virtual Result<std::shared_ptr<const TlsContext>> make_tls_context(const TlsConfig& config) = 0;

  virtual Result<std::unique_ptr<StreamListener>> listen(const Endpoint& local,
                                                         std::shared_ptr<const TlsContext> tls,
                                                         AcceptHandler on_accept) = 0;
  [[nodiscard]] virtual Handle connect(const ConnectOptions& options, std::shared_ptr<const TlsContext> tls,
                                       ConnectHandler on_connect) = 0;
  virtual Result<std::unique_ptr<DatagramSocket>> open_datagram(const Endpoint& local,
                                                                DatagramHandler on_datagram) = 0;

  [[nodiscard]] virtual Handle lookup(std::string_view name, DnsType type, DnsHandler on_answer) = 0;

  // The peer's data directory; SQLite opens through files().sqlite_vfs().
  virtual FileSystem& files() = 0;

  // Log lines are for operators; trace records are for the twin's timeline and
  // its determinism hash (kind: short dotted name, detail: free text).
  virtual void log(LogLevel level, std::string_view component, std::string_view message) = 0;
  virtual void trace(std::string_view kind, std::string_view detail) = 0;
};

}  // namespace tandem
