#include "runtime/env/asio/asio_dns.hpp"

#include <array>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fstream>
#include <sstream>

#include "runtime/env/asio/asio_cancel.hpp"
#include "runtime/env/asio/asio_endpoint.hpp"
#include "runtime/env/dns/dns_message.hpp"

namespace tandem::asio_env {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Udp = asio::ip::udp;

constexpr std::uint16_t kDnsPort = 53;
// Replies are at most 512 bytes without EDNS; a larger buffer tolerates servers
// that send more, which the codec then reads like any other reply.
constexpr std::size_t kReplyBytesMax = 4096;

// One lookup: tries servers in order, one socket and one deadline per try.
class LookupOp : public std::enable_shared_from_this<LookupOp> {
 public:
  LookupOp(asio::io_context& io, std::vector<Endpoint> servers, dns::Question question, std::uint64_t id_seed,
           DnsHandler on_answer)
      : io_(io), servers_(std::move(servers)), question_(std::move(question)), ids_(id_seed), socket_(io), timer_(io),
        on_answer_(std::move(on_answer)) {}

  void set_token(CancelToken token) { token_ = std::move(token); }

  void try_next() {
    if (done_) return;
    const std::size_t tries = servers_.size() * DnsResolver::kRounds;
    if (attempt_ >= tries) return complete(make_error(summary()));
    server_ = servers_[attempt_ % servers_.size()];
    ++attempt_;
    question_.id = static_cast<std::uint16_t>(ids_.next_u64());
    auto query = dns::encode_query(question_);
    if (!query) return complete(query.error());
    error_code error;
    socket_.close(error);  // a fresh socket, so a fresh source port, per try
    const auto to = to_asio_endpoint<Udp::endpoint>(server_);
    socket_.open(to.protocol(), error);
    // Connected: the kernel drops datagrams from anyone else, and an ICMP
    // port-unreachable ends this try at once instead of at its deadline.
    if (!error) socket_.connect(to, error);
    if (!error) socket_.send(asio::buffer(*query), 0, error);
    if (error) {
      last_error_ = "cannot send to DNS server " + server_.to_string() + ": " + error.message();
      return asio::post(io_, [self = shared_from_this()] { self->try_next(); });
    }
    arm_timer();
    receive();
  }

  void abort() {
    done_ = true;
    error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
  }

 private:
  void arm_timer() {
    timer_.expires_after(DnsResolver::kTryTimeout);
    timer_.async_wait([self = shared_from_this(), attempt = attempt_](const error_code& error) {
      if (error || self->done_ || attempt != self->attempt_) return;  // stale: a later try is running
      self->last_error_ = "DNS server " + self->server_.to_string() + " did not answer within " +
                          std::to_string(std::chrono::duration_cast<std::chrono::seconds>(DnsResolver::kTryTimeout).count()) + " s";
      self->try_next();
    });
  }

  void receive() {
    socket_.async_receive(asio::buffer(reply_),
                          [self = shared_from_this(), attempt = attempt_](const error_code& error, std::size_t size) {
                            if (self->done_ || attempt != self->attempt_) return;
                            self->on_reply(error, size);
                          });
  }

  void on_reply(const error_code& error, std::size_t size) {
    if (error == asio::error::operation_aborted) return;
    if (error) {  // an ICMP port-unreachable, say: this server is not there
      last_error_ = "DNS server " + server_.to_string() + ": " + error.message();
      return try_next();
    }
    const ByteView reply(reply_.data(), size);
    if (dns::message_id(reply) != question_.id) return receive();  // a late reply to an earlier query
    auto answer = dns::decode_response(reply, question_);
    if (answer || dns::message_rcode(reply) == dns::kRcodeNameError) return complete(std::move(answer));
    last_error_ = answer.error().message;
    try_next();
  }

  void complete(Result<DnsAnswer> answer) {
    abort();
    if (token_.claim()) on_answer_(std::move(answer));
  }

  std::string summary() const {
    std::string text = "DNS " + std::string(dns::to_string(question_.type)) + " lookup of " + question_.name + " failed";
    return last_error_.empty() ? text : text + ": " + last_error_;
  }

  asio::io_context& io_;
  std::vector<Endpoint> servers_;
  dns::Question question_;
  Random ids_;  // own stream: the op may outlive its resolver
  Udp::socket socket_;
  asio::steady_timer timer_;
  DnsHandler on_answer_;
  CancelToken token_;
  std::array<std::uint8_t, kReplyBytesMax> reply_{};
  Endpoint server_;
  std::size_t attempt_ = 0;
  std::string last_error_;
  bool done_ = false;
};

}  // namespace

DnsResolver::DnsResolver(asio::io_context& io, std::vector<Endpoint> servers, std::uint64_t id_seed)
    : io_(io), servers_(std::move(servers)), ids_(id_seed) {}

Handle DnsResolver::lookup(std::string_view name, DnsType type, DnsHandler on_answer) {
  if (type != DnsType::SRV) {
    if (auto ip = IpAddress::parse(name); ip && ip->is_v4() == (type == DnsType::A)) {
      auto [handle, token] = make_cancellable(nullptr);
      asio::post(io_, [token, answer = DnsAnswer{{*ip}, {}, 0}, on_answer = std::move(on_answer)] {
        if (token.claim()) on_answer(answer);
      });
      return std::move(handle);
    }
  }
  std::vector<Endpoint> servers = servers_;
  if (servers.empty()) {
    auto [handle, token] = make_cancellable(nullptr);
    asio::post(io_, [token, name = std::string(name), on_answer = std::move(on_answer)] {
      if (token.claim()) on_answer(make_error("DNS lookup of " + name + ": no DNS server configured"));
    });
    return std::move(handle);
  }
  auto op = std::make_shared<LookupOp>(io_, std::move(servers), dns::Question{0, std::string(name), type}, ids_.next_u64(),
                                       std::move(on_answer));
  auto [handle, token] = make_cancellable([weak = std::weak_ptr<LookupOp>(op)] {
    if (auto op = weak.lock()) op->abort();
  });
  op->set_token(std::move(token));
  asio::post(io_, [op] { op->try_next(); });  // never answer from inside lookup()
  return std::move(handle);
}

std::vector<Endpoint> read_resolv_conf(const std::filesystem::path& path) {
  std::vector<Endpoint> servers;
  std::ifstream file(path);
  std::string line;
  for (int lines = 0; lines < 10000 && std::getline(file, line); ++lines) {
    std::istringstream words(line);
    std::string keyword, address;
    if (!(words >> keyword >> address) || keyword != "nameserver") continue;
    if (auto ip = IpAddress::parse(address); ip) servers.push_back(Endpoint{*ip, kDnsPort});
  }
  return servers;
}

}  // namespace tandem::asio_env
