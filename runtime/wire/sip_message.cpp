#include "runtime/wire/sip_message.hpp"

#include "runtime/core/ascii.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>

namespace tandem::wire {
namespace {

constexpr std::string_view kCrlf = "\r\n";
constexpr std::string_view kBlankLine = "\r\n\r\n";
constexpr std::string_view kVersion = "SIP/2.0";
constexpr std::size_t kErrorQuoteBytesMax = 40;  // of hostile text, echoed in an error

Error sip_error(std::string message) { return make_error(std::move(message)); }

// Hostile text quoted in an error: printable, short.
std::string quote(std::string_view text) {
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kErrorQuoteBytesMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  if (text.size() > kErrorQuoteBytesMax) out += "...";
  return out + "'";
}

constexpr char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }
constexpr bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (ascii_lower(c) >= 'a' && ascii_lower(c) <= 'f'); }
bool is_ws(char c) { return c == ' ' || c == '\t'; }
// One pass (find_first_of("\r\n") would search its set once per byte).
bool has_line_break(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; });
}

// RFC 3261 §25.1 character classes, one table lookup each: they run on every
// byte of every message.
enum CharClass : std::uint8_t { kTokenChar = 1, kUnreservedChar = 2, kParamValueChar = 4, kUserChar = 8, kPasswordChar = 16 };

constexpr std::array<std::uint8_t, 256> make_char_classes() {
  std::array<std::uint8_t, 256> table{};
  const auto mark = [&table](std::string_view chars, std::uint8_t cls) {
    for (char c : chars) table[static_cast<unsigned char>(c)] |= cls;
  };
  for (int c = 0; c < 256; ++c) {
    if (is_alnum(static_cast<char>(c))) table[static_cast<std::size_t>(c)] = kTokenChar | kUnreservedChar;
  }
  mark("-.!%*_+`'~", kTokenChar);
  mark("-_.!~*'()", kUnreservedChar);
  for (auto& t : table) {
    if (t & kTokenChar) t |= kParamValueChar;
    if (t & kUnreservedChar) t |= kUserChar | kPasswordChar;
  }
  mark("[]:/&$=@", kParamValueChar);
  mark("&=+$,;?/", kUserChar);
  mark("&=+$,", kPasswordChar);
  return table;
}
constexpr std::array<std::uint8_t, 256> kCharClasses = make_char_classes();

bool in_class(char c, CharClass cls) { return (kCharClasses[static_cast<unsigned char>(c)] & cls) != 0; }
bool is_token_char(char c) { return in_class(c, kTokenChar); }
bool is_unreserved(char c) { return in_class(c, kUnreservedChar); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ws(s.back())) s.remove_suffix(1);
  return s;
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

// Decimal digits only; nullopt when empty, not digits, or above `max`.
// With `saturate`, values above `max` become `max` instead.
std::optional<std::uint64_t> parse_decimal(std::string_view s, std::uint64_t max, bool saturate = false) {
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : s) {  // bounded by s.size(), itself bounded by the header line limit
    if (!is_digit(c)) return std::nullopt;
    if (value > max) continue;  // already too large: keep checking the digits only
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > max) return saturate ? std::optional<std::uint64_t>(max) : std::nullopt;
  return value;
}

// ---- header names -------------------------------------------------------------------

struct KnownHeader {
  std::string_view name;
  char compact;  // 0: none
};
constexpr std::array<KnownHeader, 42> kKnownHeaders{{
    {"Accept", 0},
    {"Accept-Contact", 'a'},
    {"Allow", 0},
    {"Allow-Events", 'u'},
    {"Authorization", 0},
    {"Call-ID", 'i'},
    {"Contact", 'm'},
    {"Content-Encoding", 'e'},
    {"Content-Length", 'l'},
    {"Content-Type", 'c'},
    {"CSeq", 0},
    {"Date", 0},
    {"Event", 'o'},
    {"Expires", 0},
    {"Flow-Timer", 0},
    {"From", 'f'},
    {"Identity", 'y'},
    {"Identity-Info", 'n'},
    {"Max-Forwards", 0},
    {"Min-Expires", 0},
    {"Path", 0},
    {"Proxy-Authorization", 0},
    {"Proxy-Require", 0},
    {"Record-Route", 0},
    {"Refer-To", 'r'},
    {"Referred-By", 'b'},
    {"Reject-Contact", 'j'},
    {"Request-Disposition", 'd'},
    {"Require", 0},
    {"Retry-After", 0},
    {"Route", 0},
    {"Server", 0},
    {"Session-Expires", 'x'},
    {"Subject", 's'},
    {"Supported", 'k'},
    {"Timestamp", 0},
    {"To", 't'},
    {"Unsupported", 0},
    {"User-Agent", 0},
    {"Via", 'v'},
    {"Warning", 0},
    {"WWW-Authenticate", 0},
}};

// Where each first letter's names start and end in kKnownHeaders (sorted by
// it), and the header of each compact form: a header line looks at a handful
// of names instead of all of them.
struct KnownHeaderIndex {
  std::array<std::uint8_t, 26> begin{};
  std::array<std::uint8_t, 26> end{};
  std::array<std::int8_t, 26> compact{};  // -1: no header has that compact form
};
constexpr KnownHeaderIndex make_known_header_index() {
  KnownHeaderIndex index;
  index.compact.fill(-1);
  std::size_t previous = 0;
  for (std::size_t i = 0; i < kKnownHeaders.size(); ++i) {
    const auto letter = static_cast<std::size_t>(ascii_lower(kKnownHeaders[i].name[0]) - 'a');
    if (letter < previous) throw "kKnownHeaders must be sorted by first letter";  // fails the constant evaluation
    if (index.end[letter] == 0) index.begin[letter] = static_cast<std::uint8_t>(i);
    index.end[letter] = static_cast<std::uint8_t>(i + 1);
    previous = letter;
    if (const char c = kKnownHeaders[i].compact; c != 0) {
      index.compact[static_cast<std::size_t>(c - 'a')] = static_cast<std::int8_t>(i);
    }
  }
  return index;
}
constexpr KnownHeaderIndex kKnownHeaderIndex = make_known_header_index();

