#include "runtime/net/framed_link.hpp"

namespace tandem::net {

FramedLink::FramedLink(std::unique_ptr<Stream> stream, FrameHandler on_frame, CloseHandler on_closed,
                       std::uint32_t max_frame_bytes)
    : stream_(std::move(stream)), decoder_(max_frame_bytes), on_frame_(std::move(on_frame)), on_closed_(std::move(on_closed)) {
  stream_->start(StreamHandlers{
      [this](ByteView bytes) { on_data(bytes); },
      [this, alive = alive_](Status why) {
        if (!*alive || closed_) return;
        closed_ = true;
        const CloseHandler handler = on_closed_;  // a copy: the owner may destroy us in it
        handler(why);
      },
  });
}

FramedLink::~FramedLink() { *alive_ = false; }

void FramedLink::on_data(ByteView bytes) {
  const std::shared_ptr<bool> alive = alive_;  // the handlers below may destroy us
  decoder_.feed(bytes);
  for (;;) {
    auto frame = decoder_.next();
    if (!frame) {
      if (closed_) return;
      closed_ = true;
      stream_->close();
      const CloseHandler handler = on_closed_;
      handler(frame.error());
      return;
    }
    if (!frame->has_value()) return;
    const FrameHandler handler = on_frame_;  // small captures: no allocation
    handler(**frame);
    if (!*alive) return;
  }
}

Dialer::Dialer(Env& env, std::string host, std::uint16_t port, std::optional<IpAddress> source,
               std::shared_ptr<const TlsContext> tls, Duration retry, Connected on_connected, Failed on_failed)
    : env_(env),
      host_(std::move(host)),
      port_(port),
      source_(source),
      tls_(std::move(tls)),
      retry_(retry),
      on_connected_(std::move(on_connected)),
      on_failed_(std::move(on_failed)) {}

void Dialer::dial() {
  if (auto ip = IpAddress::parse(host_)) {
    connect_to(*ip);
    return;
  }
  const DnsType type = source_ && !source_->is_v4() ? DnsType::AAAA : DnsType::A;
  pending_ = env_.lookup(host_, type, [this](Result<DnsAnswer> answer) {
    if (!answer) return failed(answer.error());
    if (answer->addresses.empty()) return failed(make_error("no address for " + host_));
    connect_to(answer->addresses.front());
  });
}

void Dialer::connect_to(const IpAddress& ip) {
  ConnectOptions options{Endpoint{ip, port_}, source_, retry_ * 3};
  pending_ = env_.connect(options, tls_, [this](Result<std::unique_ptr<Stream>> stream) {
    if (!stream) return failed(stream.error());
    on_connected_(std::move(stream.value()));
  });
}

void Dialer::failed(const Error& error) {
  if (on_failed_) on_failed_(error);
  redial();
}

void Dialer::redial() {
  const auto jitter = Duration(env_.random().between(0, to_ns(retry_) / 4));
  timer_ = env_.start_timer(retry_ + jitter, [this] { dial(); });
}

}  // namespace tandem::net
