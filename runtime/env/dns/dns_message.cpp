#include "runtime/env/dns/dns_message.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace tandem::dns {
namespace {

constexpr std::uint16_t kClassIn = 1;
constexpr std::uint16_t kTypeCname = 5;
constexpr std::uint16_t kFlagResponse = 0x8000;
constexpr std::uint16_t kFlagTruncated = 0x0200;
constexpr std::uint16_t kFlagRecursionDesired = 0x0100;
// A real name needs a few pointers at most; more means a crafted loop.
constexpr int kPointerJumpsMax = 32;
constexpr int kCnameHopsMax = 8;

std::uint16_t wire_type(DnsType type) {
  switch (type) {
    case DnsType::A: return 1;
    case DnsType::AAAA: return 28;
    case DnsType::SRV: return 33;
  }
  return 0;
}

// Lower case, no trailing dot: how names are compared (DNS is case-blind).
std::string canonical(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c); });
  return out;
}

void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
}

// Bounds-checked big-endian reads; false when the message ends first.
class Reader {
 public:
  explicit Reader(ByteView message) : message_(message) {}
  std::size_t offset() const { return at_; }
  bool seek(std::size_t at) {
    if (at > message_.size()) return false;
    at_ = at;
    return true;
  }
  bool skip(std::size_t count) { return count <= message_.size() - at_ && seek(at_ + count); }
  bool u16(std::uint16_t& value) {
    if (message_.size() - at_ < 2) return false;
    value = static_cast<std::uint16_t>(message_[at_] << 8 | message_[at_ + 1]);
    at_ += 2;
    return true;
  }
  bool u32(std::uint32_t& value) {
    std::uint16_t high = 0, low = 0;
    if (message_.size() - at_ < 4) return false;
    u16(high);
    u16(low);
    value = std::uint32_t{high} << 16 | low;
    return true;
  }

 private:
  ByteView message_;
  std::size_t at_ = 0;
};

// Reads the (possibly compressed) name at `at` and moves `at` past it. Loops
// are impossible: a pointer must go strictly backwards, and jumps are counted.
Result<std::string> read_name(ByteView message, std::size_t& at) {
  std::string name;
  std::size_t pos = at;
  std::size_t wire_bytes = 0;
  int jumps = 0;
  bool jumped = false;
  while (true) {
    if (pos >= message.size()) return make_error("a name runs past the end of the message");
    const std::uint8_t length = message[pos];
    if ((length & 0xc0) == 0xc0) {
      if (pos + 1 >= message.size()) return make_error("a compression pointer is cut short");
      const std::size_t target = std::size_t{length & 0x3fu} << 8 | message[pos + 1];
      if (target >= pos) return make_error("a compression pointer does not point backwards (offset " + std::to_string(target) + ")");
      if (++jumps > kPointerJumpsMax) return make_error("a name follows too many compression pointers");
      if (!jumped) at = pos + 2;
      jumped = true;
      pos = target;
      continue;
    }
    if ((length & 0xc0) != 0) return make_error("a label has an unknown type (first byte " + std::to_string(length) + ")");
    wire_bytes += std::size_t{length} + 1;
    if (wire_bytes > kNameBytesMax) return make_error("a name is longer than 255 bytes");
    if (length == 0) break;
    if (message.size() - pos - 1 < length) return make_error("a label runs past the end of the message");
    if (!name.empty()) name += '.';
    name.append(reinterpret_cast<const char*>(message.data() + pos + 1), length);
    pos += std::size_t{length} + 1;
  }
  if (!jumped) at = pos + 1;
  return name;
}

struct Record {
  std::string owner;  // canonical
  std::uint16_t type = 0;
  std::uint32_t ttl_s = 0;
  std::size_t rdata_at = 0;
  std::uint16_t rdata_bytes = 0;
};

Result<Record> read_record(ByteView message, Reader& reader) {
  std::size_t at = reader.offset();
  auto owner = read_name(message, at);
  if (!owner) return owner.error();
  Record record;
  record.owner = canonical(*owner);
  std::uint16_t klass = 0;
  if (!reader.seek(at) || !reader.u16(record.type) || !reader.u16(klass) || !reader.u32(record.ttl_s) ||
      !reader.u16(record.rdata_bytes)) {
    return make_error("a record header is cut short");
  }
  record.rdata_at = reader.offset();
  if (!reader.skip(record.rdata_bytes)) return make_error("a record's data runs past the end of the message");
  if (record.ttl_s > std::uint32_t{std::numeric_limits<std::int32_t>::max()}) record.ttl_s = 0;  // RFC 2181 8
  return record;
}

