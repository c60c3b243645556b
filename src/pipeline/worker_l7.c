/* worker_l7.c - a worker's layer-7 stages for one flow: TCP reassembly
 * (stream.h), the application-layer parsers (app.h), the detect stage
 * (detect.h) on packets, in-order stream chunks and app transactions, and
 * the alert and http/dns/tls/ssh events.
 *
 * Per flow the state is a `struct flow_l7`, made on the flow's first packet
 * when rules are loaded or app events are wanted, freed with the flow:
 *   detect_packet (IP-only, header and packet-payload rules)
 *   -> TCP: stream_segment -> in-order chunks -> detect_stream, app parser
 *   -> UDP: app_datagram (DNS)
 *   -> each app transaction: detect_tx, then its event
 * Which parser runs is nDPI's verdict, never the port. Until nDPI has one,
 * the first bytes of each direction are kept (L7_PENDING_MAX) and handed to
 * the parser from the stream's start once it is chosen; more than that
 * becomes a gap for the parser. A flow nDPI calls something we do not parse
 * drops its app state; with no rules loaded it drops the stream too.
 *
 * Ownership: flow_l7 belongs to its flow (one worker); the detect thread,
 * stream context and app counters belong to the worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/files.h"
#include "taishi/enrich/policy.h"
#include "taishi/detect/detect.h"
#include "taishi/event/event.h"
#include "taishi/flow/stream.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"
#include "worker_internal.h"

#define L7_PENDING_MAX (16u * 1024u)

enum { APPST_WAIT, APPST_ON, APPST_OFF };

struct flow_l7 {
    struct stream st;
    struct detect_flow *df;
    struct app_flow *app;
    uint8_t app_state;
    uint8_t stream_off;             /* nothing wants the stream any more */
    uint8_t *pend[2];               /* stream bytes before nDPI's verdict */
    uint32_t pend_len[2];
    uint64_t pend_lost[2];          /* bytes beyond the cap before the verdict */
};

/* The unit being processed, for the stream, app and alert callbacks. */
struct l7_call {
    struct worker *w;
    struct flow *f;
    struct detect_ctx c;
    int parser;                     /* the parser nDPI's verdict asks for; 0: none */
    int64_t file_unit;              /* the last TX_FILE's parent (dir << 32 | tx_id); -1 none */
};

/* nDPI protocol id -> the rule protocol (enum rule_app) and the parser it
 * asks for, from the parser registry and the rules' protocol names; built
 * once for the process, read by every worker. */
#define NDPI_IDS (NDPI_LAST_IMPLEMENTED_PROTOCOL + 1)
static uint8_t rapp_of_ndpi[NDPI_IDS], parser_of_ndpi[NDPI_IDS];
static uint8_t rapp_of_parser[APP_PARSERS_MAX + 1];   /* a parser's rule protocol */
static uint32_t app_events_mask;        /* the parsers' event types */
static pthread_once_t ndpi_index_once = PTHREAD_ONCE_INIT;

static void ndpi_index_build(void)
{
    for (uint16_t i = 1; i < NDPI_IDS; i++) {
        const char *rp = app_registry_rule_proto(i);
        rapp_of_ndpi[i] = (uint8_t)(rp ? rules_app_lookup(rp) : RAPP_NONE);
        parser_of_ndpi[i] = (uint8_t)app_registry_for_ndpi(i);
    }
    for (int id = 1; id <= app_registry_count(); id++) {
        app_events_mask |= 1u << app_registry_get(id)->event_id;
        rapp_of_parser[id] = (uint8_t)rules_app_lookup(app_registry_get(id)->rule_proto);
    }
    app_events_mask |= 1u << ET_FILEINFO;       /* files come from the parsers */
}

void worker_l7_init(void)
{
    pthread_once(&ndpi_index_once, ndpi_index_build);
}

/* From nDPI's verdict so far: the flow's app-layer protocol for rules and
 * the parser for it (0: none). The master protocol decides when rules know
 * it (DNS over TLS is TLS), else the application. */