const KnownHeader* known_header(std::string_view name) {
  if (name.empty()) return nullptr;
  const char first = ascii_lower(name[0]);
  if (first < 'a' || first > 'z') return nullptr;
  const auto letter = static_cast<std::size_t>(first - 'a');
  if (name.size() == 1) {
    const int i = kKnownHeaderIndex.compact[letter];
    return i < 0 ? nullptr : &kKnownHeaders[static_cast<std::size_t>(i)];
  }
  for (std::size_t i = kKnownHeaderIndex.begin[letter]; i < kKnownHeaderIndex.end[letter]; ++i) {
    if (iequals(name, kKnownHeaders[i].name)) return &kKnownHeaders[i];
  }
  return nullptr;
}

bool same_header(std::string_view stored, std::string_view asked) {
  if (asked.size() == 1) {
    const KnownHeader* k = known_header(asked);
    return k != nullptr && iequals(stored, k->name);
  }
  return iequals(stored, asked);
}

// ---- the head -----------------------------------------------------------------------

struct ParsedHead {
  SipMessage message;
  std::optional<std::size_t> content_length;
};

// Bytes a head holds as they are: anything but control bytes (HT aside) and DEL.
constexpr std::array<bool, 256> make_plain_head_bytes() {
  std::array<bool, 256> plain{};
  for (int c = 0; c < 256; ++c) plain[static_cast<std::size_t>(c)] = (c >= 0x20 && c != 0x7f) || c == '\t';
  return plain;
}
constexpr std::array<bool, 256> kPlainHeadBytes = make_plain_head_bytes();

// NUL, bare CR or LF, or other control bytes (HT aside) anywhere in the head.
Status check_head_bytes(std::string_view head) {
  for (std::size_t i = 0; i < head.size(); ++i) {
    // Eight plain bytes at a time: none below 0x20 and none 0x7f (HT goes the slow way).
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHighs = 0x8080808080808080ULL;
    while (i + 8 <= head.size()) {
      std::uint64_t w;
      std::memcpy(&w, head.data() + i, sizeof w);
      const std::uint64_t below_space = (w - kOnes * 0x20) & ~w & kHighs;
      const std::uint64_t x = w ^ (kOnes * 0x7f);
      const std::uint64_t del = (x - kOnes) & ~x & kHighs;
      if ((below_space | del) != 0) break;
      i += 8;
    }
    if (i >= head.size()) break;
    const auto c = static_cast<unsigned char>(head[i]);
    if (kPlainHeadBytes[c]) continue;
    if (c == 0) return sip_error("NUL byte in the message head at offset " + std::to_string(i));
    if (c == '\r' && (i + 1 >= head.size() || head[i + 1] != '\n')) {
      return sip_error("bare CR in the message head at offset " + std::to_string(i));
    }
    if (c == '\n' && (i == 0 || head[i - 1] != '\r')) {
      return sip_error("bare LF in the message head at offset " + std::to_string(i));
    }
    if (c != '\r' && c != '\n') {
      return sip_error("control byte " + std::to_string(c) + " in the message head at offset " + std::to_string(i));
    }
  }
  return {};
}

Status parse_request_line(std::string_view line, SipMessage& m) {
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp1 == sp2) {
    return sip_error("start line " + quote(line) + " is not 'METHOD URI SIP/2.0'");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view uri = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method) || method.size() > kSipMethodBytesMax) {
    return sip_error("method " + quote(method) + " is not a token");
  }
  if (uri.empty() || uri.find_first_of(" \t") != std::string_view::npos) {
    return sip_error("Request-URI " + quote(uri) + " is empty or holds whitespace");
  }
  if (!iequals(version, kVersion)) return sip_error("version " + quote(version) + " is not SIP/2.0");
  m.request = true;
  m.method = method;
  m.request_uri = uri;
  return {};
}

Status parse_status_line(std::string_view line, SipMessage& m) {
  const std::size_t sp = line.find(' ');
  const std::string_view version = line.substr(0, sp);
  if (!iequals(version, kVersion)) return sip_error("version " + quote(version) + " is not SIP/2.0");
  if (sp == std::string_view::npos) return sip_error("status line " + quote(line) + " has no status code");
  const std::string_view rest = line.substr(sp + 1);
  const std::string_view code = rest.substr(0, 3);
  const auto status = parse_decimal(code, 699);
  if (code.size() != 3 || !status || *status < 100) return sip_error("status code " + quote(code) + " is not 100..699");
  if (rest.size() > 3 && rest[3] != ' ') {
    return sip_error("status code " + quote(rest.substr(0, 4)) + " is not 3 digits");
  }
  m.request = false;
  m.status = static_cast<int>(*status);
  m.reason = rest.size() > 4 ? rest.substr(4) : std::string_view{};
  return {};
}

// Content-Length: digits, the same value each time it appears.
Status take_content_length(std::string_view value, ParsedHead& head) {
  const auto n = parse_decimal(value, kSipMessageBytesMax * 16);
  if (!n) return sip_error("Content-Length " + quote(value) + " is not a number of bytes (or is far too large)");
  if (head.content_length && *head.content_length != *n) {
    return sip_error("Content-Length appears twice with different values");
  }
  head.content_length = static_cast<std::size_t>(*n);
  return {};
}

Status add_header_line(std::string_view line, std::size_t number, ParsedHead& head) {
  SipMessage& m = head.message;
  if (is_ws(line.front())) {  // folded (RFC 3261 §7.3.1): joins the previous header with one space
    if (m.headers.empty()) return sip_error("header line " + std::to_string(number) + " continues no header");
    std::string& value = m.headers.back().value;
    const std::string_view more = trim(line);
    if (!more.empty()) value += (value.empty() ? "" : " ") + std::string(more);
    if (value.size() > kSipHeaderLineBytesMax) {
      return sip_error(m.headers.back().name + " header exceeds " + std::to_string(kSipHeaderLineBytesMax) + " bytes");
    }
    return {};
  }
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return sip_error("header line " + std::to_string(number) + " " + quote(line) + " has no colon");
  }
  const std::string_view name = trim(line.substr(0, colon));
  if (!is_token(name)) return sip_error("header line " + std::to_string(number) + " has no valid name: " + quote(line));
  if (line.size() > kSipHeaderLineBytesMax) {
    return sip_error(std::string(name) + " header exceeds " + std::to_string(kSipHeaderLineBytesMax) + " bytes");
  }
  if (m.headers.size() >= kSipHeadersMax) {
    return sip_error("more than " + std::to_string(kSipHeadersMax) + " header lines");
  }
  m.headers.push_back({canonical_header_name(name), std::string(trim(line.substr(colon + 1)))});
  return {};
}

