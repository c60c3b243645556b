/* buffers.c - the inspection buffers' names (as rules and --check-rules
 * spell them) and the direction each belongs to (buffers.h). The parsers
 * fill them, the rule parser selects them, the detect stage scans them.
 *
 * Ownership: constant tables only. */
#include <stdint.h>

#include "taishi/app/buffers.h"

static const struct { const char *name; uint8_t dir; } buf_info[BUF_MAX] = {
    [BUF_PACKET] = { "pkt_data", BUF_DIR_ANY },
    [BUF_STREAM] = { "stream", BUF_DIR_ANY },
    [BUF_HTTP_URI] = { "http.uri", BUF_DIR_TOSERVER },
    [BUF_HTTP_URI_RAW] = { "http.uri.raw", BUF_DIR_TOSERVER },
    [BUF_HTTP_METHOD] = { "http.method", BUF_DIR_TOSERVER },
    [BUF_HTTP_PROTOCOL] = { "http.protocol", BUF_DIR_ANY },
    [BUF_HTTP_REQUEST_LINE] = { "http.request_line", BUF_DIR_TOSERVER },
    [BUF_HTTP_HOST] = { "http.host", BUF_DIR_TOSERVER },
    [BUF_HTTP_HOST_RAW] = { "http.host.raw", BUF_DIR_TOSERVER },
    [BUF_HTTP_USER_AGENT] = { "http.user_agent", BUF_DIR_TOSERVER },
    [BUF_HTTP_COOKIE] = { "http.cookie", BUF_DIR_ANY },
    [BUF_HTTP_REFERER] = { "http.referer", BUF_DIR_TOSERVER },
    [BUF_HTTP_ACCEPT] = { "http.accept", BUF_DIR_TOSERVER },
    [BUF_HTTP_ACCEPT_ENC] = { "http.accept_enc", BUF_DIR_TOSERVER },
    [BUF_HTTP_ACCEPT_LANG] = { "http.accept_lang", BUF_DIR_TOSERVER },
    [BUF_HTTP_CONNECTION] = { "http.connection", BUF_DIR_ANY },
    [BUF_HTTP_CONTENT_TYPE] = { "http.content_type", BUF_DIR_ANY },
    [BUF_HTTP_CONTENT_LEN] = { "http.content_len", BUF_DIR_ANY },
    [BUF_HTTP_HEADER] = { "http.header", BUF_DIR_ANY },
    [BUF_HTTP_HEADER_RAW] = { "http.header.raw", BUF_DIR_ANY },
    [BUF_HTTP_HEADER_NAMES] = { "http.header_names", BUF_DIR_ANY },
    [BUF_HTTP_START] = { "http.start", BUF_DIR_ANY },
    [BUF_HTTP_REQUEST_BODY] = { "http.request_body", BUF_DIR_TOSERVER },
    [BUF_HTTP_RESPONSE_LINE] = { "http.response_line", BUF_DIR_TOCLIENT },
    [BUF_HTTP_STAT_CODE] = { "http.stat_code", BUF_DIR_TOCLIENT },
    [BUF_HTTP_STAT_MSG] = { "http.stat_msg", BUF_DIR_TOCLIENT },
    [BUF_HTTP_SERVER] = { "http.server", BUF_DIR_TOCLIENT },
    [BUF_HTTP_LOCATION] = { "http.location", BUF_DIR_TOCLIENT },
    [BUF_HTTP_RESPONSE_BODY] = { "http.response_body", BUF_DIR_TOCLIENT },
    [BUF_FILE_DATA] = { "file.data", BUF_DIR_ANY },
    [BUF_DNS_QUERY] = { "dns.query", BUF_DIR_TOSERVER },
    [BUF_TLS_SNI] = { "tls.sni", BUF_DIR_TOSERVER },
    [BUF_TLS_CERT_SUBJECT] = { "tls.cert_subject", BUF_DIR_TOCLIENT },
    [BUF_TLS_CERT_ISSUER] = { "tls.cert_issuer", BUF_DIR_TOCLIENT },
    [BUF_TLS_CERT_SERIAL] = { "tls.cert_serial", BUF_DIR_TOCLIENT },
    [BUF_TLS_CERT_FINGERPRINT] = { "tls.cert_fingerprint", BUF_DIR_TOCLIENT },
    [BUF_TLS_CERTS] = { "tls.certs", BUF_DIR_TOCLIENT },
    [BUF_JA3_HASH] = { "ja3.hash", BUF_DIR_TOSERVER },
    [BUF_JA3_STRING] = { "ja3.string", BUF_DIR_TOSERVER },
    [BUF_JA3S_HASH] = { "ja3s.hash", BUF_DIR_TOCLIENT },
    [BUF_JA3S_STRING] = { "ja3s.string", BUF_DIR_TOCLIENT },
    [BUF_SSH_PROTO] = { "ssh.proto", BUF_DIR_ANY },
    [BUF_SSH_SOFTWARE] = { "ssh.software", BUF_DIR_ANY },
    [BUF_SMB_SHARE] = { "smb.share", BUF_DIR_TOSERVER },
    [BUF_SMB_NAMED_PIPE] = { "smb.named_pipe", BUF_DIR_TOSERVER },
    [BUF_DCERPC_STUB_DATA] = { "dcerpc.stub_data", BUF_DIR_ANY },
    [BUF_FILE_NAME] = { "file.name", BUF_DIR_ANY },
    [BUF_FILE_MAGIC] = { "file.magic", BUF_DIR_ANY },
    [BUF_FILE_SIZE] = { "file.size", BUF_DIR_ANY },
    [BUF_FILE_MD5] = { "file.md5", BUF_DIR_ANY },
    [BUF_FILE_SHA1] = { "file.sha1", BUF_DIR_ANY },
    [BUF_FILE_SHA256] = { "file.sha256", BUF_DIR_ANY },
    /* QUIC, JA4 */
    [BUF_JA4_HASH] = { "ja4.hash", BUF_DIR_TOSERVER },
    [BUF_QUIC_VERSION] = { "quic.version", BUF_DIR_ANY },
    [BUF_QUIC_SNI] = { "quic.sni", BUF_DIR_TOSERVER },
    [BUF_QUIC_UA] = { "quic.ua", BUF_DIR_TOSERVER },
    [BUF_QUIC_CYU_HASH] = { "quic.cyu.hash", BUF_DIR_TOSERVER },
    [BUF_QUIC_CYU_STRING] = { "quic.cyu.string", BUF_DIR_TOSERVER },
    [BUF_APP_TX] = { "app.tx", BUF_DIR_ANY },
    [BUF_SNMP_COMMUNITY] = { "snmp.community", BUF_DIR_ANY },
    [BUF_SNMP_USM] = { "snmp.usm", BUF_DIR_ANY },
    /* SMB, DCE/RPC, Kerberos, NFS */
    [BUF_KRB5_CNAME] = { "krb5_cname", BUF_DIR_TOCLIENT },
    [BUF_KRB5_SNAME] = { "krb5_sname", BUF_DIR_TOCLIENT },
    /* DHCP, SNMP, SIP, TFTP, IKE, MQTT, RFB, RDP */
    [BUF_MQTT_CLIENTID] = { "mqtt.connect.clientid", BUF_DIR_TOSERVER },
    [BUF_MQTT_USERNAME] = { "mqtt.connect.username", BUF_DIR_TOSERVER },
    [BUF_MQTT_PASSWORD] = { "mqtt.connect.password", BUF_DIR_TOSERVER },
    [BUF_MQTT_WILLTOPIC] = { "mqtt.connect.willtopic", BUF_DIR_TOSERVER },
    [BUF_MQTT_WILLMESSAGE] = { "mqtt.connect.willmessage", BUF_DIR_TOSERVER },
    [BUF_MQTT_PUBLISH_TOPIC] = { "mqtt.publish.topic", BUF_DIR_ANY },
    [BUF_MQTT_PUBLISH_MESSAGE] = { "mqtt.publish.message", BUF_DIR_ANY },
    [BUF_MQTT_SUBSCRIBE_TOPIC] = { "mqtt.subscribe.topic", BUF_DIR_TOSERVER },
    [BUF_MQTT_UNSUBSCRIBE_TOPIC] = { "mqtt.unsubscribe.topic", BUF_DIR_TOSERVER },
    [BUF_SIP_METHOD] = { "sip.method", BUF_DIR_TOSERVER },
    [BUF_SIP_URI] = { "sip.uri", BUF_DIR_TOSERVER },
    [BUF_SIP_REQUEST_LINE] = { "sip.request_line", BUF_DIR_TOSERVER },
    [BUF_SIP_STAT_CODE] = { "sip.stat_code", BUF_DIR_TOCLIENT },
    [BUF_SIP_STAT_MSG] = { "sip.stat_msg", BUF_DIR_TOCLIENT },
    [BUF_SIP_RESPONSE_LINE] = { "sip.response_line", BUF_DIR_TOCLIENT },
    [BUF_SIP_PROTOCOL] = { "sip.protocol", BUF_DIR_ANY },
    [BUF_RFB_NAME] = { "rfb.name", BUF_DIR_TOCLIENT },
    [BUF_IKE_INIT_SPI] = { "ike.init_spi", BUF_DIR_TOSERVER },
    [BUF_IKE_RESP_SPI] = { "ike.resp_spi", BUF_DIR_TOCLIENT },
    [BUF_IKE_VENDOR] = { "ike.vendor", BUF_DIR_TOSERVER },
    [BUF_IKE_KEY_EXCHANGE] = { "ike.key_exchange_payload", BUF_DIR_ANY },
    [BUF_IKE_NONCE] = { "ike.nonce_payload", BUF_DIR_ANY },
};

const char *buffers_name(enum buf_id b)
{
    return (unsigned)b < BUF_MAX && buf_info[b].name ? buf_info[b].name : "?";
}

enum buf_dir buffers_direction(enum buf_id b)
{
    return (unsigned)b < BUF_MAX ? (enum buf_dir)buf_info[b].dir : BUF_DIR_ANY;
}