static void flow_app(const struct flow *f, int *rule_app, int *parser)
{
    uint16_t m, a;
    dpi_peek(&f->dpi, &m, &a);
    uint16_t id = m < NDPI_IDS && rapp_of_ndpi[m] != RAPP_NONE ? m : a;
    *rule_app = id < NDPI_IDS ? rapp_of_ndpi[id] : RAPP_NONE;
    *parser = id < NDPI_IDS ? parser_of_ndpi[id] : 0;
}

static int app_events_wanted(const struct worker *w)
{
    if (w->cfg->events_mask & app_events_mask)
        return 1;
    /* file-hash indicators need the parsers' files even when only alerts are written */
    return w->intel && worker_wants(w, ET_ALERT) &&
           (intel_has_type(w->intel, IOC_MD5) || intel_has_type(w->intel, IOC_SHA1) ||
            intel_has_type(w->intel, IOC_SHA256));
}

static void on_alert(void *ud, const struct detect_ctx *c, const struct rule *r, const uint8_t *buf,
                     uint32_t len)
{
    struct l7_call *k = ud;
    struct worker *w = k->w;

    if (!worker_wants(w, ET_ALERT))
        return;
    event_alert_rule(&w->jw, &w->ectx, k->f, c->dir, r,
                     k->f->l7->df ? detect_flow_ruleset(k->f->l7->df) : NULL, c->p, buf, len,
                     c->ts_ns);
    worker_emit_event(w, ET_ALERT, k->f->flow_id);
    worker_stats_alert(&w->st, r->gid, r->sid, r->priority, r->msg);
}

static void on_tx(void *ud, const struct app_tx *tx)
{
    struct l7_call *k = ud;
    struct worker *w = k->w;
    struct detect_ctx c = k->c;
    struct detect_alert_cb cb = { on_alert, k };

    c.dir = tx->dir == APP_DIR_TOCLIENT;
    if (tx->proto <= APP_PARSERS_MAX && rapp_of_parser[tx->proto] != RAPP_NONE)
        c.app = rapp_of_parser[tx->proto];  /* the parser's protocol (a port fallback too) */
    if (tx->kind == TX_FILE && tx->meta) {      /* the files of one transaction: one unit */
        const struct app_file_meta *fm = tx->meta;
        int64_t unit = (int64_t)fm->dir << 32 | fm->tx_id;
        c.same_unit = k->file_unit == unit;
        k->file_unit = unit;
    } else {
        k->file_unit = -1;
    }
    if (k->f->l7->df)
        detect_tx(w->dt, k->f->l7->df, &c, tx->bufs, tx->nbufs, &cb);
    if (!tx->event)
        return;
    if (tx->kind == TX_FILE) {
        const struct app_file_meta *fm = tx->meta;
        if (w->intel && fm && fm->state == APP_FILE_CLOSED && !fm->gaps) {
            struct policy_intel_hit hits[3];
            int n = policy_intel_file(w->intel, fm->md5, fm->sha1, fm->sha256, hits);
            for (int i = 0; i < n && worker_wants(w, ET_ALERT); i++) {
                const struct indicator *ind = hits[i].ind;
                char sig[128];
                event_alert_intel(&w->jw, &w->ectx, k->f, ind, hits[i].matched, c.ts_ns);
                worker_emit_event(w, ET_ALERT, k->f->flow_id);
                snprintf(sig, sizeof(sig), "TAISHI INTEL %s %.96s", intel_ioc_type_name(ind->type),
                         ind->value);
                worker_stats_alert(&w->st, w->cfg->intel_gid, ind->sid, ind->severity, sig);
            }
        }
        if (!worker_wants(w, ET_FILEINFO))
            return;
        event_fileinfo(&w->jw, &w->ectx, k->f, tx, c.ts_ns);
        worker_emit_event(w, ET_FILEINFO, k->f->flow_id);
        return;
    }
    enum event_type et = (enum event_type)app_registry_get(tx->proto)->event_id;
    if (!worker_wants(w, et))
        return;
    event_app(&w->jw, &w->ectx, k->f, tx, c.ts_ns);
    worker_emit_event(w, et, k->f->flow_id);
}