// The head without its final blank line: start line, then header lines.
Result<ParsedHead> parse_head(std::string_view head) {
  if (auto ok = check_head_bytes(head); !ok) return ok.error();
  ParsedHead parsed;
  parsed.message.headers.reserve(16);  // a REGISTER has a dozen: no regrowth
  std::size_t pos = head.find(kCrlf);
  const std::string_view start = head.substr(0, pos);
  if (start.empty()) return sip_error("no start line");
  if (start.size() > kSipHeaderLineBytesMax) {
    return sip_error("start line exceeds " + std::to_string(kSipHeaderLineBytesMax) + " bytes");
  }
  const bool response = start.size() >= 4 && iequals(start.substr(0, 4), "SIP/");
  if (auto ok = response ? parse_status_line(start, parsed.message) : parse_request_line(start, parsed.message); !ok) {
    return ok.error();
  }
  // Each line is at least 2 bytes with its CRLF: the loop ends within head.size() / 2 turns.
  for (std::size_t number = 1; pos != std::string_view::npos; ++number) {
    const std::size_t begin = pos + kCrlf.size();
    pos = head.find(kCrlf, begin);
    const std::string_view line =
        head.substr(begin, pos == std::string_view::npos ? std::string_view::npos : pos - begin);
    if (line.empty()) return sip_error("empty header line " + std::to_string(number));
    if (auto ok = add_header_line(line, number, parsed); !ok) return ok.error();
  }
  // Content-Length is framing, not content: it leaves the header list.
  std::vector<SipHeader>& headers = parsed.message.headers;
  for (const SipHeader& h : headers) {
    if (h.name == "Content-Length") {
      if (auto ok = take_content_length(h.value, parsed); !ok) return ok.error();
    }
  }
  std::erase_if(headers, [](const SipHeader& h) { return h.name == "Content-Length"; });
  return parsed;
}

// CRLFs before the start line are ignored (RFC 3261 §7.5).
std::size_t skip_leading_crlf(std::string_view bytes) {
  std::size_t start = 0;
  while (bytes.substr(start, 2) == kCrlf) start += 2;  // bounded by bytes.size() / 2
  return start;
}

// ---- parameters and lists -----------------------------------------------------------

// Index one past the closing quote of the quoted-string starting at `open`, or npos.
std::size_t end_of_quoted(std::string_view s, std::size_t open) {
  for (std::size_t i = open + 1; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

bool is_param_value_char(char c) { return in_class(c, kParamValueChar); }

// ";name[=value]" repeated, with optional whitespace around ';' and '='.
Status parse_params(std::string_view s, std::vector<SipParam>& out, std::string_view what) {
  std::size_t i = 0;
  while (i < s.size()) {  // every turn consumes at least the ';' and a name
    while (i < s.size() && is_ws(s[i])) ++i;
    if (i == s.size()) break;
    if (s[i] != ';') return sip_error(std::string(what) + ": expected ';' before " + quote(s.substr(i)));
    ++i;
    while (i < s.size() && is_ws(s[i])) ++i;
    std::size_t name_end = i;
    while (name_end < s.size() && is_token_char(s[name_end])) ++name_end;
    if (name_end == i) return sip_error(std::string(what) + ": a parameter has no name near " + quote(s.substr(i)));
    if (out.size() >= kSipParamsMax) {
      return sip_error(std::string(what) + ": more than " + std::to_string(kSipParamsMax) + " parameters");
    }
    SipParam p{ascii_lower(s.substr(i, name_end - i)), "", false};
    i = name_end;
    while (i < s.size() && is_ws(s[i])) ++i;
    if (i < s.size() && s[i] == '=') {
      ++i;
      while (i < s.size() && is_ws(s[i])) ++i;
      std::size_t value_end = i;
      if (i < s.size() && s[i] == '"') {
        value_end = end_of_quoted(s, i);
        if (value_end == std::string_view::npos) {
          return sip_error(std::string(what) + ": unterminated quoted parameter " + p.name);
        }
      } else {
        while (value_end < s.size() && is_param_value_char(s[value_end])) ++value_end;
      }
      if (value_end == i) return sip_error(std::string(what) + ": parameter " + p.name + " has an empty value");
      p.value = s.substr(i, value_end - i);
      p.has_value = true;
      i = value_end;
    }
    out.push_back(std::move(p));
  }
  return {};
}

void append_params(std::string& out, const std::vector<SipParam>& params, std::string_view omit = {}) {
  for (const SipParam& p : params) {
    if (!omit.empty() && p.name == omit) continue;
    out += ';';
    out += p.name;
    if (p.has_value) {
      out += '=';
      out += p.value;
    }
  }
}

void set_param(std::vector<SipParam>& params, std::string_view name, std::string value) {
  for (SipParam& p : params) {
    if (p.name == name) {
      p.value = std::move(value);
      p.has_value = true;
      return;
    }
  }
  params.push_back({std::string(name), std::move(value), true});
}

// ---- URIs ---------------------------------------------------------------------------

bool is_user_char(char c) { return in_class(c, kUserChar); }

// Unreserved, user-unreserved and %HH escapes only.
bool valid_escaped(std::string_view s, bool (*allowed)(char)) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || !is_hex(s[i + 1]) || !is_hex(s[i + 2])) return false;
      i += 2;
    } else if (!allowed(s[i])) {
      return false;
    }
  }
  return true;
}

bool is_password_char(char c) { return in_class(c, kPasswordChar); }

