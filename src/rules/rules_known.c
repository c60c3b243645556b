/* rules_known.c - every rule keyword Suricata 7.0.10 knows, so that a
 * keyword taishi does not implement is told apart from one nobody knows
 * (a typo): the first makes the rule "unsupported" (skipped), the second an
 * error that names the nearest known keyword.
 *
 * The table is the name column of `suricata --list-keywords=csv` of Suricata
 * 7.0.10 (Debian bookworm-backports) plus the legacy aliases that list does
 * not show (dns_query, file_data, tls_sni, dce_iface, ...), sorted bytewise
 * for the binary search. Nearest: the smallest Levenshtein distance over the
 * table (ties: the first in the table), only when at most a third of the
 * name's letters (at least 2) differ; otherwise no suggestion.
 *
 * Ownership: read-only data; no state. */
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

static const char *const known[] = {
    "alert", "app-layer-event", "app-layer-protocol", "asn1", "base64_data", "base64_decode",
    "bsize", "bypass", "byte_extract", "byte_jump", "byte_math", "byte_test", "cip_service",
    "classtype", "compress_whitespace", "config", "content", "datarep", "dataset", "dce_iface",
    "dce_opnum", "dce_stub_data", "dcerpc.iface", "dcerpc.opnum", "dcerpc.stub_data",
    "decode-event", "depth", "detection_filter", "dhcp.leasetime", "dhcp.rebinding_time",
    "dhcp.renewal_time", "distance", "dnp3.data", "dnp3_func", "dnp3_ind", "dnp3_obj",
    "dns.opcode", "dns.query", "dns_query", "dotprefix", "dsize", "endswith", "engine-event",
    "enip_command", "fast_pattern", "file.data", "file.magic", "file.name", "file_data",
    "fileext", "filemagic", "filemd5", "filename", "filesha1", "filesha256", "filesize",
    "filestore", "flags", "flow", "flow.age", "flowbits", "flowint", "flowvar", "fragbits",
    "fragoffset", "frame", "ftpbounce", "ftpdata_command", "geoip", "gid", "header_lowercase",
    "hostbits", "http.accept", "http.accept_enc", "http.accept_lang", "http.connection",
    "http.content_len", "http.content_type", "http.cookie", "http.header", "http.header.raw",
    "http.header_names", "http.host", "http.host.raw", "http.location", "http.method",
    "http.protocol", "http.referer", "http.request_body", "http.request_header",
    "http.request_line", "http.response_body", "http.response_header", "http.response_line",
    "http.server", "http.start", "http.stat_code", "http.stat_msg", "http.uri", "http.uri.raw",
    "http.user_agent", "http2.errorcode", "http2.frametype", "http2.header_name",
    "http2.priority", "http2.settings", "http2.size_update", "http2.window", "http_client_body",
    "http_cookie", "http_header", "http_host", "http_method", "http_raw_header",
    "http_raw_host", "http_raw_uri", "http_server_body", "http_stat_code", "http_stat_msg",
    "http_uri", "http_user_agent", "icmp_id", "icmp_seq", "icmpv4-csum", "icmpv4.hdr",
    "icmpv6-csum", "icmpv6.hdr", "icmpv6.mtu", "icode", "id", "ike.chosen_sa_attribute",
    "ike.exchtype", "ike.init_spi", "ike.key_exchange_payload",
    "ike.key_exchange_payload_length", "ike.nonce_payload", "ike.nonce_payload_length",
    "ike.resp_spi", "ike.vendor", "ip.dst", "ip.src", "ip_proto", "ipopts", "iprep",
    "ipv4-csum", "ipv4.hdr", "ipv6.hdr", "isdataat", "itype", "ja3.hash", "ja3.string",
    "ja3_hash", "ja3_string", "ja3s.hash", "ja3s.string", "ja3s_hash", "ja3s_string",
    "ja4.hash", "krb5.cname", "krb5.sname", "krb5.ticket_encryption", "krb5_err_code",
    "krb5_msg_type", "l3_proto", "lua", "luajit", "metadata", "modbus",
    "mqtt.connack.session_present", "mqtt.connect.clientid", "mqtt.connect.flags",
    "mqtt.connect.password", "mqtt.connect.username", "mqtt.connect.willmessage",
    "mqtt.connect.willtopic", "mqtt.flags", "mqtt.protocol_version", "mqtt.publish.message",
    "mqtt.publish.topic", "mqtt.qos", "mqtt.reason_code", "mqtt.subscribe.topic", "mqtt.type",
    "mqtt.unsubscribe.topic", "msg", "nfq_set_mark", "nfs.version", "nfs_procedure", "noalert",
    "nocase", "offset", "pcre", "pcrexform", "pkt_data", "pktvar", "prefilter", "priority",
    "quic.cyu.hash", "quic.cyu.string", "quic.sni", "quic.ua", "quic.version", "rawbytes",
    "reference", "replace", "requires", "rev", "rfb.name", "rfb.secresult", "rfb.sectype",
    "rpc", "sameip", "sid", "sip.method", "sip.protocol", "sip.request_line",
    "sip.response_line", "sip.stat_code", "sip.stat_msg", "sip.uri", "smb.named_pipe",
    "smb.ntlmssp_domain", "smb.ntlmssp_user", "smb.share", "snmp.community", "snmp.pdu_type",
    "snmp.usm", "snmp.version", "ssh.hassh", "ssh.hassh.server", "ssh.hassh.server.string",
    "ssh.hassh.string", "ssh.proto", "ssh.protoversion", "ssh.software", "ssh.softwareversion",
    "ssh_proto", "ssh_software", "ssl_state", "ssl_version", "startswith", "stream-event",
    "stream_size", "strip_pseudo_headers", "strip_whitespace", "tag", "target", "tcp.ack",
    "tcp.flags", "tcp.hdr", "tcp.mss", "tcp.seq", "tcp.window", "tcpv4-csum", "tcpv6-csum",
    "template2", "threshold", "tls.cert_chain_len", "tls.cert_fingerprint", "tls.cert_issuer",
    "tls.cert_serial", "tls.cert_subject", "tls.certs", "tls.fingerprint", "tls.issuerdn",
    "tls.random", "tls.random_bytes", "tls.random_time", "tls.sni", "tls.subject",
    "tls.version", "tls_cert_expired", "tls_cert_fingerprint", "tls_cert_issuer",
    "tls_cert_notafter", "tls_cert_notbefore", "tls_cert_serial", "tls_cert_subject",
    "tls_cert_valid", "tls_sni", "tls_store", "to_lowercase", "to_md5", "to_sha1", "to_sha256",
    "to_uppercase", "tos", "ttl", "udp.hdr", "udpv4-csum", "udpv6-csum", "uricontent", "urilen",
    "url_decode", "within", "xbits", "xor",
};

