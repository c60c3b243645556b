/* dpi.c - nDPI 4.2 glue (see dpi.h).
 *
 * Drives nDPI the way ndpiReader does (example/reader_util.c in nDPI), so
 * our verdicts agree with the tool operators already know:
 *   - every packet of a flow goes to ndpi_detection_process_packet() with
 *     the IP header and the bytes captured from it, until detection ends;
 *   - detection ends when nDPI names an application and wants no extra
 *     packets (ndpi_extra_dissection_possible), or when the flow has more
 *     than 80 (TCP) / 24 (UDP) packets; other protocols have no limit;
 *   - a flow that ends unclassified gets ndpi_detection_giveup() with
 *     guessing on, which is where "Match by port" verdicts come from.
 * One module per worker: nDPI modules are not thread-safe, and each worker
 * sees only its own flows anyway. Creating modules is not thread-safe either
 * (tried: two ndpi_init_detection_module() calls in parallel threads abort
 * now and then in nDPI 4.2), so main() creates the workers one by one. */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <ndpi_api.h>

#include "taishi/dpi/dpi.h"
#include "taishi/core/pool.h"
#include "taishi/core/util.h"

#define STR_SLOT 256
#define HELD_SLOT 192                   /* a held SYN: struct held, then its IP bytes */

struct held {
    uint64_t ts_ns;
    uint16_t len;
};
#define HELD_MAX (HELD_SLOT - sizeof(struct held))

struct dpi {
    struct ndpi_detection_module_struct *nd;
    const struct config *cfg;
    struct pool flows;                  /* struct ndpi_flow_struct */
    struct pool strings;                /* STR_SLOT-byte strings for URL and User-Agent */
    struct pool helds;                  /* HELD_SLOT-byte held SYNs */
    int lazy;                           /* dpi_set_lazy */
    struct dpi_stats st;
};

struct dpi *dpi_create(const struct config *cfg)
{
    struct dpi *d = xcalloc(1, sizeof(*d));
    NDPI_PROTOCOL_BITMASK all;

    d->cfg = cfg;
    d->nd = ndpi_init_detection_module(ndpi_no_prefs);
    if (!d->nd) {
        free(d);
        return NULL;
    }
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(d->nd, &all);
    ndpi_finalize_initialization(d->nd);
    pool_init(&d->flows, SIZEOF_FLOW_STRUCT, 256);
    pool_init(&d->strings, STR_SLOT, 256);
    pool_init(&d->helds, HELD_SLOT, 256);
    return d;
}

void dpi_destroy(struct dpi *d)
{
    if (!d)
        return;
    pool_fini(&d->flows);
    pool_fini(&d->strings);
    pool_fini(&d->helds);
    ndpi_exit_detection_module(d->nd);
    free(d);
}

uint64_t dpi_flow_state_bytes(void)
{
    return (SIZEOF_FLOW_STRUCT + 15) & ~(size_t)15;
}

uint64_t dpi_state_bytes(const struct dpi *d)
{
    return d->st.active_ndpi_flows * dpi_flow_state_bytes() + d->st.held_syns * HELD_SLOT;
}

static char *keep_string(struct dpi *d, const char *s)
{
    if (!s || !*s)
        return NULL;
    char *o = pool_get(&d->strings);
    util_strlcpy(o, s, STR_SLOT);
    return o;
}

static int is_tls_like(uint16_t id)
{
    return id == NDPI_PROTOCOL_TLS || id == NDPI_PROTOCOL_QUIC || id == NDPI_PROTOCOL_DTLS ||
           id == NDPI_PROTOCOL_MAIL_SMTPS || id == NDPI_PROTOCOL_MAIL_IMAPS ||
           id == NDPI_PROTOCOL_MAIL_POPS;
}

/* Copies the verdict and metadata out of nDPI and frees its flow state. */
static void complete(struct dpi *d, struct dpi_flow *f, ndpi_protocol proto)
{
    struct ndpi_flow_struct *nf = f->nf;

    if (proto.app_protocol == NDPI_PROTOCOL_UNKNOWN) {
        uint8_t guessed = 0;
        proto = ndpi_detection_giveup(d->nd, nf, d->cfg->dpi_guess ? 1 : 0, &guessed);
        if (proto.app_protocol != NDPI_PROTOCOL_UNKNOWN)
            d->st.guessed++;
    }
    f->master = proto.master_protocol;
    f->app = proto.app_protocol;
    f->category = (uint16_t)proto.category;
    f->confidence = (uint8_t)nf->confidence;
    f->risk = nf->risk;
    util_strlcpy(f->host, (const char *)nf->host_server_name, sizeof(f->host));
    if (is_tls_like(f->master) || is_tls_like(f->app))
        util_strlcpy(f->ja3c, nf->protos.tls_quic.ja3_client, sizeof(f->ja3c));
    if (f->master == NDPI_PROTOCOL_HTTP || f->app == NDPI_PROTOCOL_HTTP) {
        f->url = keep_string(d, nf->http.url);
        f->ua = keep_string(d, nf->http.user_agent);
    }
    if (is_tls_like(f->master) || is_tls_like(f->app)) {
        f->tls_version = nf->protos.tls_quic.ssl_version;
        f->cert_subject = keep_string(d, nf->protos.tls_quic.subjectDN);
    }
    if (f->master == NDPI_PROTOCOL_SSH || f->app == NDPI_PROTOCOL_SSH)
        f->server_sw = keep_string(d, nf->protos.ssh.server_signature);
    if (f->app == NDPI_PROTOCOL_UNKNOWN)
        d->st.unknown++;
    else
        d->st.detected++;
    ndpi_free_flow_data(nf);
    pool_put(&d->flows, nf);
    d->st.active_ndpi_flows--;
    f->nf = NULL;
    f->done = 1;
}