int hex_value(char c) { return is_digit(c) ? c - '0' : ascii_lower(c) - 'a' + 10; }

// Escapes of unreserved characters undone, the rest upper-cased: one spelling per user.
std::string normalize_escapes(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && is_hex(s[i + 1]) && is_hex(s[i + 2])) {
      const char c = static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      if (is_unreserved(c)) {
        out += c;
      } else {
        out += {'%', upper(s[i + 1]), upper(s[i + 2])};
      }
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

Status parse_host(std::string_view text, std::string& host, std::string_view what) {
  if (text.empty()) return sip_error(std::string(what) + " has no host");
  if (text.size() > 255) return sip_error(std::string(what) + " host is longer than 255 bytes");
  if (text.front() == '[') {
    const bool ok = text.size() > 2 && text.back() == ']' && std::all_of(text.begin() + 1, text.end() - 1, [](char c) {
                      return is_hex(c) || c == ':' || c == '.';
                    });
    if (!ok) return sip_error(std::string(what) + " host " + quote(text) + " is not an IPv6 reference");
  } else if (!std::all_of(text.begin(), text.end(),
                          [](char c) { return is_alnum(c) || c == '-' || c == '.' || c == '_'; })) {
    return sip_error(std::string(what) + " host " + quote(text) + " is not a host name or address");
  }
  host = ascii_lower(text);
  return {};
}

// host[:port], the host possibly an IPv6 reference.
Status parse_host_port(std::string_view text, std::string& host, std::optional<std::uint16_t>& port,
                       std::string_view what) {
  std::size_t colon = std::string_view::npos;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return sip_error(std::string(what) + " host " + quote(text) + " lacks ']'");
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        return sip_error(std::string(what) + " has bytes after the IPv6 host: " + quote(text));
      }
      colon = close + 1;
    }
  } else {
    colon = text.find(':');
  }
  if (auto ok = parse_host(text.substr(0, colon), host, what); !ok) return ok;
  if (colon != std::string_view::npos) {
    const std::string_view digits = text.substr(colon + 1);
    const auto n = parse_decimal(digits, 65535);
    if (!n || *n == 0 || digits.size() > 5) {
      return sip_error(std::string(what) + " port " + quote(digits) + " is not 1..65535");
    }
    port = static_cast<std::uint16_t>(*n);
  }
  return {};
}

Status parse_userinfo(std::string_view userinfo, SipUri& uri) {
  const std::size_t colon = userinfo.find(':');
  const std::string_view user = userinfo.substr(0, colon);
  if (user.empty() || !valid_escaped(user, is_user_char)) {
    return sip_error("URI user " + quote(user) + " is empty or invalid");
  }
  uri.user = user;
  if (colon != std::string_view::npos) {
    const std::string_view password = userinfo.substr(colon + 1);
    if (!valid_escaped(password, is_password_char)) return sip_error("URI password is invalid");
    uri.password = std::string(password);
  }
  return {};
}

bool same_param_value(const SipParam* a, const SipParam* b) {
  return a != nullptr && b != nullptr && a->has_value == b->has_value && iequals(a->value, b->value);
}

// ---- name-addr ----------------------------------------------------------------------

