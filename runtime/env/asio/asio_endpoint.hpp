#pragma once
// Address conversions between Tandem's plain values and Boost.Asio's types.

#include <utility>  // before Boost.Asio (Boost 1.74 with GCC 12)

#include <boost/asio/ip/address.hpp>

#include "runtime/core/address.hpp"

namespace tandem::asio_env {

inline boost::asio::ip::address to_asio(const IpAddress& ip) {
  if (ip.is_v4()) {
    boost::asio::ip::address_v4::bytes_type bytes;
    std::copy_n(ip.bytes().begin(), bytes.size(), bytes.begin());
    return boost::asio::ip::address_v4(bytes);
  }
  boost::asio::ip::address_v6::bytes_type bytes;
  std::copy_n(ip.bytes().begin(), bytes.size(), bytes.begin());
  return boost::asio::ip::address_v6(bytes);
}

inline IpAddress from_asio(const boost::asio::ip::address& address) {
  if (address.is_v4()) return IpAddress::from_bytes(IpAddress::Family::V4, address.to_v4().to_bytes().data());
  return IpAddress::from_bytes(IpAddress::Family::V6, address.to_v6().to_bytes().data());
}

// Works for tcp::endpoint and udp::endpoint alike.
template <class AsioEndpoint>
Endpoint from_asio_endpoint(const AsioEndpoint& endpoint) {
  return Endpoint{from_asio(endpoint.address()), endpoint.port()};
}

template <class AsioEndpoint>
AsioEndpoint to_asio_endpoint(const Endpoint& endpoint) {
  return AsioEndpoint(to_asio(endpoint.ip), endpoint.port);
}

}  // namespace tandem::asio_env
