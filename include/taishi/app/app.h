/* app.h - application-layer parsers and their registry.
 *
 * Each parser is one `const struct app_parser` (its name, the nDPI protocols
 * that select it, its rule protocol, its event, its counters and its
 * new/feed/gap/end/free and datagram functions), listed in one table
 * (app_registry.c). Nothing outside app/ names a parser: the dispatcher
 * here, the worker (which parser for nDPI's verdict), the event types
 * (config.h), the stats event and the rules find them through the table.
 *
 * The flow stage reassembles each TCP direction into in-order bytes
 * (stream.h) and nDPI says what the flow speaks; once it does, the worker
 * creates an `app_flow` for that parser and feeds it the stream from its
 * first byte (the stream keeps what came before the verdict, up to a cap).
 * UDP messages go to app_datagram() one datagram at a time.
 *
 * A parser reports each unit it completes (an HTTP request or response, a
 * DNS message, a TLS handshake message, an SSH banner) as a `struct app_tx`
 * through the sink: the inspection buffers it filled (buffers.h), for the
 * detect stage, and a protocol record (`meta`) its event_body() writes as
 * the protocol object of its event. Everything an app_tx points to is valid
 * only during the callback.
 *
 * Hostile input: every parser takes (bytes, length), reads nothing past it,
 * keeps at most its configured caps per flow (app_limits), and turns what it
 * cannot parse into a counter in app_stats, never a crash.
 *
 * Ownership: an app_flow belongs to one flow of one worker (no locks); the
 * worker frees it with the flow. app_stats belongs to the worker. The
 * registry is constant data, read by every thread. */
#ifndef TAISHI_APP_H
#define TAISHI_APP_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/buffers.h"

/* Parser ids are 1 + the parser's position in the registry; 0 = none. */
#define APP_PARSERS_MAX  32
#define APP_COUNTERS_MAX 6     /* counters per parser in app_stats */

/* One occurrence of an inspection buffer. */
struct app_buf {
    uint16_t id;                /* enum buf_id */
    uint32_t len;
    const uint8_t *data;
};

#define APP_DIR_TOSERVER 0
#define APP_DIR_TOCLIENT 1

/* Protocol records for events. Strings are NUL-terminated views valid
 * during the callback; NULL when absent. */
struct app_http_meta {
    const char *method, *uri, *host, *protocol, *user_agent, *referer, *content_type;
    const char *location, *server;
    int status;                 /* 0 until the response is seen */
    uint64_t request_body_len, response_body_len;   /* bytes after dechunking, before
                                                     * decompression (Suricata's length) */
    uint32_t tx_id;             /* 0-based transaction number in the flow */
    uint8_t have_response;
};
struct app_dns_answer {
    const char *rrname, *rrtype, *rdata;    /* rdata as text: address, name, TXT */
    uint32_t ttl;
};
struct app_dns_meta {
    uint16_t id, flags;
    uint8_t is_response, opcode, rcode;
    const char *rrname, *rrtype;            /* the first question */
    const struct app_dns_answer *answers;
    uint32_t nanswers;
    uint32_t tx_id;
};
struct app_tls_meta {
    const char *sni, *version;              /* "TLS 1.2" */
    const char *subject, *issuer, *serial, *fingerprint;
    const char *notbefore, *notafter;       /* "2024-01-01T00:00:00" */
    const char *ja3, *ja3_string, *ja3s, *ja3s_string;
    const char *ja4;                        /* JA4 of the ClientHello */
    const char *cipher_suite;               /* TLCP suites only: "ECC_SM4_CBC_SM3" */
    const char *enc_subject, *enc_issuer, *enc_serial, *enc_fingerprint; /* TLCP: the */
    const char *enc_notbefore, *enc_notafter;                           /* encryption cert */
    uint16_t version_num;                   /* 0x0303, ... as negotiated (ServerHello) */
};
struct app_ssh_meta {
    const char *proto, *software;           /* the side this tx carries */
    uint8_t is_server;
    /* Added by the parsers: both banners as seen so far (NULL when that
     * side has not sent its banner), for the one ssh event per flow. */
    const char *client_proto, *client_software, *server_proto, *server_software;
};

/* A TX_RISK's meta: the weakness's name ("snmp_default_community") and what
 * shows it (the community string), both NUL-terminated. */
struct app_risk_meta {
    const char *name, *detail;
};
/* The names a TX_RISK may carry, one table (app.c): the worker writes each
 * at most once per flow, and `risk.app` switches each on or off by its
 * index. A new weakness is added at the end of the table. */