// Splits "display <uri> ;params" or "uri ;params" into its three parts.
Status split_name_addr(std::string_view t, std::string_view& display, std::string_view& uri, std::string_view& params) {
  std::size_t open = std::string_view::npos;
  if (!t.empty() && t.front() == '"') {
    const std::size_t end = end_of_quoted(t, 0);
    if (end == std::string_view::npos) return sip_error("unterminated quoted display name");
    display = t.substr(0, end);
    open = t.find_first_not_of(" \t", end);
    if (open == std::string_view::npos || t[open] != '<') return sip_error("no <URI> after the display name");
  } else {
    // A ';' before any '<' means a bare URI (display names cannot hold ';'),
    // whose parameters may quote a '<' (+sip.instance="<urn:...>").
    open = t.find_first_of("<;");
    if (open != std::string_view::npos && t[open] == ';') open = std::string_view::npos;
    if (open != std::string_view::npos) {
      display = trim(t.substr(0, open));
      const bool tokens =
          std::all_of(display.begin(), display.end(), [](char c) { return is_token_char(c) || is_ws(c); });
      if (!tokens) return sip_error("display name " + quote(display) + " must be quoted");
    }
  }
  if (open == std::string_view::npos) {  // a bare URI: its ;parameters belong to the header
    const std::size_t semi = t.find(';');
    uri = trim(t.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : t.substr(semi);
    if (uri.find_first_of(",?") != std::string_view::npos) return sip_error("a URI with ',' or '?' must be in <>");
    return {};
  }
  const std::size_t close = t.find('>', open);
  if (close == std::string_view::npos) return sip_error("'<' without '>'");
  uri = t.substr(open + 1, close - open - 1);
  params = t.substr(close + 1);
  return {};
}

Status parse_sent_protocol(std::string_view& s, SipVia& via) {
  std::array<std::string_view, 3> parts{};
  for (std::size_t k = 0; k < parts.size(); ++k) {
    s = trim(s);
    std::size_t end = 0;
    while (end < s.size() && is_token_char(s[end])) ++end;
    parts[k] = s.substr(0, end);
    s.remove_prefix(end);
    s = trim(s);
    if (k + 1 < parts.size()) {
      if (s.empty() || s.front() != '/') return sip_error("Via sent-protocol is not SIP/2.0/<transport>");
      s.remove_prefix(1);
    }
  }
  if (!iequals(parts[0], "SIP") || parts[1] != "2.0" || parts[2].empty()) {
    return sip_error("Via sent-protocol " + quote(std::string(parts[0]) + "/" + std::string(parts[1])) +
                     " is not SIP/2.0");
  }
  via.transport = parts[2];
  for (char& c : via.transport) c = upper(c);
  return {};
}

Status exactly_one(const SipMessage& m, std::string_view name) {
  const std::size_t n = m.count(name);
  if (n == 0) return sip_error("missing " + std::string(name));
  if (n > 1) return sip_error("more than one " + std::string(name));
  return {};
}

Result<SipCSeq> parse_cseq(std::string_view value, const SipMessage& m) {
  const std::size_t sp = value.find_first_of(" \t");
  const std::string_view number = value.substr(0, sp);
  const std::string_view method = sp == std::string_view::npos ? std::string_view{} : trim(value.substr(sp));
  const auto n = parse_decimal(number, std::numeric_limits<std::uint32_t>::max());
  if (!n) return sip_error("CSeq number " + quote(number) + " is not 0..4294967295");
  if (!is_token(method) || method.size() > kSipMethodBytesMax) {
    return sip_error("CSeq method " + quote(method) + " is not a token");
  }
  if (m.request && method != m.method) {
    return sip_error("CSeq method " + quote(method) + " differs from the request's " + m.method);
  }
  return SipCSeq{static_cast<std::uint32_t>(*n), std::string(method)};
}

Status parse_vias(const SipMessage& m, std::vector<SipVia>& out) {
  for (const SipHeader& h : m.headers) {
    if (h.name != "Via") continue;
    if (out.size() >= kSipViasMax) return sip_error("more than " + std::to_string(kSipViasMax) + " Via entries");
    auto parts = split_list(h.value, kSipViasMax - out.size());
    if (!parts) return sip_error("Via: " + parts.error().message);
    for (std::string_view part : *parts) {
      auto via = parse_via(part);
      if (!via) return sip_error("Via " + std::to_string(out.size() + 1) + ": " + via.error().message);
      out.push_back(std::move(via.value()));
    }
  }
  if (out.empty()) return sip_error("missing Via");
  return {};
}

Result<SipNameAddr> parse_single_address(const SipMessage& m, std::string_view name) {
  if (auto n = exactly_one(m, name); !n) return n.error();
  auto address = parse_name_addr(*m.header(name));
  if (!address) return sip_error(std::string(name) + ": " + address.error().message);
  return address;
}

// q-value: "0", "1", "0.5", "1.000" (RFC 3261 §25.1) in thousandths.
std::optional<std::uint16_t> parse_q(std::string_view s) {
  if (s.empty() || (s[0] != '0' && s[0] != '1')) return std::nullopt;
  std::uint32_t milli = s[0] == '1' ? 1000 : 0;
  if (s.size() == 1) return static_cast<std::uint16_t>(milli);
  if (s[1] != '.' || s.size() > 5) return std::nullopt;
  std::uint32_t scale = 100;
  for (std::size_t i = 2; i < s.size(); ++i, scale /= 10) {
    if (!is_digit(s[i])) return std::nullopt;
    milli += static_cast<std::uint32_t>(s[i] - '0') * scale;
  }
  if (milli > 1000) return std::nullopt;
  return static_cast<std::uint16_t>(milli);
}

Result<SipContact> parse_contact(std::string_view text) {
  auto address = parse_name_addr(text);
  if (!address) return address.error();
  SipContact c{std::move(address.value()), {}, {}, {}, {}};
  for (const SipParam& p : c.address.params) {
    if (p.name == "expires") {
      const auto n = parse_decimal(p.value, std::numeric_limits<std::uint32_t>::max(), true);
      if (!n) return sip_error("expires " + quote(p.value) + " is not a number of seconds");
      c.expires_s = static_cast<std::uint32_t>(*n);
    } else if (p.name == "q") {
      c.q_milli = parse_q(p.value);
      if (!c.q_milli) return sip_error("q " + quote(p.value) + " is not 0..1");
    } else if (p.name == "+sip.instance") {
      c.instance = unquoted(p.value);
      if (c.instance->empty()) return sip_error("+sip.instance is empty");
    } else if (p.name == "reg-id") {
      const auto n = parse_decimal(p.value, 2147483647u);
      if (!n || *n == 0) return sip_error("reg-id " + quote(p.value) + " is not 1..2147483647");
      c.reg_id = static_cast<std::uint32_t>(*n);
    }
  }
  return c;
}

}  // namespace

// ---- the message --------------------------------------------------------------------

const std::string* SipMessage::header(std::string_view name) const {
  for (const SipHeader& h : headers) {
    if (same_header(h.name, name)) return &h.value;
  }
  return nullptr;
}

std::size_t SipMessage::count(std::string_view name) const {
  return static_cast<std::size_t>(
      std::count_if(headers.begin(), headers.end(), [&](const SipHeader& h) { return same_header(h.name, name); }));
}

std::string canonical_header_name(std::string_view name) {
  const KnownHeader* k = known_header(name);
  return k != nullptr ? std::string(k->name) : std::string(name);
}

