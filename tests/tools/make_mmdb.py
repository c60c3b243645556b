#!/usr/bin/env python3
"""make_mmdb.py - writes taishi's small synthetic GeoIP/ASN test databases.

Usage:  python3 tests/tools/make_mmdb.py OUTDIR [--record-size 24|28|32]

Writes OUTDIR/taishi-test-city.mmdb ("GeoIP2-City" layout) and
OUTDIR/taishi-test-asn.mmdb ("GeoLite2-ASN" layout). The networks and the
answers are listed in NETWORKS_CITY / NETWORKS_ASN below and in
tests/data/README.md. Every address is from a documentation, test or
shared-address range; the data is made up.

Design
------
* Python 3 standard library only, and nothing depends on the clock or on
  hash order, so two runs write byte-identical files.
* An MMDB file (MaxMind DB format 2.0) is, in order:
      search tree       node_count nodes, each two records (left = bit 0,
                        right = bit 1) of record_size bits
      16 zero bytes     the data section separator
      data section      the answers, in the format of encode() below
      b"\\xab\\xcd\\xefMaxMind.com"
      metadata          one map, in the same format as the data section
* A record is a node number (< node_count), node_count itself ("no data")
  or node_count + 16 + offset of an answer in the data section.
* The tree is IPv6 (128 bits). An IPv4 network a.b.c.d/n is stored at
  ::a.b.c.d/(96+n); that node at depth 96 is the "IPv4 root". As in
  MaxMind's own databases, ::ffff:0:0/96 (IPv4-mapped) and 2002::/16 (6to4)
  point at the IPv4 root as well, so those addresses find the IPv4 answers.
  libmaxminddb looks an AF_INET address up by walking 96 zero bits first.
* Identical answers are stored once. No pointers are used in the data
  section (readers must accept that; they need not be given any).
"""
import os
import struct
import sys

BUILD_EPOCH = 1704067200           # 2024-01-01T00:00:00Z, fixed on purpose
DESCRIPTION = "taishi test data"
METADATA_MARKER = b"\xab\xcd\xefMaxMind.com"
DATA_SEPARATOR = bytes(16)

# ---------------------------------------------------------------------------
# Data section encoding
#
# Each value starts with a control byte: the top 3 bits are the type (1-7),
# the low 5 bits the size. Types above 7 are "extended": the top 3 bits are
# 0 and the byte after the control byte holds type - 7. A size of 29, 30 or
# 31 means the real size follows in 1, 2 or 3 bytes (plus 29, 285, 65821).
# For strings and bytes the size is a byte count, for maps the number of
# key/value pairs, for arrays the number of items, for unsigned integers the
# number of big-endian bytes (leading zero bytes may be left out).
# ---------------------------------------------------------------------------
T_UTF8_STRING = 2
T_DOUBLE = 3
T_BYTES = 4
T_UINT16 = 5
T_UINT32 = 6
T_MAP = 7
T_UINT64 = 9
T_ARRAY = 11
T_BOOLEAN = 14


class Uint16(int):
    """An int to be written as uint16."""


class Uint32(int):
    """An int to be written as uint32."""


class Uint64(int):
    """An int to be written as uint64."""


def control(type_, size):
    """The control byte(s) for a value of this type and size."""
    if size < 29:
        low, extra = size, b""
    elif size < 29 + 256:
        low, extra = 29, bytes([size - 29])
    elif size < 285 + 65536:
        low, extra = 30, (size - 285).to_bytes(2, "big")
    elif size < 65821 + (1 << 24):
        low, extra = 31, (size - 65821).to_bytes(3, "big")
    else:
        raise ValueError("value too large: %d" % size)
    if type_ <= 7:
        return bytes([(type_ << 5) | low]) + extra
    return bytes([low, type_ - 7]) + extra


def encode_uint(type_, value, nbytes):
    if not 0 <= value < (1 << (8 * nbytes)):
        raise ValueError("%d does not fit in %d bytes" % (value, nbytes))
    raw = value.to_bytes(nbytes, "big").lstrip(b"\0")   # 0 -> size 0
    return control(type_, len(raw)) + raw


def encode(value):
    """Encodes one Python value as an MMDB data field.

    str -> utf8_string, bytes -> bytes, float -> double, bool -> boolean,
    Uint16/Uint32/Uint64 -> uint16/uint32/uint64, dict -> map (keys are
    strings, written in the dict's order), list -> array. A plain int is
    refused: the width must be chosen.
    """
    if isinstance(value, bool):
        return control(T_BOOLEAN, int(value))
    if isinstance(value, Uint16):
        return encode_uint(T_UINT16, value, 2)
    if isinstance(value, Uint32):
        return encode_uint(T_UINT32, value, 4)
    if isinstance(value, Uint64):
        return encode_uint(T_UINT64, value, 8)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return control(T_UTF8_STRING, len(raw)) + raw
    if isinstance(value, bytes):
        return control(T_BYTES, len(value)) + value
    if isinstance(value, float):
        return control(T_DOUBLE, 8) + struct.pack(">d", value)
    if isinstance(value, dict):
        out = [control(T_MAP, len(value))]
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError("map keys must be strings: %r" % (key,))
            out.append(encode(key))
            out.append(encode(item))
        return b"".join(out)
    if isinstance(value, list):
        return control(T_ARRAY, len(value)) + b"".join(encode(v) for v in value)
    raise TypeError("cannot encode %r (use Uint16/Uint32/Uint64 for ints)" % (value,))


