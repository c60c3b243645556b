/* rules_buffers.c - for the rule parser, the keywords that select an
 * inspection buffer (buffers.h; their names and directions are
 * app/buffers.c's) and the transform keywords.
 *
 * Suricata has two spellings for most buffers. A sticky buffer (http.uri,
 * dns.query, and the underscore aliases Suricata registers as sticky, such
 * as dns_query, tls_sni, http_accept) applies to every payload keyword after
 * it. A legacy content modifier (http_uri, http_header, http_client_body...)
 * moves the one content before it into the buffer. pkt_data goes back to
 * the packet payload. The table below says which is which.
 *
 * Ownership: constant tables only. */
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/app/buffers.h"

#define ST(n, b, a) { n, b, SK_STICKY, a }
#define MO(n, b, a) { n, b, SK_MODIFIER, a }
static const struct sticky_kw sticky_table[] = {
    { "pkt_data", BUF_PACKET, SK_PKT_DATA, RAPP_NONE },
    /* HTTP request */
    ST("http.uri", BUF_HTTP_URI, RAPP_HTTP),            MO("http_uri", BUF_HTTP_URI, RAPP_HTTP),
    ST("http.uri.raw", BUF_HTTP_URI_RAW, RAPP_HTTP),    MO("http_raw_uri", BUF_HTTP_URI_RAW, RAPP_HTTP),
    ST("http.method", BUF_HTTP_METHOD, RAPP_HTTP),      MO("http_method", BUF_HTTP_METHOD, RAPP_HTTP),
    ST("http.protocol", BUF_HTTP_PROTOCOL, RAPP_HTTP),  ST("http_protocol", BUF_HTTP_PROTOCOL, RAPP_HTTP),
    ST("http.request_line", BUF_HTTP_REQUEST_LINE, RAPP_HTTP),
    ST("http_request_line", BUF_HTTP_REQUEST_LINE, RAPP_HTTP),
    ST("http.host", BUF_HTTP_HOST, RAPP_HTTP),          MO("http_host", BUF_HTTP_HOST, RAPP_HTTP),
    ST("http.host.raw", BUF_HTTP_HOST_RAW, RAPP_HTTP),  MO("http_raw_host", BUF_HTTP_HOST_RAW, RAPP_HTTP),
    ST("http.user_agent", BUF_HTTP_USER_AGENT, RAPP_HTTP),
    MO("http_user_agent", BUF_HTTP_USER_AGENT, RAPP_HTTP),
    ST("http.cookie", BUF_HTTP_COOKIE, RAPP_HTTP),      MO("http_cookie", BUF_HTTP_COOKIE, RAPP_HTTP),
    ST("http.referer", BUF_HTTP_REFERER, RAPP_HTTP),    ST("http_referer", BUF_HTTP_REFERER, RAPP_HTTP),
    ST("http.accept", BUF_HTTP_ACCEPT, RAPP_HTTP),      ST("http_accept", BUF_HTTP_ACCEPT, RAPP_HTTP),
    ST("http.accept_enc", BUF_HTTP_ACCEPT_ENC, RAPP_HTTP),
    ST("http_accept_enc", BUF_HTTP_ACCEPT_ENC, RAPP_HTTP),
    ST("http.accept_lang", BUF_HTTP_ACCEPT_LANG, RAPP_HTTP),
    ST("http_accept_lang", BUF_HTTP_ACCEPT_LANG, RAPP_HTTP),
    ST("http.connection", BUF_HTTP_CONNECTION, RAPP_HTTP),
    ST("http_connection", BUF_HTTP_CONNECTION, RAPP_HTTP),
    ST("http.content_type", BUF_HTTP_CONTENT_TYPE, RAPP_HTTP),
    ST("http_content_type", BUF_HTTP_CONTENT_TYPE, RAPP_HTTP),
    ST("http.content_len", BUF_HTTP_CONTENT_LEN, RAPP_HTTP),
    ST("http_content_len", BUF_HTTP_CONTENT_LEN, RAPP_HTTP),
    ST("http.header", BUF_HTTP_HEADER, RAPP_HTTP),      MO("http_header", BUF_HTTP_HEADER, RAPP_HTTP),
    ST("http.header.raw", BUF_HTTP_HEADER_RAW, RAPP_HTTP),
    MO("http_raw_header", BUF_HTTP_HEADER_RAW, RAPP_HTTP),
    ST("http.header_names", BUF_HTTP_HEADER_NAMES, RAPP_HTTP),
    ST("http_header_names", BUF_HTTP_HEADER_NAMES, RAPP_HTTP),
    ST("http.start", BUF_HTTP_START, RAPP_HTTP),        ST("http_start", BUF_HTTP_START, RAPP_HTTP),
    ST("http.request_body", BUF_HTTP_REQUEST_BODY, RAPP_HTTP),
    MO("http_client_body", BUF_HTTP_REQUEST_BODY, RAPP_HTTP),
    /* HTTP response */
    ST("http.response_line", BUF_HTTP_RESPONSE_LINE, RAPP_HTTP),
    ST("http_response_line", BUF_HTTP_RESPONSE_LINE, RAPP_HTTP),
    ST("http.stat_code", BUF_HTTP_STAT_CODE, RAPP_HTTP), MO("http_stat_code", BUF_HTTP_STAT_CODE, RAPP_HTTP),
    ST("http.stat_msg", BUF_HTTP_STAT_MSG, RAPP_HTTP),  MO("http_stat_msg", BUF_HTTP_STAT_MSG, RAPP_HTTP),
    ST("http.server", BUF_HTTP_SERVER, RAPP_HTTP),      ST("http_server", BUF_HTTP_SERVER, RAPP_HTTP),
    ST("http.location", BUF_HTTP_LOCATION, RAPP_HTTP),  ST("http_location", BUF_HTTP_LOCATION, RAPP_HTTP),
    ST("http.response_body", BUF_HTTP_RESPONSE_BODY, RAPP_HTTP),
    MO("http_server_body", BUF_HTTP_RESPONSE_BODY, RAPP_HTTP),
    ST("file.data", BUF_FILE_DATA, RAPP_NONE),          ST("file_data", BUF_FILE_DATA, RAPP_NONE),
    /* DNS */
    ST("dns.query", BUF_DNS_QUERY, RAPP_DNS),           ST("dns_query", BUF_DNS_QUERY, RAPP_DNS),
    /* TLS */
    ST("tls.sni", BUF_TLS_SNI, RAPP_TLS),               ST("tls_sni", BUF_TLS_SNI, RAPP_TLS),
    ST("tls.cert_subject", BUF_TLS_CERT_SUBJECT, RAPP_TLS),
    ST("tls_cert_subject", BUF_TLS_CERT_SUBJECT, RAPP_TLS),
    ST("tls.cert_issuer", BUF_TLS_CERT_ISSUER, RAPP_TLS),
    ST("tls_cert_issuer", BUF_TLS_CERT_ISSUER, RAPP_TLS),
    ST("tls.cert_serial", BUF_TLS_CERT_SERIAL, RAPP_TLS),
    ST("tls_cert_serial", BUF_TLS_CERT_SERIAL, RAPP_TLS),
    ST("tls.cert_fingerprint", BUF_TLS_CERT_FINGERPRINT, RAPP_TLS),
    ST("tls_cert_fingerprint", BUF_TLS_CERT_FINGERPRINT, RAPP_TLS),
    ST("tls.certs", BUF_TLS_CERTS, RAPP_TLS),
    ST("ja3.hash", BUF_JA3_HASH, RAPP_TLS),             ST("ja3_hash", BUF_JA3_HASH, RAPP_TLS),
    ST("ja3.string", BUF_JA3_STRING, RAPP_TLS),         ST("ja3_string", BUF_JA3_STRING, RAPP_TLS),
    ST("ja3s.hash", BUF_JA3S_HASH, RAPP_TLS),           ST("ja3s_hash", BUF_JA3S_HASH, RAPP_TLS),
    ST("ja3s.string", BUF_JA3S_STRING, RAPP_TLS),       ST("ja3s_string", BUF_JA3S_STRING, RAPP_TLS),
    /* SSH */
    ST("ssh.proto", BUF_SSH_PROTO, RAPP_SSH),           ST("ssh_proto", BUF_SSH_PROTO, RAPP_SSH),
    ST("ssh.software", BUF_SSH_SOFTWARE, RAPP_SSH),     ST("ssh_software", BUF_SSH_SOFTWARE, RAPP_SSH),
};

const struct sticky_kw *rules_buffers_sticky_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(sticky_table); i++)
        if (!strcasecmp(sticky_table[i].name, name))
            return &sticky_table[i];
    return NULL;
}

static const struct { const char *name; uint8_t tr; } transform_table[] = {
    { "dotprefix", TR_DOTPREFIX },
    { "strip_whitespace", TR_STRIP_WHITESPACE },
    { "compress_whitespace", TR_COMPRESS_WHITESPACE },
    { "to_lowercase", TR_TO_LOWERCASE },
    { "to_uppercase", TR_TO_UPPERCASE },
    { "url_decode", TR_URL_DECODE },
    { "to_md5", TR_MD5 },
    { "to_sha1", TR_SHA1 },
    { "to_sha256", TR_SHA256 },
    { "header_lowercase", TR_HEADER_LOWERCASE },
    { "strip_pseudo_headers", TR_STRIP_PSEUDO_HEADERS },
    { "xor", TR_XOR },
};

int rules_buffers_transform_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(transform_table); i++)
        if (!strcasecmp(transform_table[i].name, name))
            return transform_table[i].tr;
    return TR_NONE;
}