Result<SipMessage> parse_sip_message(std::string_view bytes) {
  if (bytes.empty()) return sip_error("empty message");
  if (bytes.size() > kSipMessageBytesMax) {
    return sip_error("message of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                     std::to_string(kSipMessageBytesMax));
  }
  const std::size_t start = skip_leading_crlf(bytes);
  if (start == bytes.size()) return sip_error("no start line (only CRLF)");
  const std::size_t end = bytes.find(kBlankLine, start);
  if (end == std::string_view::npos) return sip_error("no blank line after the headers (truncated?)");
  auto head = parse_head(bytes.substr(start, end - start));
  if (!head) return head.error();
  SipMessage& m = head->message;
  std::string_view body = bytes.substr(end + kBlankLine.size());
  if (head->content_length) {
    if (*head->content_length > body.size()) {
      return sip_error("Content-Length " + std::to_string(*head->content_length) + " exceeds the " +
                       std::to_string(body.size()) + " body bytes present");
    }
    body = body.substr(0, *head->content_length);  // RFC 3261 §18.3: the rest is dropped
  }
  m.body = body;
  return std::move(m);
}

std::string serialize(const SipMessage& m) {
  std::string out;
  out.reserve(256 + m.body.size() + m.headers.size() * 48);
  if (m.request) {
    out.append(m.method).append(" ").append(m.request_uri).append(" ").append(kVersion);
  } else {
    TANDEM_ASSERT(m.status >= 100 && m.status <= 699);
    out.append(kVersion).append(" ").append(std::to_string(m.status)).append(" ").append(m.reason);
  }
  out.append(kCrlf);
  for (const SipHeader& h : m.headers) {
    TANDEM_ASSERT(h.name != "Content-Length" && !has_line_break(h.name) && h.name.find(':') == std::string::npos);
    TANDEM_ASSERT(!has_line_break(h.value));
    out.append(h.name).append(": ").append(h.value).append(kCrlf);
  }
  out.append("Content-Length: ").append(std::to_string(m.body.size())).append(kBlankLine);
  out.append(m.body);
  return out;
}

std::string_view reason_phrase(int status) {
  switch (status) {
    case 100: return "Trying";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Request Entity Too Large";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 423: return "Interval Too Brief";
    case 439: return "First Hop Lacks Outbound Support";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 483: return "Too Many Hops";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "Version Not Supported";
    default: return "";
  }
}

// ---- typed fields -------------------------------------------------------------------

const SipParam* find_param(const std::vector<SipParam>& params, std::string_view name) {
  for (const SipParam& p : params) {
    if (iequals(p.name, name)) return &p;
  }
  return nullptr;
}

std::string unquoted(std::string_view value) {
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return std::string(value);
  std::string out;
  for (std::size_t i = 1; i + 1 < value.size(); ++i) {
    if (value[i] == '\\' && i + 2 < value.size()) ++i;
    out += value[i];
  }
  return out;
}

Result<SipUri> parse_sip_uri(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '<' || c == '>') {
      return sip_error("URI " + quote(text) + " holds whitespace, a control byte, a quote or <>");
    }
  }
  const std::size_t colon = text.find(':');
  SipUri uri;
  uri.scheme = ascii_lower(text.substr(0, colon));
  if (colon == std::string_view::npos || (uri.scheme != "sip" && uri.scheme != "sips")) {
    return sip_error("URI " + quote(text) + " is not a sip: or sips: URI");
  }
  std::string_view rest = text.substr(colon + 1);
  const std::size_t at = rest.find('@');
  if (at != std::string_view::npos) {
    if (rest.find('@', at + 1) != std::string_view::npos) {
      return sip_error("URI " + quote(text) + " has more than one '@'");
    }
    if (auto ok = parse_userinfo(rest.substr(0, at), uri); !ok) return ok.error();
    rest.remove_prefix(at + 1);
  }
  const std::size_t question = rest.find('?');
  if (question != std::string_view::npos) {
    uri.headers = rest.substr(question + 1);
    rest = rest.substr(0, question);
  }
  const std::size_t semi = rest.find(';');
  if (auto ok = parse_host_port(rest.substr(0, semi), uri.host, uri.port, "URI"); !ok) return ok.error();
  if (semi != std::string_view::npos) {
    if (auto ok = parse_params(rest.substr(semi), uri.params, "URI"); !ok) return ok.error();
  }
  return uri;
}

std::string to_string(const SipUri& uri) {
  std::string out;
  out.reserve(64);
  out.append(uri.scheme).append(":");
  if (!uri.user.empty()) {
    out += uri.user;
    if (uri.password) out.append(":").append(*uri.password);
    out += '@';
  }
  out += uri.host;
  if (uri.port) out.append(":").append(std::to_string(*uri.port));
  append_params(out, uri.params);
  if (!uri.headers.empty()) out.append("?").append(uri.headers);
  return out;
}

bool equivalent(const SipUri& a, const SipUri& b) {
  if (a.scheme != b.scheme || a.host != b.host || a.port != b.port || a.password != b.password) return false;
  if (normalize_escapes(a.user) != normalize_escapes(b.user) || a.headers != b.headers) return false;
  for (std::string_view name : {"transport", "user", "ttl", "method", "maddr"}) {
    const SipParam* pa = find_param(a.params, name);
    const SipParam* pb = find_param(b.params, name);
    if ((pa != nullptr || pb != nullptr) && !same_param_value(pa, pb)) return false;
  }
  for (const SipParam& p : a.params) {
    const SipParam* other = find_param(b.params, p.name);
    if (other != nullptr && !same_param_value(&p, other)) return false;
  }
  return true;
}

std::string address_of_record(const SipUri& uri) {
  std::string out = uri.scheme + ":";
  if (!uri.user.empty()) out += normalize_escapes(uri.user) + "@";
  out += uri.host;
  if (uri.port) out += ":" + std::to_string(*uri.port);
  return out;
}

std::string_view SipNameAddr::tag() const {
  const SipParam* p = find_param(params, "tag");
  return p != nullptr ? std::string_view(p->value) : std::string_view{};
}

Result<SipNameAddr> parse_name_addr(std::string_view text) {
  const std::string_view t = trim(text);
  if (t.empty()) return sip_error("empty address");
  std::string_view display, uri_text, params;
  if (auto ok = split_name_addr(t, display, uri_text, params); !ok) return ok.error();
  auto uri = parse_sip_uri(uri_text);
  if (!uri) return uri.error();
  SipNameAddr address{std::string(display), std::move(uri.value()), {}};
  if (auto ok = parse_params(params, address.params, "address"); !ok) return ok.error();
  return address;
}

std::string to_string(const SipNameAddr& address, std::string_view omit_param) {
  std::string out;
  if (!address.display_name.empty()) out.append(address.display_name).append(" ");
  out.append("<").append(to_string(address.uri)).append(">");
  append_params(out, address.params, omit_param);
  return out;
}

std::string_view SipVia::branch() const {
  const SipParam* p = find_param(params, "branch");
  return p != nullptr ? std::string_view(p->value) : std::string_view{};
}

Result<SipVia> parse_via(std::string_view text) {
  std::string_view s = trim(text);
  SipVia via;
  if (auto ok = parse_sent_protocol(s, via); !ok) return ok.error();
  s = trim(s);
  std::size_t end = 0;
  if (!s.empty() && s.front() == '[') end = s.find(']');
  end = s.find_first_of("; \t", end == std::string_view::npos ? 0 : end);
  if (auto ok = parse_host_port(s.substr(0, end), via.host, via.port, "Via sent-by"); !ok) return ok.error();
  if (end != std::string_view::npos) {
    if (auto ok = parse_params(s.substr(end), via.params, "Via"); !ok) return ok.error();
  }
  return via;
}