static void pending_free(struct flow_l7 *l)
{
    for (int d = 0; d < 2; d++) {
        free(l->pend[d]);
        l->pend[d] = NULL;
        l->pend_len[d] = 0;
    }
}

/* nDPI gave up on a TCP flow to 445 or 139: the smb parser still gets it
 * (as Suricata's detection ports do), counted as smb_port_fallback. The
 * parser itself drops a stream that is not NetBIOS/SMB. */
static int port_fallback(struct worker *w, const struct flow *f)
{
    if (f->key.proto != IPPROTO_TCP || (f->key.dport != 445 && f->key.dport != 139))
        return 0;
    int id = app_registry_id("smb");
    const struct app_parser *ap = app_registry_get(id);
    for (int i = 0; ap && ap->counters[i] && i < APP_COUNTERS_MAX; i++)
        if (!strcmp(ap->counters[i], "port_fallback"))
            app_stats_row(&w->as, id)[i]++;
    return id;
}

/* Decides the parser once nDPI has a verdict (or has given up). */
static void app_decide(struct l7_call *k)
{
    struct flow_l7 *l = k->f->l7;
    struct worker *w = k->w;
    if (l->app_state != APPST_WAIT)
        return;
    int p = k->parser;
    if (!p && k->f->dpi.done)
        p = port_fallback(w, k->f);
    if (!p) {
        if (!k->f->dpi.done)
            return;                 /* no verdict yet: keep waiting */
        l->app_state = APPST_OFF;
        pending_free(l);
        if (!l->df)
            l->stream_off = 1;
        return;
    }
    l->app_state = APPST_ON;
    if (k->f->key.proto != IPPROTO_TCP) {     /* UDP: per datagram (app_datagram), no app_flow */
        pending_free(l);
        return;
    }
    l->app = app_flow_new(p, &w->al, &w->as);
    struct app_sink sink = { on_tx, k };
    for (int d = 0; d < 2; d++) {
        if (l->pend_len[d])
            app_flow_feed(l->app, d, l->pend[d], l->pend_len[d], &sink);
        if (l->pend_lost[d])
            app_flow_gap(l->app, d, l->pend_lost[d], &sink);
    }
    pending_free(l);
}

static void on_chunk(void *ud, int dir, const uint8_t *data, uint32_t len, uint64_t off)
{
    struct l7_call *k = ud;
    struct flow_l7 *l = k->f->l7;
    struct detect_ctx c = k->c;
    struct detect_alert_cb cb = { on_alert, k };

    c.dir = dir;
    if (l->df)
        detect_stream(k->w->dt, l->df, &c, data, len, off, &cb);
    if (l->app_state == APPST_ON && l->app) {
        struct app_sink sink = { on_tx, k };
        app_flow_feed(l->app, dir, data, len, &sink);
    } else if (l->app_state == APPST_WAIT) {
        uint32_t room = L7_PENDING_MAX - l->pend_len[dir];
        uint32_t n = len < room ? len : room;
        if (n) {
            if (!l->pend[dir])
                l->pend[dir] = xmalloc(L7_PENDING_MAX);
            memcpy(l->pend[dir] + l->pend_len[dir], data, n);
            l->pend_len[dir] += n;
        }
        l->pend_lost[dir] += len - n;
    }
}

static void on_gap(void *ud, int dir, uint64_t off, uint64_t len)
{
    struct l7_call *k = ud;
    struct flow_l7 *l = k->f->l7;
    (void)off;
    if (l->df)
        detect_stream_gap(k->w->dt, l->df, dir);
    if (l->app_state == APPST_ON && l->app) {
        struct app_sink sink = { on_tx, k };
        app_flow_gap(l->app, dir, len, &sink);
    } else if (l->app_state == APPST_WAIT) {
        l->pend_lost[dir] += len;
    }
}

