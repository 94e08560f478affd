#include "runtime/env/asio/asio_log.hpp"

#include "runtime/core/json.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

namespace tandem::asio_env {

Result<std::shared_ptr<LogSink>> LogSink::create(std::string log_name, LogLevel min_level,
                                                 const std::filesystem::path& trace_file) {
  std::FILE* trace = nullptr;
  if (!trace_file.empty()) {
    trace = std::fopen(trace_file.c_str(), "a");
    if (trace == nullptr) {
      return make_error("cannot open trace file " + trace_file.string() + ": " + std::strerror(errno));
    }
  }
  return std::shared_ptr<LogSink>(new LogSink(std::move(log_name), min_level, trace));
}

LogSink::LogSink(std::string log_name, LogLevel min_level, std::FILE* trace)
    : log_name_(std::move(log_name)), min_level_(min_level), trace_(trace) {}

LogSink::~LogSink() {
  if (trace_ != nullptr) std::fclose(trace_);
}

void LogSink::log(WallTime now, LogLevel level, std::string_view component, std::string_view message) {
  if (level < min_level_) return;
  std::string line = format_iso8601_ms(now);
  line += ' ';
  line += to_string(level);
  line += ' ';
  line += log_name_.empty() ? "-" : log_name_;
  line += ' ';
  line += component;
  line += ": ";
  line += message;
  line += '\n';
  // One write per line, so lines of processes sharing a terminal do not mix.
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void LogSink::trace(WallTime now, std::string_view kind, std::string_view detail) {
  if (trace_ == nullptr) return;
  std::string line = "{\"t_ns\":" + std::to_string(to_ns(now)) + ",\"host\":" + json_quote(log_name_) +
                     ",\"kind\":" + json_quote(kind) + ",\"detail\":" + json_quote(detail) + "}\n";
  std::fwrite(line.data(), 1, line.size(), trace_);
  std::fflush(trace_);  // a killed process leaves every record it made
}

std::string format_iso8601_ms(WallTime time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds).count();
  const std::time_t t = seconds.time_since_epoch().count();
  std::tm fields{};
  gmtime_r(&t, &fields);
  char text[40];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &fields);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis));
  return text;
}


}  // namespace tandem::asio_env
