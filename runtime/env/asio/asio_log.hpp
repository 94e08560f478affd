#pragma once
// AsioEnv's log and trace sinks. Log lines go to stderr for operators:
//   2026-11-25T02:53:25.652Z info h1 cluster: peer 127.0.0.3 reachable
// Trace records go, when a file is named, to JSON Lines for tools:
//   {"t_ns":1795575205652153918,"host":"h1","kind":"stream.open","detail":"..."}
// t_ns is wall-clock time (ns since the epoch), so traces of several processes
// on one host line up.

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/core/result.hpp"
#include "runtime/core/time.hpp"
#include "runtime/env/env.hpp"

namespace tandem::asio_env {

class LogSink {
 public:
  // Error when `trace_file` is named and cannot be opened for appending.
  static Result<std::shared_ptr<LogSink>> create(std::string log_name, LogLevel min_level,
                                                 const std::filesystem::path& trace_file);
  ~LogSink();
  LogSink(const LogSink&) = delete;
  LogSink& operator=(const LogSink&) = delete;

  void log(WallTime now, LogLevel level, std::string_view component, std::string_view message);
  void trace(WallTime now, std::string_view kind, std::string_view detail);

 private:
  LogSink(std::string log_name, LogLevel min_level, std::FILE* trace);
  std::string log_name_;
  LogLevel min_level_;
  std::FILE* trace_;  // owned; null: trace discarded
};

// "2026-11-25T02:53:25.652Z"
std::string format_iso8601_ms(WallTime time);

}  // namespace tandem::asio_env