# ---------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------

def parse_network(text):
    """'198.51.100.0/24' or '2001:db8::/32' -> (128-bit int, prefix length)
    in the IPv6 tree; IPv4 networks go to ::a.b.c.d/(96+n)."""
    addr, _, plen = text.partition("/")
    plen = int(plen)
    if ":" in addr:
        if not 0 <= plen <= 128:
            raise ValueError(text)
        return int.from_bytes(ipv6_bytes(addr), "big"), plen
    parts = [int(p) for p in addr.split(".")]
    if len(parts) != 4 or not all(0 <= p <= 255 for p in parts) or not 0 <= plen <= 32:
        raise ValueError(text)
    return int.from_bytes(bytes(parts), "big"), 96 + plen


def ipv6_bytes(text):
    """A small inet_pton(AF_INET6) (no embedded IPv4 form needed here)."""
    head, sep, tail = text.partition("::")
    head = [int(g, 16) for g in head.split(":")] if head else []
    tail = [int(g, 16) for g in tail.split(":")] if tail else []
    missing = 8 - len(head) - len(tail)
    if (sep and missing < 1) or (not sep and missing != 0):
        raise ValueError("bad IPv6 address: %s" % text)
    return b"".join(g.to_bytes(2, "big") for g in head + [0] * missing + tail)


# ---------------------------------------------------------------------------
# Search tree
#
# A node is a two-item list [left, right]; an item is None (no data),
# another node (a list) or an Answer (an offset into the data section).
# ---------------------------------------------------------------------------

class Answer:
    def __init__(self, offset):
        self.offset = offset


def bit(addr, depth):
    """Bit number `depth` of a 128-bit address, 0 being the most significant."""
    return (addr >> (127 - depth)) & 1


def insert(root, addr, plen, answer):
    """Makes addr/plen lead to `answer`. A shorter network already in the way
    is split, so its other half keeps its answer."""
    if plen == 0:
        raise ValueError("a /0 network cannot be stored in a record")
    node = root
    for depth in range(plen - 1):
        b = bit(addr, depth)
        child = node[b]
        if not isinstance(child, list):
            child = [child, child]           # None or a shorter network's Answer
            node[b] = child
        node = child
    node[bit(addr, plen - 1)] = answer


def node_at(root, addr, plen):
    """The node reached after plen bits of addr, made if missing."""
    node = root
    for depth in range(plen):
        b = bit(addr, depth)
        if not isinstance(node[b], list):
            node[b] = [node[b], node[b]]
        node = node[b]
    return node


def alias(root, addr, plen, target):
    """Makes the record for addr/plen point to the existing node `target`."""
    node = node_at(root, addr, plen - 1)
    b = bit(addr, plen - 1)
    if node[b] is not None:
        raise ValueError("alias over data at prefix length %d" % plen)
    node[b] = target


def number_nodes(root):
    """Node numbers in breadth-first order from the root (node 0). A node
    reached twice (through an alias) keeps its first number."""
    numbers = {id(root): 0}
    order = [root]
    i = 0
    while i < len(order):
        for child in order[i]:
            if isinstance(child, list) and id(child) not in numbers:
                numbers[id(child)] = len(order)
                order.append(child)
        i += 1
    return order, numbers


def pack_node(left, right, record_size):
    """Two records as record_size * 2 / 8 bytes. With 28-bit records the
    middle byte holds the top 4 bits of the left record (high nibble) and of
    the right record (low nibble)."""
    for r in (left, right):
        if r >= 1 << record_size:
            raise ValueError("record %d does not fit in %d bits" % (r, record_size))
    if record_size == 24:
        return left.to_bytes(3, "big") + right.to_bytes(3, "big")
    if record_size == 28:
        middle = ((left >> 24) << 4) | (right >> 24)
        return (left & 0xFFFFFF).to_bytes(3, "big") + bytes([middle]) + \
            (right & 0xFFFFFF).to_bytes(3, "big")
    if record_size == 32:
        return left.to_bytes(4, "big") + right.to_bytes(4, "big")
    raise ValueError("record size must be 24, 28 or 32")