std::string to_string(const SipVia& via) {
  std::string out;
  out.reserve(96);
  out.append("SIP/2.0/").append(via.transport).append(" ").append(via.host);
  if (via.port) out.append(":").append(std::to_string(*via.port));
  append_params(out, via.params);
  return out;
}

Result<SipCore> parse_core(const SipMessage& m) {
  SipCore core;
  if (auto ok = parse_vias(m, core.vias); !ok) return ok.error();
  auto from = parse_single_address(m, "From");
  if (!from) return from.error();
  core.from = std::move(from.value());
  auto to = parse_single_address(m, "To");
  if (!to) return to.error();
  core.to = std::move(to.value());
  if (auto n = exactly_one(m, "Call-ID"); !n) return n.error();
  core.call_id = *m.header("Call-ID");
  const bool printable = std::all_of(core.call_id.begin(), core.call_id.end(),
                                     [](char c) { return static_cast<unsigned char>(c) > 0x20 && c != 0x7f; });
  if (core.call_id.empty() || !printable) {
    return sip_error("Call-ID " + quote(core.call_id) + " is empty or holds whitespace");
  }
  if (auto n = exactly_one(m, "CSeq"); !n) return n.error();
  auto cseq = parse_cseq(*m.header("CSeq"), m);
  if (!cseq) return cseq.error();
  core.cseq = std::move(cseq.value());
  if (const std::string* mf = m.header("Max-Forwards")) {
    if (m.count("Max-Forwards") > 1) return sip_error("more than one Max-Forwards");
    const auto n = parse_decimal(*mf, 255);
    if (!n) return sip_error("Max-Forwards " + quote(*mf) + " is not 0..255");
    core.max_forwards = static_cast<std::uint32_t>(*n);
  }
  return core;
}

Result<SipContactList> parse_contacts(const SipMessage& m) {
  SipContactList list;
  std::size_t entries = 0;
  for (const SipHeader& h : m.headers) {
    if (h.name != "Contact") continue;
    if (entries >= kSipContactsMax) {
      return sip_error("more than " + std::to_string(kSipContactsMax) + " Contact entries");
    }
    auto parts = split_list(h.value, kSipContactsMax - entries);
    if (!parts) return sip_error("Contact: " + parts.error().message);
    for (std::string_view part : *parts) {
      ++entries;
      if (part == "*") {
        list.wildcard = true;
        continue;
      }
      auto contact = parse_contact(part);
      if (!contact) return sip_error("Contact " + std::to_string(entries) + ": " + contact.error().message);
      list.contacts.push_back(std::move(contact.value()));
    }
  }
  if (list.wildcard && entries > 1) return sip_error("Contact * must be the only Contact");
  return list;
}

Result<std::optional<std::uint32_t>> parse_expires(const SipMessage& m) {
  const std::string* value = m.header("Expires");
  if (value == nullptr) return std::optional<std::uint32_t>{};
  if (m.count("Expires") > 1) return sip_error("more than one Expires");
  const auto n = parse_decimal(*value, std::numeric_limits<std::uint32_t>::max(), true);
  if (!n) return sip_error("Expires " + quote(*value) + " is not a number of seconds");
  return std::optional<std::uint32_t>(static_cast<std::uint32_t>(*n));
}

Result<std::vector<std::string>> parse_option_tags(const SipMessage& m, std::string_view header) {
  std::vector<std::string> tags;
  for (const SipHeader& h : m.headers) {
    if (!same_header(h.name, header) || trim(h.value).empty()) continue;
    if (tags.size() >= kSipOptionTagsMax) {
      return sip_error(std::string(header) + ": more than " + std::to_string(kSipOptionTagsMax) + " option tags");
    }
    auto parts = split_list(h.value, kSipOptionTagsMax - tags.size());
    if (!parts) return sip_error(std::string(header) + ": " + parts.error().message);
    for (std::string_view part : *parts) {
      if (!is_token(part)) return sip_error(std::string(header) + ": option tag " + quote(part) + " is not a token");
      tags.emplace_back(part);
    }
  }
  return tags;
}

Result<std::vector<std::string_view>> split_list(std::string_view value, std::size_t max_parts) {
  std::vector<std::string_view> parts;
  bool in_angle = false;
  std::size_t begin = 0;
  for (std::size_t i = 0; i <= value.size(); ++i) {
    if (i < value.size() && value[i] == '"' && !in_angle) {
      const std::size_t end = end_of_quoted(value, i);
      if (end == std::string_view::npos) return sip_error("unterminated quoted string");
      i = end - 1;
      continue;
    }
    if (i < value.size() && (value[i] == '<' || value[i] == '>')) in_angle = value[i] == '<';
    if (i < value.size() && (value[i] != ',' || in_angle)) continue;
    const std::string_view part = trim(value.substr(begin, i - begin));
    if (part.empty()) return sip_error("empty list entry");
    if (parts.size() >= max_parts) return sip_error("more than " + std::to_string(max_parts) + " entries");
    parts.push_back(part);
    begin = i + 1;
  }
  return parts;
}

// ---- responses ----------------------------------------------------------------------