void dpi_set_lazy(struct dpi *d, int on)
{
    d->lazy = on;
}

/* One packet's IP bytes (len) to nDPI, ending detection when it is over. */
static void feed(struct dpi *d, struct dpi_flow *f, uint8_t l4, const uint8_t *ip, uint32_t len,
                 uint64_t ts_ns)
{
    if (!f->nf) {
        f->nf = pool_get(&d->flows);
        d->st.flows++;
        d->st.active_ndpi_flows++;
    }
    f->packets++;
    d->st.packets++;
    int enough = (l4 == IPPROTO_UDP && f->packets > d->cfg->dpi_udp_max_packets) ||
                 (l4 == IPPROTO_TCP && f->packets > d->cfg->dpi_tcp_max_packets);
    ndpi_protocol r = ndpi_detection_process_packet(d->nd, f->nf, ip, (unsigned short)len,
                                                    ts_ns / 1000000ULL);
    if (enough || r.app_protocol != NDPI_PROTOCOL_UNKNOWN) {
        if (!enough && ndpi_extra_dissection_possible(d->nd, f->nf))
            return;                         /* e.g. waiting for the TLS certificate */
        complete(d, f, r);
    }
}

/* Gives the held SYN back to the pool. */
static void held_put(struct dpi *d, struct dpi_flow *f)
{
    pool_put(&d->helds, f->held);
    f->held = NULL;
    d->st.held_syns--;
}

/* The held SYN to nDPI, as it came. */
static void replay(struct dpi *d, struct dpi_flow *f)
{
    const struct held *h = f->held;
    feed(d, f, IPPROTO_TCP, (const uint8_t *)(h + 1), h->len, h->ts_ns);
    held_put(d, f);
}

void dpi_process(struct dpi *d, struct dpi_flow *f, const struct packet *p, uint64_t ts_ns)
{
    if (f->done || !(p->flags & PKT_HAS_IP))
        return;
    uint32_t len = p->ip.l3_cap > 65535 ? 65535 : p->ip.l3_cap;
    if (f->held) {
        replay(d, f);
        if (f->done)
            return;
    } else if (d->lazy && !f->nf && p->ip.key.proto == IPPROTO_TCP && p->ip.l4_ok &&
               (p->ip.tcp_flags & (TCP_SYN | TCP_ACK | TCP_RST | TCP_FIN)) == TCP_SYN &&
               !p->ip.pl_len && len <= HELD_MAX) {
        struct held *h = pool_get(&d->helds);
        h->ts_ns = ts_ns;
        h->len = (uint16_t)len;
        memcpy(h + 1, p->data, len);
        f->held = h;
        d->st.held_syns++;
        return;
    }
    feed(d, f, p->ip.key.proto, p->data, len, ts_ns);
}

void dpi_peek(const struct dpi_flow *f, uint16_t *master, uint16_t *app)
{
    if (f->done || !f->nf) {
        *master = f->master;
        *app = f->app;
    } else {                                /* a verdict waiting for extra packets */
        *master = f->nf->detected_protocol_stack[1];
        *app = f->nf->detected_protocol_stack[0];
    }
}

void dpi_finish(struct dpi *d, struct dpi_flow *f)
{
    if (f->done)
        return;
    if (f->held) {
        if (d->lazy)
            held_put(d, f);                 /* a lone SYN: nothing reads its verdict */
        else
            replay(d, f);                   /* a reader of the verdict came up meanwhile */
        if (f->done)
            return;
    }
    if (!f->nf) {                           /* nothing reached nDPI (no IP packet, a dropped SYN) */
        f->done = 1;
        d->st.unknown++;
        return;
    }
    ndpi_protocol r = { NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_UNKNOWN, NDPI_PROTOCOL_CATEGORY_UNSPECIFIED };
    /* nDPI may already hold a verdict that was waiting for extra packets. */
    r.master_protocol = f->nf->detected_protocol_stack[1];
    r.app_protocol = f->nf->detected_protocol_stack[0];
    r.category = f->nf->category;
    complete(d, f, r);
}

void dpi_release(struct dpi *d, struct dpi_flow *f)
{
    if (f->held)
        held_put(d, f);
    if (f->nf) {
        ndpi_free_flow_data(f->nf);
        pool_put(&d->flows, f->nf);
        d->st.active_ndpi_flows--;
        f->nf = NULL;
    }
    pool_put(&d->strings, f->url);
    pool_put(&d->strings, f->ua);
    pool_put(&d->strings, f->server_sw);
    pool_put(&d->strings, f->cert_subject);
    f->url = f->ua = f->server_sw = f->cert_subject = NULL;
}