// A name inside record data must end inside that data.
Result<std::string> read_rdata_name(ByteView message, const Record& record, std::size_t at) {
  auto name = read_name(message, at);
  if (!name) return name.error();
  if (at > record.rdata_at + record.rdata_bytes) return make_error("a name overruns its record's data");
  return canonical(*name);
}

struct Header {
  std::uint16_t flags = 0;
  std::uint16_t question_count = 0;
  std::uint16_t answer_count = 0;
};

Result<Header> read_header(ByteView message, const Question& question) {
  Reader reader(message);
  std::uint16_t id = 0;
  Header header;
  if (!reader.u16(id) || !reader.u16(header.flags) || !reader.u16(header.question_count) ||
      !reader.u16(header.answer_count) || message.size() < kHeaderBytes) {
    return make_error("reply is " + std::to_string(message.size()) + " bytes, shorter than a DNS header");
  }
  if (id != question.id) return make_error("reply has id " + std::to_string(id) + ", the query " + std::to_string(question.id));
  if ((header.flags & kFlagResponse) == 0) return make_error("message is a query, not a reply");
  if ((header.flags >> 11 & 0xf) != 0) return make_error("reply has opcode " + std::to_string(header.flags >> 11 & 0xf));
  if ((header.flags & kFlagTruncated) != 0) return make_error("reply is truncated (TC set); no TCP fallback");
  return header;
}

// The server's verdict on the name, as a sentence an operator can act on.
Status check_rcode(std::uint16_t flags, const std::string& name) {
  switch (flags & 0xf) {
    case 0: return {};
    case 1: return make_error("DNS server rejected the query for " + name + " as malformed (FORMERR)");
    case 2: return make_error("DNS server failed looking up " + name + " (SERVFAIL)");
    case 3: return make_error("no such name " + name);
    case 4: return make_error("DNS server does not implement the query for " + name + " (NOTIMP)");
    case 5: return make_error("DNS server refused the query for " + name + " (REFUSED)");
    default: return make_error("DNS server answered rcode " + std::to_string(flags & 0xf) + " for " + name);
  }
}

Status check_question(ByteView message, Reader& reader, const Question& question, const std::string& name) {
  std::size_t at = reader.offset();
  auto echoed = read_name(message, at);
  if (!echoed) return make_error("question: " + echoed.error().message);
  std::uint16_t type = 0, klass = 0;
  if (!reader.seek(at) || !reader.u16(type) || !reader.u16(klass)) return make_error("question is cut short");
  if (canonical(*echoed) != name || type != wire_type(question.type) || klass != kClassIn) {
    return make_error("reply is for '" + *echoed + "' type " + std::to_string(type) + ", not the question asked");
  }
  return {};
}

Status add_record(ByteView message, const Record& record, DnsType type, DnsAnswer& answer) {
  const std::uint8_t* data = message.data() + record.rdata_at;
  if (type == DnsType::A || type == DnsType::AAAA) {
    const std::size_t size = type == DnsType::A ? 4 : 16;
    if (record.rdata_bytes != size) {
      return make_error(std::string(to_string(type)) + " record has " + std::to_string(record.rdata_bytes) + " bytes of data");
    }
    answer.addresses.push_back(IpAddress::from_bytes(type == DnsType::A ? IpAddress::Family::V4 : IpAddress::Family::V6, data));
    return {};
  }
  if (record.rdata_bytes < 7) return make_error("SRV record has only " + std::to_string(record.rdata_bytes) + " bytes of data");
  const auto u16_at = [data](std::size_t i) { return static_cast<std::uint16_t>(data[i] << 8 | data[i + 1]); };
  auto target = read_rdata_name(message, record, record.rdata_at + 6);
  if (!target) return make_error("SRV record: " + target.error().message);
  // Target "." means "no such service here" (RFC 2782): nothing to connect to.
  if (!target->empty()) answer.services.push_back(SrvRecord{u16_at(0), u16_at(2), u16_at(4), std::move(*target)});
  return {};
}

