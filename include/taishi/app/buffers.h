/* buffers.h - the inspection buffers rules match on, shared by the rule
 * parser (rules.h: which buffer a keyword selects), the application-layer
 * parsers (app.h: which buffers a transaction fills) and the detect stage.
 *
 * BUF_PACKET is a packet's L4 payload and BUF_STREAM the in-order TCP
 * stream; every other id is a sticky buffer filled by an app-layer parser.
 * A buffer may occur several times in one transaction (dns.query for each
 * question, tls.certs for each certificate): each occurrence is inspected on
 * its own, as Suricata's multi-buffers are.
 *
 * Ownership: plain enum and constant tables, no state. */
#ifndef TAISHI_BUFFERS_H
#define TAISHI_BUFFERS_H

enum buf_id {
    BUF_PACKET = 0,         /* L4 payload of one packet (pkt_data, rawbytes) */
    BUF_STREAM,             /* TCP payload in stream order (default for tcp rules) */
    /* HTTP/1.x, request side (to server) */
    BUF_HTTP_URI,           /* normalized: %-decoded where safe, /./ and // collapsed */
    BUF_HTTP_URI_RAW,
    BUF_HTTP_METHOD,
    BUF_HTTP_PROTOCOL,      /* "HTTP/1.1" of the request (or response) line */
    BUF_HTTP_REQUEST_LINE,
    BUF_HTTP_HOST,          /* lower-cased, port stripped */
    BUF_HTTP_HOST_RAW,
    BUF_HTTP_USER_AGENT,
    BUF_HTTP_COOKIE,        /* Cookie (to server) or Set-Cookie (to client) */
    BUF_HTTP_REFERER,
    BUF_HTTP_ACCEPT,
    BUF_HTTP_ACCEPT_ENC,
    BUF_HTTP_ACCEPT_LANG,
    BUF_HTTP_CONNECTION,
    BUF_HTTP_CONTENT_TYPE,  /* either direction */
    BUF_HTTP_CONTENT_LEN,   /* either direction */
    BUF_HTTP_HEADER,        /* "Name: value\r\n" lines, normalized (no Cookie), either direction */
    BUF_HTTP_HEADER_RAW,    /* the header block as sent, either direction */
    BUF_HTTP_HEADER_NAMES,  /* "\r\nName1\r\nName2\r\n\r\n", either direction */
    BUF_HTTP_START,         /* start line + headers, either direction */
    BUF_HTTP_REQUEST_BODY,  /* dechunked, decompressed, capped */
    /* HTTP/1.x, response side (to client) */
    BUF_HTTP_RESPONSE_LINE,
    BUF_HTTP_STAT_CODE,
    BUF_HTTP_STAT_MSG,
    BUF_HTTP_SERVER,
    BUF_HTTP_LOCATION,
    BUF_HTTP_RESPONSE_BODY, /* dechunked, decompressed, capped */
    BUF_FILE_DATA,          /* HTTP body of either direction; SMTP would add its own */
    /* DNS */
    BUF_DNS_QUERY,          /* each question name, dotted, no trailing dot */
    /* TLS */
    BUF_TLS_SNI,
    BUF_TLS_CERT_SUBJECT,   /* RFC 4514-ish "CN=..., O=..." of the leaf certificate */
    BUF_TLS_CERT_ISSUER,
    BUF_TLS_CERT_SERIAL,    /* "0A:1B:..." upper-case hex */
    BUF_TLS_CERT_FINGERPRINT, /* SHA1 "aa:bb:..." lower-case hex of the leaf */
    BUF_TLS_CERTS,          /* each certificate in DER, one occurrence per certificate */
    BUF_JA3_HASH,
    BUF_JA3_STRING,
    BUF_JA3S_HASH,
    BUF_JA3S_STRING,
    /* SSH */
    BUF_SSH_PROTO,          /* "2.0" */
    BUF_SSH_SOFTWARE,       /* "OpenSSH_8.9p1" */

