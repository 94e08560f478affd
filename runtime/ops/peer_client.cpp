#include "runtime/ops/peer_client.hpp"

#include <nlohmann/json.hpp>

namespace tandem::ops {
namespace {

using Json = nlohmann::json;

Result<Json> parse(const std::string& text, const std::string& what) {
  Json json = Json::parse(text, nullptr, false);
  if (json.is_discarded()) return make_error(what + ": the reply is not JSON");
  return json;
}

template <class T>
T value_or(const Json& object, const char* key, T fallback) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  try {
    return it->get<T>();
  } catch (const Json::exception&) {
    return fallback;
  }
}

}  // namespace

int ClusteringConfig::listed() const {
  int n = 0;
  for (const auto& p : peers) n += p.empty() ? 0 : 1;
  return n;
}

std::optional<int> ClusteringConfig::slot_of(const std::string& address) const {
  for (int i = 0; i < kMaxPeers; ++i) {
    if (!address.empty() && peers[static_cast<std::size_t>(i)] == address) return i + 1;
  }
  return std::nullopt;
}

std::string url_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<std::string> PeerClient::request(std::string_view method, const std::string& target, const std::string& body) {
  auto reply = op_.call(address_, method, target, body);
  if (!reply) return reply.error();
  if (reply->status == 200) return std::move(reply->body);
  auto json = parse(reply->body, address_);
  const std::string why = json && json->is_object() ? value_or<std::string>(*json, "error", reply->body) : reply->body;
  return make_error(address_ + " refused " + std::string(method) + " " + target.substr(0, target.find('?')) + ": " + why +
                    " (HTTP " + std::to_string(reply->status) + ")");
}

Result<PeerStatus> PeerClient::status() {
  auto text = request("GET", "/api/v1/status");
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  const Json unit = json->value("SystemUnit", Json::object());
  const Json cluster = json->value("Cluster", Json::object());
  PeerStatus s;
  s.system_name = value_or<std::string>(unit, "Name", "");
  s.software_version = value_or<std::string>(unit.value("Software", Json::object()), "Version", "");
  s.maintenance = value_or<std::string>(unit, "MaintenanceMode", "Off") == "On";
  s.clustered = value_or<bool>(cluster, "Clustered", false);
  s.cluster_name = value_or<std::string>(cluster, "Name", "");
  if (cluster.contains("ThisSystem") && cluster["ThisSystem"].is_number()) s.this_system = cluster["ThisSystem"].get<int>();
  s.primary = value_or<int>(cluster, "ConfigurationPrimary", 1);
  s.database_status = value_or<std::string>(cluster, "DatabaseStatus", "");
  s.applied_revision = value_or<std::int64_t>(cluster, "AppliedRevision", 0);
  for (const Json& p : cluster.value("Peers", Json::array())) {
    s.peers.push_back(PeerEntry{value_or<int>(p, "Slot", 0), value_or<std::string>(p, "Address", ""),
                                value_or<std::string>(p, "State", ""), value_or<std::string>(p, "SoftwareVersion", "")});
  }
  // This peer's own load: its row of the peer list ("This system"); a
  // stand-alone peer has no list, and the cluster's totals are its own.
  Json usage = cluster.value("ResourceUsage", Json());
  for (const Json& p : cluster.value("Peers", Json::array())) {
    if (value_or<std::string>(p, "State", "") == "This system") usage = p.value("ResourceUsage", Json());
  }
  if (usage.is_object()) {
    s.registrations = value_or<std::int64_t>(usage, "Registrations", 0);
    s.calls = value_or<std::int64_t>(usage, "TraversalCalls", 0) + value_or<std::int64_t>(usage, "NonTraversalCalls", 0);
  }
  return s;
}

Result<std::string> PeerClient::get(const std::string& path) {
  auto text = request("GET", "/api/v1/configuration?path=" + url_encode(path));
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  if (!json->contains("value")) return make_error(address_ + ": " + path + " names several items, not one");
  return value_or<std::string>(*json, "value", "");
}

Result<std::map<std::string, std::string>> PeerClient::items(const std::string& prefix) {
  auto text = request("GET", "/api/v1/configuration?path=" + url_encode(prefix));
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  if (value_or<bool>(*json, "truncated", false)) return make_error(address_ + ": too many items under " + prefix);
  std::map<std::string, std::string> out;
  for (const Json& item : json->value("items", Json::array())) {
    out[value_or<std::string>(item, "path", "")] = value_or<std::string>(item, "value", "");
  }
  return out;
}