static void fill_ctx(struct l7_call *k, const struct flow *f, const struct packet *p, int dir,
                     uint64_t ts)
{
    struct detect_ctx *c = &k->c;

    c->key = &f->key;
    c->p = p;
    c->dir = dir;
    c->established = f->pkts[0] && f->pkts[1] && (f->key.proto != IPPROTO_TCP || (f->tcp_seen[0] & TCP_ACK));
    flow_app(f, &c->app, &k->parser);
    c->tls_version = f->dpi.tls_version;
    c->ts_ns = ts;
    for (int d = 0; d < 2; d++)         /* sequence space used so far, the SYN counting one */
        c->stream_size[d] = f->l7 && f->l7->st.d[d].init ?
                            f->l7->st.d[d].offset + ((f->tcp_seen[d] & TCP_SYN) ? 1 : 0) : 0;
}

void worker_l7_packet(struct worker *w, struct flow *f, const struct packet *p, int to_server)
{
    if (f->l7_off)
        return;
    if (!f->l7) {
        struct detect_flow *df = w->dt ? detect_flow_new(w->dt) : NULL;
        int tcp_udp = f->key.proto == IPPROTO_TCP || f->key.proto == IPPROTO_UDP;
        if (!df && !(tcp_udp && app_events_wanted(w))) {
            f->l7_off = 1;
            return;
        }
        f->l7 = xcalloc(1, sizeof(*f->l7));
        f->l7->df = df;
        if (!tcp_udp)
            f->l7->app_state = APPST_OFF;
    }
    struct flow_l7 *l = f->l7;
    struct l7_call k = { .w = w, .f = f, .file_unit = -1 };
    struct detect_alert_cb cb = { on_alert, &k };
    int dir = to_server ? 0 : 1;

    if (l->df && !detect_flow_current(w->dt, l->df))
        l->df = detect_flow_migrate(w->dt, l->df);     /* rules were reloaded */

    fill_ctx(&k, f, p, dir, p->ts_ns);
    if (l->df)
        detect_packet(w->dt, l->df, &k.c, &cb);
    app_decide(&k);
    uint32_t len = p->ip.pl_len;
    if (p->ip.pl_off > p->len || len > p->len - p->ip.pl_off)
        len = 0;
    if (f->key.proto == IPPROTO_TCP && p->ip.l4_ok && !l->stream_off) {
        struct stream_cb scb = { on_chunk, on_gap, &k };
        stream_segment(&w->sc, &l->st, dir, p->ip.tcp_seq, p->ip.tcp_flags,
                       p->data + p->ip.pl_off, len, &scb);
    } else if (f->key.proto == IPPROTO_UDP && l->app_state == APPST_ON && len) {
        struct app_sink sink = { on_tx, &k };
        app_datagram(k.parser, p->data + p->ip.pl_off, len, dir, &w->al, &w->as, &sink);
    }
    if (l->stream_off && !l->df) {              /* nothing left to do for this flow */
        stream_free(&w->sc, &l->st);
        free(l);
        f->l7 = NULL;
        f->l7_off = 1;
    }
}

void worker_l7_end(struct worker *w, struct flow *f)
{
    struct flow_l7 *l = f->l7;
    if (!l)
        return;
    struct l7_call k = { .w = w, .f = f, .file_unit = -1 };
    struct stream_cb scb = { on_chunk, on_gap, &k };
    fill_ctx(&k, f, NULL, 0, f->last_ns);
    app_decide(&k);                             /* dpi_finish has given its final verdict */
    stream_flush(&w->sc, &l->st, &scb);
    if (l->app) {
        struct app_sink sink = { on_tx, &k };
        app_flow_end(l->app, &sink);
        app_flow_free(l->app);
    }
    stream_free(&w->sc, &l->st);
    pending_free(l);
    detect_flow_free(w->dt, l->df);
    free(l);
    f->l7 = NULL;
}

static void migrate_one(void *arg, struct flow *f)
{
    struct worker *w = arg;
    if (f->l7 && f->l7->df && !detect_flow_current(w->dt, f->l7->df))
        f->l7->df = detect_flow_migrate(w->dt, f->l7->df);
}

void worker_l7_migrate_all(struct worker *w)
{
    if (w->dt)
        flow_table_foreach(w->flows, migrate_one, w);
}
