#pragma once
// SIP requests as endpoints send them, with the parts the tests vary.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tandem::sip::test {

struct RegisterSpec {
  std::string aor = "sip:alice@example.com";
  std::vector<std::string> contacts = {"<sip:alice@10.0.0.2:5060>"};  // one Contact line each
  std::optional<std::string> expires = "60";
  std::string call_id = "a84b4c76e66710@10.0.0.2";
  std::uint32_t cseq = 1;
  std::string branch = "z9hG4bK776asdhds";
  std::string sent_by = "10.0.0.2:5060";
  std::string transport = "UDP";
  bool rport = true;
  std::vector<std::string> extra;  // whole header lines, added before Content-Length
};

inline std::string register_text(const RegisterSpec& s) {
  std::string t = "REGISTER sip:example.com SIP/2.0\r\n";
  t += "Via: SIP/2.0/" + s.transport + " " + s.sent_by + ";branch=" + s.branch + (s.rport ? ";rport" : "") + "\r\n";
  t += "Max-Forwards: 70\r\n";
  t += "To: <" + s.aor + ">\r\n";
  t += "From: <" + s.aor + ">;tag=456248\r\n";
  t += "Call-ID: " + s.call_id + "\r\n";
  t += "CSeq: " + std::to_string(s.cseq) + " REGISTER\r\n";
  for (const std::string& c : s.contacts) t += "Contact: " + c + "\r\n";
  if (s.expires) t += "Expires: " + *s.expires + "\r\n";
  t += "User-Agent: TestPhone/1.0\r\n";
  for (const std::string& line : s.extra) t += line + "\r\n";
  t += "Content-Length: 0\r\n\r\n";
  return t;
}

inline std::string options_text() {
  return "OPTIONS sip:example.com SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKopt1;rport\r\n"
         "Max-Forwards: 70\r\n"
         "To: <sip:example.com>\r\n"
         "From: <sip:alice@example.com>;tag=99\r\n"
         "Call-ID: opt-1@10.0.0.2\r\n"
         "CSeq: 7 OPTIONS\r\n"
         "Content-Length: 0\r\n\r\n";
}

}  // namespace tandem::sip::test