# ---------------------------------------------------------------------------
# Whole database
# ---------------------------------------------------------------------------

IPV4_ROOT = ("::", 96)
IPV4_ALIASES = [("::ffff:0:0", 96), ("2002::", 16)]


def build_mmdb(database_type, networks, record_size=28):
    """networks: list of (cidr text, answer dict). Returns the file's bytes."""
    data = bytearray()
    offsets = {}                 # encoded answer -> its offset (stored once)
    root = [None, None]
    parsed = [(parse_network(cidr), answer) for cidr, answer in networks]
    # Shorter prefixes first, so a more specific network overrides its part.
    parsed.sort(key=lambda item: item[0][1])
    for (addr, plen), answer in parsed:
        raw = encode(answer)
        if raw not in offsets:
            offsets[raw] = len(data)
            data += raw
        insert(root, addr, plen, Answer(offsets[raw]))

    ipv4_root = node_at(root, int.from_bytes(ipv6_bytes(IPV4_ROOT[0]), "big"), IPV4_ROOT[1])
    for text, plen in IPV4_ALIASES:
        alias(root, int.from_bytes(ipv6_bytes(text), "big"), plen, ipv4_root)

    order, numbers = number_nodes(root)
    node_count = len(order)

    def record(item):
        if item is None:
            return node_count
        if isinstance(item, Answer):
            return node_count + len(DATA_SEPARATOR) + item.offset
        return numbers[id(item)]

    tree = b"".join(pack_node(record(n[0]), record(n[1]), record_size) for n in order)

    metadata = {
        "binary_format_major_version": Uint16(2),
        "binary_format_minor_version": Uint16(0),
        "build_epoch": Uint64(BUILD_EPOCH),
        "database_type": database_type,
        "description": {"en": DESCRIPTION},
        "ip_version": Uint16(6),
        "languages": ["en"],
        "node_count": Uint32(node_count),
        "record_size": Uint16(record_size),
    }
    return tree + DATA_SEPARATOR + bytes(data) + METADATA_MARKER + encode(metadata)


# ---------------------------------------------------------------------------
# The test data
# ---------------------------------------------------------------------------

def country(iso, name):
    return {"iso_code": iso, "names": {"en": name}}


def city_answer(iso, country_name, sub_iso=None, sub_name=None, city=None,
                lat=None, lon=None):
    answer = {}
    if city is not None:
        answer["city"] = {"names": {"en": city}}
    answer["country"] = country(iso, country_name)
    if lat is not None:
        answer["location"] = {"latitude": lat, "longitude": lon}
    answer["registered_country"] = country(iso, country_name)
    if sub_iso is not None:
        answer["subdivisions"] = [{"iso_code": sub_iso, "names": {"en": sub_name}}]
    return answer


NETWORKS_CITY = [
    ("198.51.100.0/24", city_answer("CN", "China", "11", "Beijing", "Beijing", 39.9042, 116.4074)),
    ("203.0.113.0/25", city_answer("US", "United States", "CA", "California", "San Diego", 32.7157, -117.1611)),
    ("203.0.113.128/25", city_answer("GB", "United Kingdom", "ENG", "England", "London", 51.5072, -0.1276)),
    ("192.0.2.0/24", city_answer("JP", "Japan")),
    ("100.64.1.0/24", city_answer("SE", "Sweden", "E", "Östergötland County", "Linköping", 58.4108, 15.6214)),
    ("2001:db8:cafe::/48", city_answer("DE", "Germany", "BE", "Berlin", "Berlin", 52.52, 13.405)),
    ("2001:db8:beef::/48", city_answer("CN", "China", "31", "Shanghai", "Shanghai", 31.2304, 121.4737)),
]


def asn_answer(number, org):
    return {"autonomous_system_number": Uint32(number),
            "autonomous_system_organization": org}


NETWORKS_ASN = [
    ("203.0.113.0/24", asn_answer(64500, "Example Transit Ltd")),
    ("198.51.100.0/24", asn_answer(64501, "Example CN Backbone")),
    ("2001:db8:cafe::/48", asn_answer(64502, 'Example IPv6 Net "quoted"')),
]

DATABASES = [
    ("taishi-test-city.mmdb", "GeoIP2-City", NETWORKS_CITY),
    ("taishi-test-asn.mmdb", "GeoLite2-ASN", NETWORKS_ASN),
]


def main(argv):
    args = list(argv[1:])
    record_size = 28
    if "--record-size" in args:
        i = args.index("--record-size")
        record_size = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: make_mmdb.py OUTDIR [--record-size 24|28|32]\n")
        return 2
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    for name, database_type, networks in DATABASES:
        blob = build_mmdb(database_type, networks, record_size)
        path = os.path.join(outdir, name)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(blob)
        os.replace(tmp, path)
        print("%s: %d bytes" % (path, len(blob)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
