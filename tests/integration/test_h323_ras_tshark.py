"""The RAS codec's PER, read back by Wireshark's H.225.0 dissector: an
independent decoder. h323-ras-samples prints each sample message of
tests/unit/h323/ras_samples.hpp encoded by runtime/h323/ras_message.cpp; this
test puts each in a pcap as UDP 1719 (over IPv4, or IPv6 for the IPv6 sample),
runs `tshark -T pdml`, and checks that every field decodes to the value the
sample set, in order, that the dissector consumed the whole datagram, and
that it reported nothing malformed. Skipped where tshark is missing."""
import ipaddress
import os
import pathlib
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET

import pytest

BUILD = pathlib.Path(os.environ.get("TANDEM_BUILD_DIR", pathlib.Path(__file__).resolve().parents[2] / "build" / "dev"))
SAMPLES = BUILD / "tests" / "integration" / "h323-ras-samples"
TSHARK = shutil.which("tshark")

pytestmark = pytest.mark.skipif(TSHARK is None, reason="tshark is not installed (apt-get install tshark)")

ENDPOINT = "10.0.0.50"
PROTOCOL = ("h225.protocolIdentifier", "0.0.8.2250.0.4")


def transport(ip, port):
    return [("h225.ipV4" if "." in ip else "h225.ipV6", ip), ("h225.ipV4_port" if "." in ip else "h225.ipV6_port", str(port))]


def alternate(ip, gatekeeper_id, priority):
    fields = transport(ip, 1719)
    if gatekeeper_id:
        fields.append(("h225.gatekeeperIdentifier", gatekeeper_id))
    return fields + [("h225.needToRegister", "1"), ("h225.priority", str(priority))]


ALTERNATES = alternate("10.0.0.2", None, 0) + alternate("10.0.0.3", "PEER3", 1)

# What Wireshark must show for each sample, in order (tests/unit/h323/ras_samples.hpp).
EXPECTED = {
    "grq": [("h225.RasMessage", "0"), ("h225.requestSeqNum", "101"), PROTOCOL, *transport(ENDPOINT, 1719),
            ("h225.terminal_element", ""), ("h225.h323_ID", "alice"), ("h225.supportsAltGK_element", "")],
    "gcf": [("h225.RasMessage", "1"), ("h225.requestSeqNum", "101"), PROTOCOL, ("h225.gatekeeperIdentifier", "PEER1"),
            *transport("10.0.0.1", 1719), ("h225.alternateGatekeeper", "2"), *ALTERNATES],
    "grj": [("h225.RasMessage", "2"), ("h225.requestSeqNum", "102"), PROTOCOL, ("h225.gatekeeperIdentifier", "PEER1"),
            ("h225.rejectReason", "0"), ("h225.altGKInfo_element", ""), *alternate("10.0.0.2", None, 0),
            ("h225.altGKisPermanent", "0")],
    "rrq": [("h225.RasMessage", "3"), ("h225.requestSeqNum", "201"), PROTOCOL, ("h225.discoveryComplete", "1"),
            ("h225.callSignalAddress", "1"), *transport(ENDPOINT, 1720), ("h225.rasAddress", "1"),
            *transport(ENDPOINT, 1719), ("h225.terminal_element", ""), ("h225.terminalAlias", "4"),
            ("h225.h323_ID", "alice"), ("h225.dialledDigits", "5551234#"), ("h225.url_ID", "h323:alice@example.com"),
            ("h225.email_ID", "alice@example.com"), ("h225.gatekeeperIdentifier", "PEER1"),
            ("h225.t35CountryCode", "181"), ("h225.t35Extension", "0"), ("h225.manufacturerCode", "21324"),
            ("h225.productId", "Tandem twin"), ("h225.versionId", "1.0"),
            ("h225.timeToLive", "300"), ("h225.keepAlive", "0"), ("h225.willSupplyUUIEs", "0"),
            ("h225.maintainConnection", "0"), ("h225.supportsAltGK_element", "")],
    "rrq_keepalive": [("h225.RasMessage", "3"), ("h225.requestSeqNum", "202"), PROTOCOL, ("h225.discoveryComplete", "0"),
                      *transport(ENDPOINT, 1720), *transport(ENDPOINT, 1719), ("h225.h323_ID", "alice"),
                      ("h225.gatekeeperIdentifier", "PEER1"), ("h225.timeToLive", "300"), ("h225.keepAlive", "1"),
                      ("h225.endpointIdentifier", "EP-00000001"), ("h225.willSupplyUUIEs", "0"),
                      ("h225.maintainConnection", "0")],
    "rcf": [("h225.RasMessage", "4"), ("h225.requestSeqNum", "201"), PROTOCOL, ("h225.callSignalAddress", "1"),
            *transport("10.0.0.1", 1720), ("h225.h323_ID", "alice"), ("h225.gatekeeperIdentifier", "PEER1"),
            ("h225.endpointIdentifier", "EP-00000001"), ("h225.alternateGatekeeper", "2"), *ALTERNATES,
            ("h225.timeToLive", "1800"), ("h225.willRespondToIRR", "0"), ("h225.maintainConnection", "0")],
    "rrj": [("h225.RasMessage", "5"), ("h225.requestSeqNum", "203"), PROTOCOL, ("h225.rejectReason", "9"),
            ("h225.gatekeeperIdentifier", "PEER1"), ("h225.altGKInfo_element", ""), *ALTERNATES,
            ("h225.altGKisPermanent", "0")],
    "rrj_duplicate": [("h225.RasMessage", "5"), ("h225.requestSeqNum", "204"), PROTOCOL, ("h225.rejectReason", "4"),
                      ("h225.duplicateAlias", "1"), ("h225.h323_ID", "alice")],
    "urq": [("h225.RasMessage", "6"), ("h225.requestSeqNum", "301"), ("h225.callSignalAddress", "1"),
            *transport(ENDPOINT, 1720), ("h225.endpointAlias", "1"), ("h225.h323_ID", "alice"),
            ("h225.endpointIdentifier", "EP-00000001"), ("h225.gatekeeperIdentifier", "PEER1"),
            ("h225.reason", "4")],
    "ucf": [("h225.RasMessage", "7"), ("h225.requestSeqNum", "302")],
    "urj": [("h225.RasMessage", "8"), ("h225.requestSeqNum", "303"), ("h225.rejectReason", "0")],
    "rrq_ipv6": [("h225.RasMessage", "3"), ("h225.requestSeqNum", "205"), *transport("2001:db8::50", 1720),
                 *transport("2001:db8::50", 1719), ("h225.mcu_element", ""), ("h225.mc", "1"),
                 ("h225.h323_ID", "r\u00e9union"), ("h225.keepAlive", "0")],
}


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF or 0xFFFF