#define APP_RISKS_MAX 32
int app_risk_count(void);
const char *app_risk_name(int i);           /* NULL past the end */
int app_risk_index(const char *name);       /* -1 when not in the table */

/* A TX_ASSET's meta: one fact a parser learned about the flow's server
 * (object "smb", key "dialect", value "3.1.1"; or a number in num), or a
 * host it named (host = 1: a DHCP client: its address, MAC and name in
 * value; num = 1 when a server confirmed the address (a DHCPACK), 0 when a
 * client only asked for it (its name waits for an ACK of that address)). object and key are string literals (the worker keeps them by
 * pointer until the flow ends); value is NUL-terminated, valid during the
 * callback, NULL when num is the value. Not inspected by rules, no event
 * of its own: the worker keeps the facts for the flow's asset event. */
struct app_asset_meta {
    const char *object, *key, *value;
    int64_t num;
    uint8_t host, ipver, has_mac;
    uint8_t ip[16];
    uint8_t mac[6];
};

/* tx kinds: when the detect stage inspects and when an event is due. */
enum app_tx_kind {
    TX_HTTP_REQUEST,    /* headers (+ body up to the cap) of a request: to-server buffers */
    TX_HTTP_RESPONSE,   /* the response to it: to-client buffers; meta has both sides -> http event */
    TX_DNS,             /* one DNS message (query or response) -> dns event */
    TX_TLS_CLIENT_HELLO,/* sni, ja3 */
    TX_TLS_SERVER,      /* ServerHello and Certificate seen (or the handshake ended) -> tls event */
    TX_SSH_BANNER,
    TX_FILE,            /* a file (app_file.h): event=1 at its close -> fileinfo event */
    TX_QUIC,            /* one datagram with a QUIC version (and a hello) -> quic event */
    TX_SMTP,            /* an SMTP transaction ended (app_smtp.c) -> smtp event */
    TX_FTP,             /* an FTP command and its reply (app_ftp.c) -> ftp event */
    TX_FTP_DATA,        /* an FTP data connection ended (app_ftp.c) -> ftp_data event */
    TX_SNMP, TX_TFTP, TX_RDP, TX_NFS, TX_IKE,   /* one message each (issue 16) -> its event */
    TX_RISK,            /* a weakness the parser saw (meta: struct app_risk_meta) -> one risk
                         * event per flow; no buffers, not inspected by rules */
    TX_MSG,             /* one message of a parser whose meta is its own (mqtt, krb5, dhcp,
                         * sip, rfb: the struct is private to its file, only its
                         * event_body() reads it); event=1 when a transaction completes */
    TX_SMB,             /* an SMB command (app_smb.c): event=1 at its response -> smb event */
    TX_DCERPC,          /* a DCE/RPC call over TCP (app_dcerpc.c) -> dcerpc event */
    TX_ASSET,           /* a fact about the server or a host (meta: struct app_asset_meta)
                         * for the asset inventory; event=0, no buffers, not inspected */
    TX_KINDS            /* the number of kinds (keep last) */
};

/* How the parsers use the kinds (app_http.c, app_tls.c, app_ssh.c say more):
 *  - TX_HTTP_REQUEST with event=1 and no buffers: a request that got no
 *    response (reported at app_flow_end, or when http_max_tx requests are
 *    already waiting); meta has have_response=0.
 *  - TX_TLS_SERVER also comes at app_flow_end when the handshake did not
 *    get that far (only a ClientHello seen: meta has the client side).
 *  - TX_SSH_BANNER: one per side; event=1 on the second banner (meta has
 *    both sides), or at app_flow_end when only one side sent its banner. */
struct app_tx {
    uint8_t proto;              /* the parser's id */
    uint8_t kind;               /* enum app_tx_kind */
    uint8_t dir;                /* APP_DIR_*: direction of the data this tx carries */
    uint8_t event;              /* 1: this tx completes a unit an event should be written for */
    const struct app_buf *bufs;
    uint32_t nbufs;
    const void *meta;           /* struct app_http_meta / app_dns_meta / app_tls_meta / app_ssh_meta */
};

/* A data connection a control connection announces (FTP's RETR/STOR after
 * PASV/EPSV/PORT/EPRT): the port it will use and what it carries. The
 * worker adds the flow's addresses and puts it in the expectation table
 * (app_expect.h), where the data connection finds it. */
#define APP_EXPECT_NAME_MAX 255
struct app_expect {
    uint16_t port;              /* the data connection's server port */
    uint8_t active;             /* PORT/EPRT: the control server connects to the client */
    uint8_t to_client;          /* the file goes to the client (RETR) */
    char command[8];            /* "RETR", "STOR" */
    char name[APP_EXPECT_NAME_MAX];
    uint32_t namelen;
};