namespace {

// `to_tagged` says whether the request's To has a tag; nullopt: parse To to
// find out (no tag is added to a To that does not parse).
SipMessage response_to(const SipMessage& request, int status, std::string_view reason, std::string_view to_tag,
                       std::optional<bool> to_tagged) {
  TANDEM_ASSERT(status >= 100 && status <= 699);
  SipMessage r;
  r.request = false;
  r.status = status;
  r.reason = safe_reason(reason);
  r.headers.reserve(12);
  for (const SipHeader& h : request.headers) {
    if (h.name == "Via") r.headers.push_back(h);
  }
  for (std::string_view name : {"From", "To", "Call-ID", "CSeq"}) {
    const std::string* value = request.header(name);
    if (value == nullptr) continue;
    std::string copy = *value;
    if (name == "To" && status > 100 && !to_tag.empty()) {
      if (!to_tagged) {
        auto to = parse_name_addr(copy);
        to_tagged = !to || !to->tag().empty();
      }
      if (!*to_tagged) copy += ";tag=" + std::string(to_tag);
    }
    r.add(std::string(name), std::move(copy));
  }
  return r;
}

// Sets received= and rport= on `via`, the first entry of the `top` header.
void stamp(SipHeader& top, SipVia via, std::span<const std::string_view> other_entries, const Endpoint& source) {
  const std::string ip = source.ip.to_string();
  const bool rport = find_param(via.params, "rport") != nullptr;
  const std::string sent_by =
      via.host.size() > 2 && via.host.front() == '[' ? via.host.substr(1, via.host.size() - 2) : via.host;
  if (rport || sent_by != ip) set_param(via.params, "received", ip);
  if (rport) set_param(via.params, "rport", std::to_string(source.port));
  std::string value = to_string(via);
  for (std::string_view entry : other_entries) value.append(", ").append(entry);
  top.value = std::move(value);
}

SipHeader* top_via(SipMessage& response) {
  auto top = std::find_if(response.headers.begin(), response.headers.end(),
                          [](const SipHeader& h) { return h.name == "Via"; });
  return top == response.headers.end() ? nullptr : &*top;
}

}  // namespace

SipMessage make_response(const SipMessage& request, int status, std::string_view reason, std::string_view to_tag) {
  return response_to(request, status, reason, to_tag, std::nullopt);
}

SipMessage make_response(const SipMessage& request, const SipCore& core, int status, std::string_view reason,
                         std::string_view to_tag) {
  return response_to(request, status, reason, to_tag, !core.to.tag().empty());
}

void stamp_received(SipMessage& response, const Endpoint& source) {
  SipHeader* top = top_via(response);
  if (top == nullptr) return;
  auto parts = split_list(top->value, kSipViasMax);
  if (!parts || parts->empty()) return;
  auto via = parse_via(parts->front());
  if (!via) return;
  stamp(*top, std::move(via.value()), std::span(*parts).subspan(1), source);
}

void stamp_received(SipMessage& response, const SipCore& core, const Endpoint& source) {
  SipHeader* top = top_via(response);
  if (top == nullptr || core.vias.empty()) return;
  auto parts = split_list(top->value, kSipViasMax);
  if (!parts || parts->empty()) return;
  stamp(*top, core.vias.front(), std::span(*parts).subspan(1), source);
}

std::string safe_reason(std::string_view text) {
  constexpr std::size_t kReasonBytesMax = 120;
  std::string out;
  for (std::size_t i = 0; i < text.size() && out.size() < kReasonBytesMax; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    out += (c >= 0x20 && c < 0x7f) ? static_cast<char>(c) : '?';
  }
  return out;
}

// ---- streams ------------------------------------------------------------------------

void SipStreamFramer::feed(std::string_view bytes) {
  if (failed_) return;
  if (read_ > 0 && read_ >= buffer_.size() / 2) {  // compact once the consumed prefix dominates
    buffer_.erase(0, read_);
    read_ = 0;
  }
  if (buffered_bytes() + bytes.size() > 4 * message_bytes_max_) {
    failed_ =
        sip_error("more than " + std::to_string(4 * message_bytes_max_) + " bytes buffered without a whole message");
    return;
  }
  buffer_.append(bytes);
}

Result<std::optional<SipStreamItem>> SipStreamFramer::next() {
  if (failed_) return *failed_;
  const std::string_view all(buffer_.data() + read_, buffered_bytes());
  if (!pending_) {
    // CRLF CRLF is a ping (RFC 5626 §4.4.1); a lone CRLF (a pong, or padding) is skipped.
    if (all.substr(0, 4) == kBlankLine) {
      read_ += kBlankLine.size();
      scanned_ = 0;
      return std::optional<SipStreamItem>(SipStreamItem{SipStreamItem::Kind::Ping, {}, kBlankLine.size()});
    }
    if (auto ok = take_head(all); !ok) return ok.error();
    if (!pending_) return std::optional<SipStreamItem>{};
  }
  // The head is parsed once; a body trickling in costs only this comparison.
  if (all.size() < pending_->bytes) return std::optional<SipStreamItem>{};
  SipStreamItem item{SipStreamItem::Kind::Message, std::move(pending_->message), pending_->bytes};
  item.message.body = all.substr(pending_->body_at, pending_->bytes - pending_->body_at);
  read_ += pending_->bytes;
  pending_.reset();
  scanned_ = 0;
  return std::optional<SipStreamItem>(std::move(item));
}

// Finds and parses the next head; sets pending_ once it is whole, fails the stream when it cannot be.
Status SipStreamFramer::take_head(std::string_view all) {
  const std::size_t padding = all.substr(0, 2) == kCrlf ? 2 : 0;
  const std::string_view rest = all.substr(padding);
  if (rest.empty() || rest == "\r") return {};  // a ping may still be coming
  const std::size_t from = scanned_ > padding ? scanned_ - padding : 0;
  const std::size_t end = rest.find(kBlankLine, from);
  if (end == std::string_view::npos) {
    scanned_ = padding + (rest.size() >= 3 ? rest.size() - 3 : 0);  // a blank line may straddle the next feed
    if (rest.size() > message_bytes_max_) {
      failed_ = sip_error("no blank line within " + std::to_string(message_bytes_max_) + " bytes: headers too long");
    }
  } else if (auto head = parse_head(rest.substr(0, end)); !head) {
    failed_ = head.error();
  } else if (!head->content_length) {
    failed_ = sip_error("Content-Length is missing (mandatory on a stream)");
  } else if (end + kBlankLine.size() + *head->content_length > message_bytes_max_) {
    failed_ = sip_error("message of " + std::to_string(end + kBlankLine.size() + *head->content_length) +
                        " bytes exceeds the limit of " + std::to_string(message_bytes_max_));
  } else {
    const std::size_t body_at = padding + end + kBlankLine.size();
    pending_ = Pending{std::move(head->message), body_at, body_at + *head->content_length};
  }
  if (failed_) return *failed_;
  return {};
}

}  // namespace tandem::wire