/* nDPI's "master.app" name, as ndpi_protocol2name() spells it (the master
 * alone when the app is unknown, the app alone when there is no distinct
 * master), without its snprintf: once per flow event. */
void dpi_protocol_name(struct dpi *d, const struct dpi_flow *f, char *buf, unsigned len)
{
    size_t n = 0;

    if (!len)
        return;
    if (f->master != NDPI_PROTOCOL_UNKNOWN && f->master != f->app) {
        n = util_strlcpy(buf, ndpi_get_proto_name(d->nd, f->master), len);
        if (f->app == NDPI_PROTOCOL_UNKNOWN || n + 1 >= len)
            return;
        buf[n++] = '.';
    }
    util_strlcpy(buf + n, ndpi_get_proto_name(d->nd, f->app), len - n);
}

const char *dpi_category_name(struct dpi *d, const struct dpi_flow *f)
{
    return ndpi_category_get_name(d->nd, (ndpi_protocol_category_t)f->category);
}

const char *dpi_confidence_name(const struct dpi_flow *f)
{
    return ndpi_confidence_get_name((ndpi_confidence_t)f->confidence);
}

/* nDPI protocol names whose EVE app_proto spelling differs from lower case. */
static const struct { const char *ndpi, *eve; } eve_names[] = {
    { "HTTP", "http" }, { "HTTP_Proxy", "http" }, { "HTTP_Connect", "http" },
    { "TLS", "tls" }, { "SMTPS", "tls" }, { "IMAPS", "tls" }, { "POPS", "tls" },
    { "DNS", "dns" }, { "SSH", "ssh" }, { "SMTP", "smtp" }, { "FTP_CONTROL", "ftp" },
    { "FTP_DATA", "ftp-data" }, { "SMBv1", "smb" }, { "SMBv23", "smb" }, { "DHCP", "dhcp" },
    { "DHCPV6", "dhcp" }, { "NTP", "ntp" }, { "SIP", "sip" }, { "RDP", "rdp" },
    { "SNMP", "snmp" }, { "Kerberos", "krb5" }, { "MQTT", "mqtt" }, { "Modbus", "modbus" },
    { "DNP3", "dnp3" }, { "IMAP", "imap" }, { "QUIC", "quic" }, { "TFTP", "tftp" },
    { "IPsec", "ike" }, { "Telnet", "telnet" }, { "VNC", "rfb" }, { "HTTP2", "http2" },
    { "EthernetIP", "enip" }, { "LDAP", "ldap" }, { "NFS", "nfs" }, { "POP3", "pop3" },
    { "DCE_RPC", "dcerpc" },
};

static const char *eve_name(const char *n)
{
    for (size_t i = 0; i < ARRAY_SIZE(eve_names); i++)
        if (!strcmp(n, eve_names[i].ndpi))
            return eve_names[i].eve;
    return NULL;
}

const char *dpi_app_proto(struct dpi *d, const struct dpi_flow *f, char *buf, unsigned len)
{
    const char *e;
    uint16_t master, app;

    dpi_peek(f, &master, &app);     /* events during detection see the verdict so far */
    if (app == NDPI_PROTOCOL_UNKNOWN && master == NDPI_PROTOCOL_UNKNOWN)
        return "failed";
    if (app != NDPI_PROTOCOL_UNKNOWN && (e = eve_name(ndpi_get_proto_name(d->nd, app))))
        return e;
    if (master != NDPI_PROTOCOL_UNKNOWN && (e = eve_name(ndpi_get_proto_name(d->nd, master))))
        return e;
    const char *n = ndpi_get_proto_name(d->nd, master != NDPI_PROTOCOL_UNKNOWN ? master : app);
    unsigned i;
    for (i = 0; n[i] && i + 1 < len; i++)
        buf[i] = (char)tolower((unsigned char)n[i]);
    buf[i] = 0;
    return buf;
}

unsigned dpi_risks(const struct dpi_flow *f, void (*fn)(void *arg, const char *name), void *arg)
{
    uint16_t cli = 0, srv = 0;

    for (unsigned i = 1; i < NDPI_MAX_RISK && i < 64; i++)
        if (f->risk & (1ULL << i))
            fn(arg, ndpi_risk2str((ndpi_risk_enum)i));
    return f->risk ? ndpi_risk2score(f->risk, &cli, &srv) : 0;
}

const char *dpi_tls_version_name(const struct dpi_flow *f, char *buf, unsigned len)
{
    uint8_t unknown = 0;
    return ndpi_ssl_version2str(buf, (int)len, f->tls_version, &unknown);
}

unsigned dpi_risk_score(uint64_t risk, uint16_t *cli, uint16_t *srv)
{
    *cli = *srv = 0;
    return risk ? ndpi_risk2score(risk, cli, srv) : 0;
}

const struct dpi_stats *dpi_stats(const struct dpi *d)
{
    return &d->st;
}

const char *dpi_lib_version(void)
{
    return ndpi_revision();
}