def ip_packet(payload, src, dst):
    """An IPv4 or IPv6 packet carrying `payload` in UDP 1719 -> 1719, checksums right."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    length = 8 + len(payload)
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, 17, length)
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", length, 17)
    udp = struct.pack("!HHHH", 1719, 1719, length, 0) + payload
    udp = udp[:6] + struct.pack("!H", checksum(pseudo + udp)) + udp[8:]
    if s.version == 6:
        return struct.pack("!IHBB", 0x60000000, len(udp), 17, 64) + s.packed + d.packed + udp
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, s.packed, d.packed)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + udp


def write_pcap(path, packets):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW: IPv4 or IPv6
        for i, packet in enumerate(packets):
            out.write(struct.pack("<IIII", i, 0, len(packet), len(packet)) + packet)


def h225_fields(packet):
    """(name, show) of every field Wireshark's H.225 dissector showed, in order,
    the size it says it consumed, and every expert/malformed note in the packet."""
    proto = packet.find("proto[@name='h225']")
    assert proto is not None, "tshark did not dissect the datagram as H.225.0"
    fields = [(f.get("name"), f.get("show")) for f in proto.iter("field") if f.get("name", "").startswith("h225.")]
    problems = [f.get("showname") for f in packet.iter("field") if f.get("name") in ("_ws.malformed", "_ws.expert")]
    problems += [p.get("showname") for p in packet.iter("proto") if p.get("name") == "_ws.malformed"]
    return fields, int(proto.get("size")), problems


def missing_in_order(expected, fields):
    """The first expected (name, show) not found after the previous one, or None."""
    at = 0
    for item in expected:
        while at < len(fields) and fields[at] != item:
            at += 1
        if at == len(fields):
            return item
        at += 1
    return None


def test_wireshark_decodes_every_sample_field_by_field(tmp_path):
    assert SAMPLES.exists(), f"{SAMPLES} is not built (target h323-ras-samples)"
    lines = subprocess.run([str(SAMPLES)], check=True, capture_output=True, text=True, timeout=30).stdout.split("\n")
    samples = [line.split() for line in lines if line.strip()]
    assert [name for name, _ in samples] == list(EXPECTED)
    packets = []
    for name, hex_bytes in samples:
        v6 = name.endswith("ipv6")
        packets.append(ip_packet(bytes.fromhex(hex_bytes), "2001:db8::50" if v6 else ENDPOINT,
                                 "2001:db8::1" if v6 else "10.0.0.1"))
    pcap = tmp_path / "ras.pcap"
    write_pcap(pcap, packets)
    pdml = subprocess.run([TSHARK, "-r", str(pcap), "-T", "pdml"], check=True, capture_output=True, timeout=60).stdout
    dissected = ET.fromstring(pdml).findall("packet")
    assert len(dissected) == len(samples)
    for (name, hex_bytes), packet in zip(samples, dissected):
        fields, size, problems = h225_fields(packet)
        assert problems == [], f"{name}: {problems}"
        assert size == len(hex_bytes) // 2, f"{name}: the dissector consumed {size} of {len(hex_bytes) // 2} bytes"
        missing = missing_in_order(EXPECTED[name], fields)
        assert missing is None, f"{name}: {missing} not shown where expected; Wireshark showed {fields}"