// The records answering `name` of `type`, through at most kCnameHopsMax CNAMEs.
Result<DnsAnswer> collect(ByteView message, const std::vector<Record>& records, const std::string& name, DnsType type) {
  std::vector<std::string> owners{name};
  for (int hop = 0; hop < kCnameHopsMax; ++hop) {
    auto alias = std::find_if(records.begin(), records.end(),
                              [&](const Record& r) { return r.type == kTypeCname && r.owner == owners.back(); });
    if (alias == records.end()) break;
    auto target = read_rdata_name(message, *alias, alias->rdata_at);
    if (!target) return make_error("CNAME record: " + target.error().message);
    if (std::find(owners.begin(), owners.end(), *target) != owners.end()) break;  // CNAME loop: stop following
    owners.push_back(std::move(*target));
  }
  DnsAnswer answer;
  std::uint32_t ttl_min_s = std::numeric_limits<std::uint32_t>::max();
  for (const Record& record : records) {
    if (record.type != wire_type(type) || std::find(owners.begin(), owners.end(), record.owner) == owners.end()) continue;
    if (Status added = add_record(message, record, type, answer); !added) return added.error();
    ttl_min_s = std::min(ttl_min_s, record.ttl_s);
  }
  answer.ttl_s = answer.addresses.empty() && answer.services.empty() ? 0 : ttl_min_s;
  return answer;
}

}  // namespace

std::string_view to_string(DnsType type) {
  switch (type) {
    case DnsType::A: return "A";
    case DnsType::AAAA: return "AAAA";
    case DnsType::SRV: return "SRV";
  }
  return "?";
}

Result<Bytes> encode_query(const Question& question) {
  std::string_view name = question.name;
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty()) return make_error("cannot query an empty DNS name");
  Bytes out;
  out.reserve(kHeaderBytes + name.size() + 6);
  put_u16(out, question.id);
  put_u16(out, kFlagRecursionDesired);
  for (const std::uint16_t count : {1, 0, 0, 0}) put_u16(out, count);
  std::size_t wire_bytes = 1;  // the root label
  while (true) {  // one label per turn; the length checks bound it
    const std::size_t dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty()) return make_error("DNS name '" + question.name + "' has an empty label");
    if (label.size() > kLabelBytesMax) return make_error("DNS name '" + question.name + "' has a label over 63 bytes");
    wire_bytes += label.size() + 1;
    if (wire_bytes > kNameBytesMax) return make_error("DNS name '" + question.name + "' is longer than 255 bytes");
    out.push_back(static_cast<std::uint8_t>(label.size()));
    out.insert(out.end(), label.begin(), label.end());
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  out.push_back(0);
  put_u16(out, wire_type(question.type));
  put_u16(out, kClassIn);
  return out;
}

std::optional<std::uint16_t> message_id(ByteView message) {
  if (message.size() < kHeaderBytes) return std::nullopt;
  return static_cast<std::uint16_t>(message[0] << 8 | message[1]);
}

std::optional<std::uint8_t> message_rcode(ByteView message) {
  if (message.size() < kHeaderBytes) return std::nullopt;
  return static_cast<std::uint8_t>(message[3] & 0x0f);
}

Result<DnsAnswer> decode_response(ByteView message, const Question& question) {
  const std::string name = canonical(question.name);
  const auto fail = [&](const Error& error) {
    return make_error("DNS " + std::string(to_string(question.type)) + " reply for " + name + ": " + error.message);
  };
  auto header = read_header(message, question);
  if (!header) return fail(header.error());
  if (Status rcode = check_rcode(header->flags, name); !rcode) return rcode.error();
  if (header->question_count != 1) {
    return fail(make_error("reply has " + std::to_string(header->question_count) + " questions, not 1"));
  }
  const std::uint16_t answer_count = header->answer_count;
  Reader reader(message);
  reader.seek(kHeaderBytes);
  if (Status asked = check_question(message, reader, question, name); !asked) return fail(asked.error());
  std::vector<Record> records;
  records.reserve(std::min<std::size_t>(answer_count, message.size() / 11));
  for (std::uint16_t i = 0; i < answer_count; ++i) {
    auto record = read_record(message, reader);
    if (!record) return fail(make_error("answer " + std::to_string(i + 1) + ": " + record.error().message));
    records.push_back(std::move(*record));
  }
  auto answer = collect(message, records, name, question.type);
  if (!answer) return fail(answer.error());
  return answer;
}

}  // namespace tandem::dns