    /* Files (app_file.h): file.name, file.magic, ... */
    BUF_FILE_NAME,          /* the file's name as the protocol gave it (filename, file.name) */
    BUF_FILE_MAGIC,         /* libmagic's description (filemagic, file.magic) */
    BUF_FILE_SIZE,          /* the file's size in decimal (filesize) */
    BUF_FILE_MD5,           /* its hashes in lower-case hex, when computed (filemd5, ...) */
    BUF_FILE_SHA1,
    BUF_FILE_SHA256,

    /* SMTP, FTP */

    /* SMB, DCE/RPC, Kerberos, NFS */
    BUF_KRB5_CNAME,             /* krb5_cname: each component of the client name */
    BUF_KRB5_SNAME,             /* krb5_sname: each component of the server name */
    BUF_SMB_SHARE,          /* the share of a tree connect (not a pipe), to server */
    BUF_SMB_NAMED_PIPE,     /* the share of a tree connect to IPC$ (a pipe), to server */
    BUF_DCERPC_STUB_DATA,   /* a DCE/RPC request's or response's stub (TCP or SMB pipe) */

    /* DHCP, SNMP, SIP, TFTP, IKE, MQTT, RFB, RDP */
    BUF_SNMP_COMMUNITY,     /* v1/v2c community string */
    BUF_SNMP_USM,           /* v3 USM user name */
    BUF_MQTT_CLIENTID,          /* mqtt.connect.clientid */
    BUF_MQTT_USERNAME,
    BUF_MQTT_PASSWORD,
    BUF_MQTT_WILLTOPIC,
    BUF_MQTT_WILLMESSAGE,
    BUF_MQTT_PUBLISH_TOPIC,     /* either direction */
    BUF_MQTT_PUBLISH_MESSAGE,   /* either direction, at most 64 KiB */
    BUF_MQTT_SUBSCRIBE_TOPIC,   /* each topic of a SUBSCRIBE */
    BUF_MQTT_UNSUBSCRIBE_TOPIC,
    BUF_SIP_METHOD,             /* sip.method */
    BUF_SIP_URI,
    BUF_SIP_REQUEST_LINE,
    BUF_SIP_STAT_CODE,          /* sip.stat_code: the 3 digits */
    BUF_SIP_STAT_MSG,
    BUF_SIP_RESPONSE_LINE,
    BUF_SIP_PROTOCOL,           /* "SIP/2.0" of either start line */
    BUF_RFB_NAME,               /* rfb.name: the desktop name of ServerInit */

    /* QUIC, JA4 */
    BUF_JA4_HASH,           /* JA4 of a TLS or QUIC ClientHello */
    BUF_QUIC_VERSION,       /* the 4 version bytes of a QUIC packet */
    BUF_QUIC_SNI,
    BUF_QUIC_UA,            /* Google QUIC's UAID tag (not parsed yet: never filled) */
    BUF_QUIC_CYU_HASH,      /* Google QUIC's CYU fingerprint (not parsed yet: never filled) */
    BUF_QUIC_CYU_STRING,

    /* IKE (app_ike.c) */
    BUF_IKE_INIT_SPI,           /* ike.init_spi: 16 hex digits (to server, as Suricata) */
    BUF_IKE_RESP_SPI,           /* ike.resp_spi (to client) */
    BUF_IKE_VENDOR,             /* ike.vendor: each IKEv1 vendor ID, hex (to server) */
    BUF_IKE_KEY_EXCHANGE,       /* ike.key_exchange_payload: IKEv1 KE bytes */
    BUF_IKE_NONCE,              /* ike.nonce_payload: IKEv1 nonce bytes */

    BUF_APP_TX,             /* no bytes: the transaction itself, for the integer/flag
                             * keywords of its parser (app.h struct app_int_kw) */
    BUF_MAX
};

/* The direction a buffer belongs to when a rule does not say: requests are
 * to server, responses to client; BUF_DIR_ANY buffers exist in both. */
enum buf_dir { BUF_DIR_ANY = 0, BUF_DIR_TOSERVER = 1, BUF_DIR_TOCLIENT = 2 };

/* Name used in logs and --check-rules ("http.uri"; "?" out of range), and
 * the buffer's direction (buffers.c). */
const char *buffers_name(enum buf_id b);
enum buf_dir buffers_direction(enum buf_id b);

#endif
