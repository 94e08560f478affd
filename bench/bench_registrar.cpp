// The peer's SIP path without the network: what one REGISTER costs in the
// codec and the registrar, on one core, with many AORs registered (so the
// tables are as large as a loaded peer's, not one hot entry). Per REGISTER:
// parse_sip_message, Registrar::handle (parse_core, checks, the binding
// change, the 200) and serialize of the answer.
//
//   bench_registrar [--aors N] [--rounds R]
//
// N AORs register once, then refresh R times each, round-robin. No target of
// its own: it tells which part of bench_sip's and bench_twin_endpoints'
// figures is the SIP work.

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/machine.hpp"
#include "runtime/sip/registrar.hpp"
#include "runtime/wire/sip_message.hpp"

namespace {

using namespace tandem;
using Clock = std::chrono::steady_clock;

std::string register_text(int user, std::uint32_t cseq) {
  const std::string name = "user" + std::to_string(user);
  const std::string host = "10.1." + std::to_string(user / 250) + "." + std::to_string(user % 250 + 1);
  return "REGISTER sip:example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP " + host + ":5060;branch=z9hG4bK" + std::to_string(cseq) + "x" + name + ";rport\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:" + name + "@example.com>;tag=" + name + "\r\n"
         "To: <sip:" + name + "@example.com>\r\n"
         "Call-ID: 0123456789abcdef@" + name + "\r\n"
         "CSeq: " + std::to_string(cseq) + " REGISTER\r\n"
         "Contact: <sip:" + name + "@" + host + ":5060;transport=udp>;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-" +
         std::to_string(100000000000 + user) + ">\"\r\n"
         "Expires: 3600\r\n"
         "User-Agent: bench_registrar\r\n"
         "Content-Length: 0\r\n\r\n";
}

double us_per(Clock::duration d, long n) { return std::chrono::duration<double, std::micro>(d).count() / static_cast<double>(n); }

}  // namespace

int main(int argc, char** argv) {
  int aors = 10000;
  int rounds = 20;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--aors") == 0 && i + 1 < argc) {
      aors = std::atoi(argv[++i]);
    } else if (std::strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: bench_registrar [--aors N] [--rounds R]\n");
      return 2;
    }
  }
  if (aors < 1 || aors > 1000000 || rounds < 1) {
    std::fprintf(stderr, "bench_registrar: --aors must be 1..1000000 and --rounds at least 1\n");
    return 2;
  }
  sip::RegistrarOptions options;
  options.standard = {45, 3600};
  options.aors_max = static_cast<std::size_t>(aors);
  sip::Registrar registrar(options);
  // The requests are made before the clock starts: their bytes are the input, not the work.
  std::vector<std::string> texts;
  Clock::duration parse{}, handle{}, serialize{};
  long answered = 0;
  long refused = 0;
  std::size_t bytes = 0;
  MonoTime now{std::chrono::seconds(1)};
  for (int round = 0; round <= rounds; ++round) {
    texts.clear();
    for (int user = 0; user < aors; ++user) texts.push_back(register_text(user, static_cast<std::uint32_t>(round + 1)));
    for (int user = 0; user < aors; ++user) {
      const auto t0 = Clock::now();
      auto request = wire::parse_sip_message(std::string_view(texts[static_cast<std::size_t>(user)]));
      const auto t1 = Clock::now();
      if (!request) {
        std::fprintf(stderr, "bench_registrar: %s\n", request.error().message.c_str());
        return 1;
      }
      auto response = registrar.handle(*request, sip::RequestContext{Endpoint{IpAddress::v4(10, 1, 0, 1), 5060},
                                                                      sip::Transport::Udp, 0, now, false});
      const auto t2 = Clock::now();
      bytes += wire::serialize(*response).size();
      const auto t3 = Clock::now();
      parse += t1 - t0;
      handle += t2 - t1;
      serialize += t3 - t2;
      ++(response->status == 200 ? answered : refused);
      now += std::chrono::microseconds(100);
    }
  }
  const long n = answered + refused;
  std::printf("bench_registrar on %s\n", bench::machine_summary().c_str());
  std::printf("%d AORs, %d refreshes each: %ld REGISTERs (%ld answered 200, %ld refused), %zu response bytes\n", aors,
              rounds, n, answered, refused, bytes);
  std::printf("per REGISTER: parse %.2f us, registrar %.2f us, serialize %.2f us, total %.2f us (%.0f REGISTER/s)\n",
              us_per(parse, n), us_per(handle, n), us_per(serialize, n), us_per(parse + handle + serialize, n),
              1e6 / us_per(parse + handle + serialize, n));
  std::printf("registrar: %zu AORs, %zu bindings\n", registrar.counts().aors, registrar.counts().bindings);
  return refused == 0 ? 0 : 1;
}
