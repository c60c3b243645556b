/* worker_l7.c - a worker's layer-7 stages for one flow: TCP reassembly
 * (stream.h), then the detect stage (detect.h) on packets, on in-order
 * stream chunks and on application transactions, and the alert events.
 *
 * Per flow the state is a `struct flow_l7`, made on the flow's first packet
 * when rules are loaded and freed with the flow. The packet path:
 *   detect_packet (IP-only, header and packet-payload rules)
 *   -> TCP: stream_segment -> in-order chunks -> detect_stream
 * A flow that ends flushes its out-of-order queue first, so data after a
 * hole is still inspected (the hole is a gap: no match across it).
 *
 * nDPI's verdict, not the port, gives the flow's app-layer protocol for
 * rules such as `alert http` and app-layer-protocol:.
 *
 * Ownership: flow_l7 belongs to its flow (one worker); the detect thread
 * and the stream context belong to the worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/detect.h"
#include "taishi/event_build.h"
#include "taishi/stream.h"
#include "taishi/util.h"
#include "taishi/worker.h"
#include "worker_internal.h"

struct flow_l7 {
    struct stream st;
    struct detect_flow *df;
};

/* The unit being processed, for the stream and alert callbacks. */
struct l7_call {
    struct worker *w;
    struct flow *f;
    struct detect_ctx c;
};

static int rule_app_of(uint16_t id)
{
    switch (id) {
    case NDPI_PROTOCOL_HTTP: case NDPI_PROTOCOL_HTTP_PROXY: case NDPI_PROTOCOL_HTTP_CONNECT:
        return RAPP_HTTP;
    case NDPI_PROTOCOL_TLS: return RAPP_TLS;
    case NDPI_PROTOCOL_DNS: return RAPP_DNS;
    case NDPI_PROTOCOL_SSH: return RAPP_SSH;
    case NDPI_PROTOCOL_MAIL_SMTP: return RAPP_SMTP;
    case NDPI_PROTOCOL_FTP_CONTROL: return RAPP_FTP;
    case NDPI_PROTOCOL_SMBV1: case NDPI_PROTOCOL_SMBV23: return RAPP_SMB;
    case NDPI_PROTOCOL_DCERPC: return RAPP_DCERPC;
    case NDPI_PROTOCOL_NFS: return RAPP_NFS;
    case NDPI_PROTOCOL_NTP: return RAPP_NTP;
    case NDPI_PROTOCOL_DHCP: return RAPP_DHCP;
    case NDPI_PROTOCOL_SNMP: return RAPP_SNMP;
    case NDPI_PROTOCOL_SIP: return RAPP_SIP;
    case NDPI_PROTOCOL_RDP: return RAPP_RDP;
    case NDPI_PROTOCOL_KERBEROS: return RAPP_KRB5;
    case NDPI_PROTOCOL_MAIL_IMAP: return RAPP_IMAP;
    case NDPI_PROTOCOL_MAIL_POP: return RAPP_POP3;
    case NDPI_PROTOCOL_MODBUS: return RAPP_MODBUS;
    case NDPI_PROTOCOL_DNP3: return RAPP_DNP3;
    case NDPI_PROTOCOL_TFTP: return RAPP_TFTP;
    case NDPI_PROTOCOL_MQTT: return RAPP_MQTT;
    case NDPI_PROTOCOL_VNC: return RAPP_RFB;
    case NDPI_PROTOCOL_TELNET: return RAPP_TELNET;
    case NDPI_PROTOCOL_IRC: return RAPP_IRC;
    case NDPI_PROTOCOL_QUIC: return RAPP_QUIC;
    default: return RAPP_NONE;
    }
}

static void on_alert(void *ud, const struct detect_ctx *c, const struct rule *r, const uint8_t *buf,
                     uint32_t len)
{
    struct l7_call *k = ud;
    struct worker *w = k->w;

    if (!worker_wants(w, ET_ALERT))
        return;
    event_rule_alert(&w->jw, w->cfg, w->dpi, w->ec, k->f, c->dir, r, c->p, buf, len, c->ts_ns);
    worker_finish_event(w, ET_ALERT, k->f->flow_id);
    int sev = r->priority;
    w->st.alerts_by_severity[sev >= 1 && sev <= 3 ? sev - 1 : 3]++;
}

static void on_chunk(void *ud, int dir, const uint8_t *data, uint32_t len, uint64_t off)
{
    struct l7_call *k = ud;
    struct detect_ctx c = k->c;
    struct detect_alert_cb cb = { on_alert, k };

    c.dir = dir;
    detect_stream(k->w->dt, k->f->l7->df, &c, data, len, off, &cb);
}

static void on_gap(void *ud, int dir, uint64_t off, uint64_t len)
{
    struct l7_call *k = ud;
    (void)off;
    (void)len;
    detect_stream_gap(k->w->dt, k->f->l7->df, dir);
}

static void fill_ctx(struct detect_ctx *c, const struct flow *f, const struct packet *p, int dir,
                     uint64_t ts)
{
    c->key = &f->key;
    c->p = p;
    c->dir = dir;
    c->established = f->pkts[0] && f->pkts[1] && (f->key.proto != 6 || (f->tcp_seen[0] & TCP_ACK));
    int app = rule_app_of(f->dpi.master);
    if (app == RAPP_NONE)
        app = rule_app_of(f->dpi.app);
    c->app = app;
    c->tls_version = f->dpi.tls_version;
    c->ts_ns = ts;
}

void worker_l7_packet(struct worker *w, struct flow *f, const struct packet *p, int to_server)
{
    if (!w->dt)
        return;
    if (!f->l7) {
        struct detect_flow *df = detect_flow_new(w->dt);
        if (!df)
            return;
        f->l7 = xcalloc(1, sizeof(*f->l7));
        f->l7->df = df;
    }
    struct l7_call k = { .w = w, .f = f };
    struct detect_alert_cb cb = { on_alert, &k };
    int dir = to_server ? 0 : 1;

    fill_ctx(&k.c, f, p, dir, p->ts_ns);
    detect_packet(w->dt, f->l7->df, &k.c, &cb);
    if (f->key.proto == 6 && p->ip.l4_ok) {
        struct stream_cb scb = { on_chunk, on_gap, &k };
        uint32_t len = p->ip.pl_len;
        if (p->ip.pl_off > p->len || len > p->len - p->ip.pl_off)
            len = 0;
        stream_segment(&w->sc, &f->l7->st, dir, p->ip.tcp_seq, p->ip.tcp_flags,
                       p->data + p->ip.pl_off, len, &scb);
    }
}

void worker_l7_end(struct worker *w, struct flow *f)
{
    struct flow_l7 *l = f->l7;
    if (!l)
        return;
    struct l7_call k = { .w = w, .f = f };
    struct stream_cb scb = { on_chunk, on_gap, &k };
    fill_ctx(&k.c, f, NULL, 0, f->last_ns);
    stream_flush(&w->sc, &l->st, &scb);
    stream_free(&w->sc, &l->st);
    detect_flow_free(w->dt, l->df);
    free(l);
    f->l7 = NULL;
}