#define NKNOWN (sizeof(known) / sizeof(known[0]))

static int cmp(const void *a, const void *b)
{
    return strcmp(a, *(const char *const *)b);
}

int rules_known_suricata(const char *name)
{
    return bsearch(name, known, NKNOWN, sizeof(known[0]), cmp) != NULL;
}

/* Levenshtein distance of a and b (each at most 63 bytes used). */
static unsigned distance(const char *a, const char *b)
{
    unsigned la = (unsigned)strnlen(a, 63), lb = (unsigned)strnlen(b, 63);
    unsigned row[64];

    for (unsigned j = 0; j <= lb; j++)
        row[j] = j;
    for (unsigned i = 1; i <= la; i++) {
        unsigned diag = row[0];
        row[0] = i;
        for (unsigned j = 1; j <= lb; j++) {
            unsigned up = row[j];
            unsigned best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *rules_known_nearest(const char *name)
{
    const char *best = NULL;
    unsigned bd = ~0u;
    for (size_t i = 0; i < NKNOWN; i++) {
        unsigned d = distance(name, known[i]);
        if (d < bd) {
            bd = d;
            best = known[i];
        }
    }
    unsigned len = (unsigned)strnlen(name, 63), limit = len / 3 < 2 ? 2 : len / 3;
    return bd <= limit ? best : NULL;
}