struct app_sink {
    void (*tx)(void *ud, const struct app_tx *tx);
    void *ud;
    /* NULL when nobody links data connections (tests, fuzzing) */
    void (*expect)(void *ud, const struct app_expect *e);
};

struct app_limits {
    uint32_t http_header_max;   /* bytes of one header block (default 32 KiB) */
    uint32_t http_body_max;     /* body bytes kept for inspection per message (default 64 KiB) */
    uint32_t http_max_tx;       /* pipelined requests waiting for responses (default 32) */
    uint32_t tls_record_max;    /* bytes of one handshake message (default 64 KiB) */
    uint32_t dns_max_answers;   /* answers kept for the event (default 32) */
    uint8_t http_body_inspect;  /* keep (and decompress) bodies for the rules; 0: only
                                 * count them (no rule reads a body buffer) */
    uint8_t rule_bufs;          /* build the inspection buffers of a transaction (a
                                 * ruleset is loaded); 0: only what the event needs */
    uint8_t tls_fingerprint;    /* certificates' SHA-1 fingerprints (the tls event, the
                                 * tls.cert_fingerprint buffer); 0: left empty */
    uint8_t dhcp_extended;      /* dhcp events for every message with every field
                                 * (Suricata's "extended: yes"); 0 (default, as
                                 * Suricata ships): ACKs only, the short form */
};
void app_limits_default(struct app_limits *l);

struct files_worker;
struct app_stats {
    /* Row id - 1 is parser id's counters, named by its entry's `counters`
     * ("tx", "parse_errors", ...; the stats event writes "<parser>_<name>"). */
    uint64_t counters[APP_PARSERS_MAX][APP_COUNTERS_MAX];
    uint64_t gaps;              /* stream holes handed to parsers */
    uint64_t memory;            /* bytes the app_flows of this worker hold now */
    struct files_worker *files; /* the worker's file tracker (files.h); NULL: files off */
};
/* Parser id's row of counters. */
static inline uint64_t *app_stats_row(struct app_stats *st, int id)
{
    return st->counters[(unsigned)(id - 1) % APP_PARSERS_MAX];
}
/* A counter by names ("http", "parse_errors"); 0 when either is unknown. */
uint64_t app_stats_get(const struct app_stats *st, const char *parser, const char *counter);

/* A rule keyword that selects one of a parser's inspection buffers: a
 * sticky buffer ("http.uri": every payload keyword after it), or a legacy
 * content modifier ("http_uri": moves the one content before it). */
struct app_int_kw;
struct app_keyword {
    const char *name;
    uint16_t buf;               /* enum buf_id (BUF_APP_TX for an integer keyword) */
    uint8_t modifier;           /* 1: legacy content modifier; 0: sticky buffer */
    const struct app_int_kw *ik;/* an integer/flag keyword (below); NULL for a buffer */
};
#define APP_STICKY(name, buf)   { name, buf, 0, NULL }
#define APP_MODIFIER(name, buf) { name, buf, 1, NULL }
#define APP_INT(name, ik)       { name, BUF_APP_TX, 0, ik }
#define APP_KEYWORDS_END        { NULL, 0, 0, NULL }

/* An integer or flag keyword on a transaction's fields (mqtt.type,
 * dcerpc.opnum, krb5.ticket_encryption): not a buffer but a value (or a
 * set of values) the parser reads from its tx's meta. A rule using one is a
 * transaction rule of that parser: it matches a tx of the parser for which
 * get() gives a value satisfying the keyword's argument (any of the values,
 * for a set). get() is called only with a tx of the parser that declares
 * the keyword, or of its `also` parser (tx->proto checked by the caller;
 * each tx of that parser, every kind: check tx->kind); it writes at most `max`
 * values to v and returns how many (0: the field is not in this tx, the
 * keyword does not match). The rule parser (src/rules/rules_intkw.c) reads
 * the argument in the keyword's syntax:
 *  AI_UINT   Suricata's unsigned integer: N =N <N >N <=N >=N !N !=N N-M N<>M
 *            (a range excludes its ends and must hold a value), up to max;
 *  AI_EQ     one number (up to max) or one of `names`: equality only;
 *  AI_NAME   one of `names` only (a name with value AI_LIST_SPECIAL+k: a
 *            class, special(k, v), rfb's "unknown");
 *  names are case-insensitive unless AIO_CASE;
 *  AI_FLAGS  a comma list of `names` (bit values), each possibly `!`: every
 *            named bit set and every `!` one clear (the value is the bits);
 *  AI_LIST   a comma list of numbers, names and N-M ranges (inclusive),
 *            any value in; a name whose value is AI_LIST_SPECIAL+k (a class
 *            of values, krb5's "weak") calls special(k, v) and may be `!`;
 *  AI_BOOL   a boolean: no value, or true/false/yes/no (`names` unused);
 *  AI_DCE_IFACE  <uuid>[,<op><version>][,any_frag]: get_iface() (not get)
 *            gives the interface(s) the tx's presentation context names.
 * Adding one: a getter in the parser's file, a `static const struct
 * app_int_kw` and an APP_INT row in its keywords (README "Adding a
 * protocol"). */
