#include "runtime/env/asio/asio_datagram.hpp"

#include <array>
#include <boost/asio/ip/udp.hpp>

#include "runtime/env/asio/asio_endpoint.hpp"

namespace tandem::asio_env {
namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using Udp = asio::ip::udp;

constexpr std::size_t kDatagramBytesMax = 65536;  // anything a UDP datagram can carry
constexpr int kReceiveBufferBytes = 4 << 20;

class DatagramCore : public std::enable_shared_from_this<DatagramCore> {
 public:
  DatagramCore(asio::io_context& io, DatagramHandler on_datagram)
      : socket_(io), on_datagram_(std::make_shared<DatagramHandler>(std::move(on_datagram))) {}

  Status open(const Endpoint& local) {
    error_code error;
    const auto endpoint = to_asio_endpoint<Udp::endpoint>(local);
    socket_.open(endpoint.protocol(), error);
    // No SO_REUSEADDR: two peers claiming one UDP endpoint is a mistake to report.
    if (!error) socket_.bind(endpoint, error);
    if (!error) socket_.non_blocking(true, error);  // send_to drops rather than waits
    // A burst of REGISTERs (or the peer busy for a moment) must not overflow
    // the kernel's default ~200 KiB; the kernel caps this at net.core.rmem_max.
    if (!error) socket_.set_option(asio::socket_base::receive_buffer_size(kReceiveBufferBytes), error);
    if (error) return make_error("cannot open UDP socket on " + local.to_string() + ": " + error.message());
    local_ = from_asio_endpoint(socket_.local_endpoint(error));
    return {};
  }

  void receive() {
    socket_.async_receive_from(asio::buffer(buffer_), from_,
                               [self = shared_from_this()](const error_code& error, std::size_t size) {
                                 self->on_received(error, size);
                               });
  }

  void send_to(const Endpoint& to, ByteView payload) {
    if (stopped_) return;
    error_code ignored;  // best effort, as UDP: a full buffer or unreachable host loses it
    socket_.send_to(asio::buffer(payload.data(), payload.size()), to_asio_endpoint<Udp::endpoint>(to), 0, ignored);
  }

  void stop() {
    stopped_ = true;
    on_datagram_.reset();
    error_code ignored;
    socket_.close(ignored);
  }

  const Endpoint& local() const { return local_; }

 private:
  void on_received(const error_code& error, std::size_t size) {
    if (stopped_ || error == asio::error::operation_aborted) return;
    // Other errors (an ICMP port-unreachable for an earlier send) concern one
    // datagram, not the socket: keep receiving.
    if (!error) {
      const std::shared_ptr<DatagramHandler> handler = on_datagram_;  // the callback may close us
      if (handler && *handler) (*handler)(from_asio_endpoint(from_), ByteView(buffer_.data(), size));
      if (stopped_) return;
    }
    receive();
  }

  Udp::socket socket_;
  std::shared_ptr<DatagramHandler> on_datagram_;
  std::array<std::uint8_t, kDatagramBytesMax> buffer_{};
  Udp::endpoint from_;
  Endpoint local_;
  bool stopped_ = false;
};

class AsioDatagramSocket final : public DatagramSocket {
 public:
  explicit AsioDatagramSocket(std::shared_ptr<DatagramCore> core) : core_(std::move(core)) {}
  ~AsioDatagramSocket() override { core_->stop(); }
  void send_to(const Endpoint& to, ByteView payload) override { core_->send_to(to, payload); }
  Endpoint local() const override { return core_->local(); }

 private:
  std::shared_ptr<DatagramCore> core_;
};

}  // namespace

Result<std::unique_ptr<DatagramSocket>> open_datagram_socket(asio::io_context& io, const Endpoint& local,
                                                             DatagramHandler on_datagram) {
  auto core = std::make_shared<DatagramCore>(io, std::move(on_datagram));
  if (Status opened = core->open(local); !opened) return opened.error();
  core->receive();
  return std::unique_ptr<DatagramSocket>(std::make_unique<AsioDatagramSocket>(std::move(core)));
}

}  // namespace tandem::asio_env