Result<std::vector<EventEntry>> PeerClient::events(int limit) {
  auto text = request("GET", "/api/v1/events?limit=" + std::to_string(limit));
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  std::vector<EventEntry> out;
  for (const Json& e : json->value("events", Json::array())) {
    out.push_back(EventEntry{value_or<std::string>(e, "kind", ""), value_or<std::string>(e, "detail", "")});
  }
  return out;
}

Result<BackupFile> PeerClient::backup_file(const std::string& name) {
  auto text = request("GET", "/api/v1/backup/" + url_encode(name));
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  BackupFile file{value_or<std::string>(*json, "name", ""), value_or<std::string>(*json, "system_name", ""),
                  value_or<std::string>(*json, "sha256", ""), value_or<std::string>(*json, "content_base64", "")};
  if (file.content_base64.empty()) return make_error(address_ + ": the backup " + name + " came without its content");
  return file;
}

Result<ClusteringConfig> PeerClient::clustering() {
  auto got = this->items("Alternates");
  if (!got) return got.error();
  std::map<std::string, std::string>& items = *got;
  ClusteringConfig c;
  c.cluster_name = items["Alternates Cluster Name"];
  c.primary = std::atoi(items["Alternates ConfigurationMaster"].c_str());
  c.tls_mode = items["Alternates Cluster TlsVerificationMode"];
  for (int i = 1; i <= kMaxPeers; ++i) {
    c.peers[static_cast<std::size_t>(i - 1)] = items["Alternates Peer " + std::to_string(i) + " Address"];
  }
  if (c.primary < 1) c.primary = 1;
  return c;
}

Result<std::vector<AlarmEntry>> PeerClient::alarms() {
  auto text = request("GET", "/api/v1/alarms");
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  std::vector<AlarmEntry> out;
  for (const Json& a : json->value("alarms", Json::array())) {
    out.push_back(AlarmEntry{value_or<int>(a, "id", 0), value_or<std::string>(a, "text", ""),
                             value_or<std::string>(a, "detail", ""), value_or<bool>(a, "acknowledged", false)});
  }
  return out;
}

Result<std::vector<std::string>> PeerClient::neighbour_addresses() {
  auto text = request("GET", "/api/v1/configuration?path=Zones%20Zone");
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  std::vector<std::string> out;
  for (const Json& item : json->value("items", Json::array())) {
    const auto path = value_or<std::string>(item, "path", "");
    const auto value = value_or<std::string>(item, "value", "");
    if (path.find(" Neighbor Peer ") != std::string::npos && !value.empty()) out.push_back(value);
  }
  return out;
}

Result<std::vector<std::string>> PeerClient::set(const std::map<std::string, std::string>& changes) {
  Json body{{"changes", Json::array()}};
  for (const auto& [path, value] : changes) body["changes"].push_back({{"path", path}, {"value", value}});
  auto text = request("POST", "/api/v1/configuration", body.dump());
  if (!text) return text.error();
  auto json = parse(*text, address_);
  if (!json) return json.error();
  return value_or<std::vector<std::string>>(*json, "restart_required", {});
}

Status PeerClient::set_clustering(const ClusteringConfig& wanted) {
  auto current = clustering();
  if (!current) return current.error();
  std::map<std::string, std::string> changes;
  if (current->cluster_name != wanted.cluster_name) changes["Alternates Cluster Name"] = wanted.cluster_name;
  if (current->primary != wanted.primary) changes["Alternates ConfigurationMaster"] = std::to_string(wanted.primary);
  if (!wanted.tls_mode.empty() && current->tls_mode != wanted.tls_mode) {
    changes["Alternates Cluster TlsVerificationMode"] = wanted.tls_mode;
  }
  for (int i = 1; i <= kMaxPeers; ++i) {
    const auto& want = wanted.peers[static_cast<std::size_t>(i - 1)];
    if (current->peers[static_cast<std::size_t>(i - 1)] != want) {
      changes["Alternates Peer " + std::to_string(i) + " Address"] = want;
    }
  }
  if (changes.empty()) return {};
  auto done = set(changes);
  if (!done) return done.error();
  return {};
}

Result<std::string> PeerClient::command(const std::string& name, const std::map<std::string, std::string>& args) {
  Json body{{"args", Json::object()}};
  for (const auto& [key, value] : args) body["args"][key] = value;
  return request("POST", "/api/v1/command/" + name, body.dump());
}

}  // namespace tandem::ops