/* What get_iface() gives for an interface: its uuid as written in rules
 * (the 16 bytes in the text's order), its major version, and whether the
 * request is inspected on its first fragment (any_frag not needed). */
struct app_dce_iface {
    uint8_t uuid[16];
    uint16_t ver;
    uint8_t first_frag;
};
enum app_int_syntax { AI_UINT = 1, AI_EQ, AI_NAME, AI_FLAGS, AI_LIST, AI_BOOL, AI_DCE_IFACE };
#define APP_INT_VALUES_MAX 32
#define AI_LIST_SPECIAL (1ull << 62)
struct app_int_name {
    const char *name;
    uint64_t value;
};
struct app_int_kw {
    unsigned (*get)(const struct app_tx *tx, uint64_t *v, unsigned max);
    uint8_t syntax;             /* enum app_int_syntax */
    uint64_t max;               /* the largest value the argument may name */
    const struct app_int_name *names;   /* name NULL at the end; NULL: none */
    /* AI_LIST: a name with value AI_LIST_SPECIAL+k matches v when special(k, v) */
    int (*special)(unsigned k, uint64_t v);
    /* AI_DCE_IFACE: the interfaces of the tx (at most max), their count */
    unsigned (*get_iface)(const struct app_tx *tx, struct app_dce_iface *out, unsigned max);
    uint8_t opts;               /* AIO_*: where Suricata 7.0.10 is narrower */
    /* Optional: another parser whose txs the getter reads too (its tx->kind
     * tells them apart): dcerpc's keywords on SMB named pipes, "smb". */
    const char *also;
};
#define AIO_NO_RANGE   0x01     /* AI_LIST: no N-M ranges */
#define AIO_NO_SPACE   0x02     /* AI_LIST: no spaces around items */
#define AIO_CASE       0x04     /* names are case-sensitive */
#define AIO_NEED_VALUE 0x08     /* AI_BOOL: true/false must be given */

struct jw;
/* One parser. Every field is set (datagram only for parsers that take UDP):
 * app_registry_check() refuses a half-filled entry at start-up. */
struct app_parser {
    const char *name;           /* "http": EVE app_proto, stats prefix, config */
    const char *rule_proto;     /* protocol keyword of rules ("http") */
    const char *event_type;     /* its event's event_type ("http") */
    uint8_t event_id;           /* the event type's number (config.h: the free ids) */
    uint8_t transports;         /* APP_TCP and/or APP_UDP */
    const uint16_t *ndpi;       /* nDPI protocol ids that select it, 0-terminated */
    const char *const *counters;/* names of its counters, NULL-terminated */
    const struct app_keyword *keywords; /* its rule keywords, name NULL at the end; NULL: none */
    /* TCP (and APP_UDP_FLOW): a parser for one flow; stats is the worker's (memory, counters). */
    void *(*create)(const struct app_limits *lim, struct app_stats *stats, int id);
    void (*feed)(void *state, int dir, const uint8_t *data, size_t len, const struct app_sink *sink);
    void (*gap)(void *state, int dir, size_t len, const struct app_sink *sink);
    void (*end)(void *state, const struct app_sink *sink);
    void (*destroy)(void *state);
    /* Optional: after a feed, the name of the parser the rest of the flow
     * belongs to (SMTP's STARTTLS: "tls"), or NULL; the dispatcher then
     * ends this parser and starts that one on the following bytes. */
    const char *(*handover)(void *state);
    /* Optional: 1 once the rest of the flow's payload is encrypted (TLS after
     * its first application-data record, SSH after both sides' NEWKEYS):
     * Suricata 7.0.10 inspects no payload or stream content from there on
     * (its tls encryption-handling: default; ssh always), and neither does
     * the detect stage (worker_l7.c asks after each feed). */
    int (*encrypted)(void *state);
    /* Optional: the flow is the data connection e announced (app_expect). */
    void (*expected)(void *state, const struct app_expect *e);
    /* UDP: one datagram, stateless. */
    void (*datagram)(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                     struct app_stats *stats, int id, const struct app_sink *sink);
    /* Optional, for a parser that takes UDP and TCP and wants a state across
     * a UDP flow's datagrams (Kerberos: which request an error answers): the
     * worker then makes an app_flow for the UDP flow too and gives it each
     * datagram here (app_flow_datagram); datagram() stays the stateless form. */
    void (*flow_datagram)(void *state, int dir, const uint8_t *msg, size_t len,
                          const struct app_sink *sink);
    /* The protocol object of its event ("http":{...}) from tx->meta. */
    void (*event_body)(struct jw *w, const struct app_tx *tx);
};
#define APP_TCP 1
#define APP_UDP 2
#define APP_UDP_FLOW 4  /* UDP with per-flow state: create/feed/end/destroy, one feed() per datagram
                         * (one flow_datagram() instead when the parser has it: NFS, whose feed()
                         * is the TCP stream with record marking) */
