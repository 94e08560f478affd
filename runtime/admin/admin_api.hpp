#pragma once
// The admin API: everything an operator reads and does on one peer, as
// HTTP-shaped requests and JSON responses. Transport-free and written against
// Env: tandemd serves it over HTTPS (daemon/admin_server), tests call it
// directly on a twin peer.
//
// Every request is authenticated (HTTP Basic) against the replicated
// administrator accounts ("Login Administrator N ..."), and the automated
// protection service ("Administration AutomatedProtection Mode") blocks a
// source after repeated failures. Routes are listed in admin_api.cpp and in
// docs/admin-api.md.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/address.hpp"
#include "runtime/env/env.hpp"

namespace tandem {
class Peer;
}

namespace tandem::admin {

struct Request {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query: "/api/v1/configuration?path=H323%20Mode"
  std::string authorization;  // the Authorization header as sent; "" when absent
  std::string body;           // JSON, for POST
  IpAddress client;           // where the request came from (automated protection)
};

struct Response {
  int status = 200;
  std::string body;  // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. WWW-Authenticate, Retry-After
};

// What the API asks of the process around the peer.
struct Hooks {
  // xCommand Restart: called after the reply has been handed over.
  std::function<void()> restart = [] {};
};

class AdminApi {
 public:
  AdminApi(Env& env, Peer& peer, Hooks hooks);
  ~AdminApi();
  AdminApi(const AdminApi&) = delete;
  AdminApi& operator=(const AdminApi&) = delete;

  // Calls `reply` exactly once, on the Env's executor: at once, or later for a
  // watch that waits for news. Nothing is called after the AdminApi is gone.
  void handle(Request request, std::function<void(Response)> reply);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tandem::admin
