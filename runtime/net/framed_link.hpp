#pragma once
// A stream that carries wire frames. Incoming bytes are cut into frames for
// `on_frame`; a bad frame ends the link with the decoder's error (nothing after
// a bad header can be trusted). The owner may destroy the link from inside any
// of its callbacks.

#include <functional>
#include <memory>

#include "runtime/env/env.hpp"
#include "runtime/wire/frame.hpp"

namespace tandem::net {

class FramedLink {
 public:
  using FrameHandler = std::function<void(const wire::Frame&)>;
  using CloseHandler = std::function<void(const Status&)>;

  // Starts reading at once. `on_closed` runs once: Ok for a clean close by the
  // other side, an error for a broken stream or a bad frame.
  FramedLink(std::unique_ptr<Stream> stream, FrameHandler on_frame, CloseHandler on_closed,
             std::uint32_t max_frame_bytes = wire::kMaxFramePayloadBytes);
  ~FramedLink();
  FramedLink(const FramedLink&) = delete;
  FramedLink& operator=(const FramedLink&) = delete;

  void send(const std::vector<std::uint8_t>& frame) { stream_->send(frame); }
  const Stream& stream() const { return *stream_; }

 private:
  void on_data(ByteView bytes);

  std::unique_ptr<Stream> stream_;
  wire::FrameDecoder decoder_;
  FrameHandler on_frame_;
  CloseHandler on_closed_;
  bool closed_ = false;  // on_closed has run (or is running)
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

// Keeps trying to open a stream to host:port (an IP literal or a name looked
// up in DNS), every `retry` plus up to a quarter of it at random, until it
// succeeds; then hands the stream over and waits for redial().
class Dialer {
 public:
  using Connected = std::function<void(std::unique_ptr<Stream>)>;
  using Failed = std::function<void(const Error&)>;  // observes only: must not destroy the dialer

  Dialer(Env& env, std::string host, std::uint16_t port, std::optional<IpAddress> source,
         std::shared_ptr<const TlsContext> tls, Duration retry, Connected on_connected, Failed on_failed = {});
  void dial();
  void redial();  // after a delay

 private:
  void connect_to(const IpAddress& ip);
  void failed(const Error& error);

  Env& env_;
  std::string host_;
  std::uint16_t port_;
  std::optional<IpAddress> source_;
  std::shared_ptr<const TlsContext> tls_;
  Duration retry_;
  Connected on_connected_;
  Failed on_failed_;
  Handle pending_;
  Handle timer_;
};

}  // namespace tandem::net