#define APP_STATEFUL (APP_TCP | APP_UDP_FLOW)

/* The registry (app_registry.c). */
int app_registry_count(void);
const struct app_parser *app_registry_get(int id);           /* NULL when no such id */
int app_registry_id(const char *name);                       /* 0 when unknown */
/* The parser nDPI's protocol id asks for (0 when none), and the rule protocol
 * name of that nDPI protocol (NULL when rules have none for it): parsers'
 * entries first, then the protocols rules can name that have no parser. */
int app_registry_for_ndpi(uint16_t ndpi_id);
const char *app_registry_rule_proto(uint16_t ndpi_id);
/* The keyword of some parser's buffer (case-insensitive), and that parser's
 * rule protocol in *rule_proto; NULL when no parser has it. */
const struct app_keyword *app_registry_keyword(const char *name, const char **rule_proto);
/* The id of the parser whose keywords table holds k (0: none). */
int app_registry_parser_of(const struct app_keyword *k);
/* Refuses an entry with a field missing, two parsers with one name, event id
 * or nDPI protocol, more counters than fit: 0, or -1 with the reason in err. */
int app_registry_check(char *err, size_t errlen);
/* The same check on any table (for tests). */
int app_registry_check_table(const struct app_parser *const *t, int n, char *err, size_t errlen);

struct app_flow;
/* A parser for one flow (id: app_registry_id()); NULL for an id that is no
 * TCP parser. stats is the worker's (counters and memory). */
struct app_flow *app_flow_new(int id, const struct app_limits *lim, struct app_stats *stats);
/* In-order bytes of one direction. */
void app_flow_feed(struct app_flow *a, int dir, const uint8_t *data, size_t len,
                   const struct app_sink *sink);
/* `len` bytes of one direction are missing (lost segments): the parser
 * resynchronizes or gives up on the flow. */
void app_flow_gap(struct app_flow *a, int dir, size_t len, const struct app_sink *sink);
/* The flow ends: report what is pending (a request without a response). */
void app_flow_end(struct app_flow *a, const struct app_sink *sink);
void app_flow_free(struct app_flow *a);
/* The flow is the data connection e announced: tells a parser that has an
 * `expected` function (the others ignore it). */
void app_flow_expect(struct app_flow *a, const struct app_expect *e);
int app_flow_proto(const struct app_flow *a);
/* The parser's encrypted() (0 for a parser without one), and whether it
 * has one. */
int app_flow_encrypted(const struct app_flow *a);
int app_flow_can_encrypt(const struct app_flow *a);

/* One UDP datagram to a flow's parser state (a parser with flow_datagram;
 * others ignore it), and whether parser id wants that. */
void app_flow_datagram(struct app_flow *a, int dir, const uint8_t *msg, size_t len,
                       const struct app_sink *sink);
int app_udp_flow(int id);

/* One UDP datagram for parser id (one that takes UDP; others ignore it). */
void app_datagram(int id, const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                  struct app_stats *stats, const struct app_sink *sink);

/* The protocol object of tx's event (the caller writes the common fields)
 * and its event_type ("http"); "app" for a tx of no parser. */
void app_event_body(struct jw *w, const struct app_tx *tx);
/* The risk object of a TX_RISK: risk{source: "app", protocol, names[], detail}. */
void app_risk_body(struct jw *w, const struct app_tx *tx);
const char *app_event_type(const struct app_tx *tx);

#endif
