/* worker_l7.c - a worker's layer-7 stages for one flow: TCP reassembly
 * (stream.h), the application-layer parsers (app.h), the detect stage
 * (detect.h) on packets, in-order stream chunks and app transactions, and
 * the alert and http/dns/tls/ssh events.
 *
 * Per flow the state is a `struct flow_l7`, made on the flow's first packet
 * when rules are loaded or app events are wanted, freed with the flow:
 *   detect_packet (IP-only, header and packet-payload rules)
 *   -> TCP: stream_segment -> in-order chunks -> detect_stream, app parser
 *   -> UDP: app_datagram (DNS, SNMP, ...)
 *   -> each app transaction: detect_tx, then its event
 * Which parser runs is nDPI's verdict, never the port. Until nDPI has one,
 * the first bytes of each direction are kept (L7_PENDING_MAX) and handed to
 * the parser from the stream's start once it is chosen; more than that
 * becomes a gap for the parser. UDP datagrams before the verdict are kept
 * too, up to UDP_PENDING_MAX (each as direction, length, bytes; what does
 * not fit is lost) and handed to the parser in order once it is chosen: nDPI names
 * some UDP protocols only at its give-up (a port guess, counted as
 * dpi.guessed), when the flow's datagrams have all gone by. A flow nDPI
 * calls something we do not parse
 * drops its app state; with no rules loaded it drops the stream too.
 *
 * The parsers' TX_RISK become risk events at once (one per flow and name,
 * as risk.app allows); their TX_ASSET facts are kept in the flow's
 * asset_facts, made on the first one, and handed to the flow's end
 * (worker_l7_end returns them) for its asset event: the shared inventory is
 * never touched per packet.
 *
 * Ownership: flow_l7 belongs to its flow (one worker); the detect thread,
 * stream context and app counters belong to the worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/app_expect.h"
#include "taishi/app/files.h"
#include "taishi/enrich/assets.h"
#include "taishi/enrich/policy.h"
#include "taishi/detect/detect.h"
#include "taishi/event/event.h"
#include "taishi/flow/stream.h"
#include "taishi/core/util.h"
#include "taishi/pipeline/worker.h"
#include "worker_internal.h"

#define L7_PENDING_MAX (16u * 1024u)
#define UDP_PENDING_MAX 4096u       /* datagram bytes (+3 each) kept before the verdict */

enum { APPST_WAIT, APPST_ON, APPST_OFF };

/* The TCP session as Suricata 7's stream engine would have it (stream-tcp.c):
 * a flow that starts with a SYN is a session once the SYN-ACK answers it
 * (or, with stream.async-oneside, once the SYN's side goes on alone); one
 * that starts with a SYN-ACK is picked up with stream.midstream or
 * stream.async-oneside; one that starts with anything else only with
 * stream.midstream. Without a session nothing is reassembled or parsed:
 * each packet's payload is inspected alone, as a packet, and the flow is
 * not established. */
enum { SESS_NEW, SESS_SYN_SENT, SESS_ON, SESS_NONE };

struct flow_l7 {
    struct stream st;
    struct detect_flow *df;
    struct app_flow *app;
    uint8_t app_state;
    uint8_t stream_off;             /* nothing wants the stream any more */
    uint8_t sess;                   /* SESS_*: TCP only */
    uint8_t sess_dir;               /* SESS_SYN_SENT: the SYN's direction */
    uint8_t sess_est;               /* picked up mid-session or one-sided: established at once */
    uint8_t sess_oneside;           /* taken as one-sided (stream.async-oneside) */
    uint8_t est_before;             /* established as of the previous packet (fill_ctx) */
    uint8_t pkt_app;                /* TCP: the app protocol packet rules see (as of the
                                     * previous packet: Suricata learns it from the stream,
                                     * when the data is acknowledged) */
    uint8_t *pend[2];               /* stream bytes before nDPI's verdict */
    uint32_t pend_len[2], pend_cap[2];
    uint64_t pend_lost[2];          /* bytes beyond the cap before the verdict */
    uint8_t expect_tries;           /* payload packets looked up in the expectation table */
    uint8_t rapp_expected;          /* the rule protocol of the parser an announcement chose */
    uint32_t app_risks;             /* the parsers' risk events written (bit: app_risk_index) */
    struct asset_facts *facts;      /* what the parsers learned for the asset event (TX_ASSET);
                                     * NULL until one does: other flows pay one pointer */
    /* UDP: pend[0] holds the datagrams before the verdict, each as
     * direction (1 byte), length (2 bytes, host order) and its bytes. */
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
    app_events_mask |= 1u << ET_RISK | 1u << ET_ASSET;  /* so do their weaknesses and asset facts */
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

    if (tx->kind == TX_RISK) {      /* a parser's risk: one event per flow and name, no inspection */
        const struct app_risk_meta *rm = tx->meta;
        int i = rm ? policy_app_risk(w->cfg, rm->name) : -1;
        if (i >= 0 && !(k->f->l7->app_risks >> i & 1) && worker_wants(w, ET_RISK)) {
            k->f->l7->app_risks |= 1u << i;
            w->st.risk_app[i]++;
            event_risk_app(&w->jw, &w->ectx, k->f, tx, k->c.ts_ns);
            worker_emit_event(w, ET_RISK, k->f->flow_id);
        }
        return;
    }
    if (tx->kind == TX_ASSET) {     /* kept by the flow for its asset event (worker.c) */
        if (tx->meta && w->assets && worker_wants(w, ET_ASSET)) {
            if (!k->f->l7->facts)
                k->f->l7->facts = xcalloc(1, sizeof(*k->f->l7->facts));
            asset_facts_add(k->f->l7->facts, tx->meta, k->c.ts_ns);
        }
        return;
    }
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
    c.tx = tx;
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

/* A control connection announced a data connection: into the shared
 * table with this flow's addresses (passive: the client connects to the
 * server's port; active: the server connects to the client's). */
static void on_expect(void *ud, const struct app_expect *e)
{
    struct l7_call *k = ud;
    const struct flow_key *fk = &k->f->key;
    struct app_expect_key key;
    memset(&key, 0, sizeof(key));
    key.ipver = fk->ipver;
    key.port = e->port;
    memcpy(key.server, e->active ? fk->src : fk->dst, 16);
    memcpy(key.client, e->active ? fk->dst : fk->src, 16);
    app_expect_add(&key, app_registry_id("ftp-data"), e, k->c.ts_ns);
}

static void pending_free(struct flow_l7 *l)
{
    for (int d = 0; d < 2; d++) {
        free(l->pend[d]);
        l->pend[d] = NULL;
        l->pend_len[d] = l->pend_cap[d] = 0;
    }
}

/* Room for `need` pending bytes of direction d (need <= L7_PENDING_MAX):
 * grown by doubling from 2 KiB, as most flows hold one segment or two
 * before the verdict (a 16 KiB block each way, malloc'ed and freed per
 * flow, kept glibc consolidating its free lists). */
static void pending_fit(struct flow_l7 *l, int d, uint32_t need)
{
    if (need <= l->pend_cap[d])
        return;
    uint32_t cap = l->pend_cap[d] ? l->pend_cap[d] : 2048;
    while (cap < need)
        cap *= 2;
    if (cap > L7_PENDING_MAX)
        cap = L7_PENDING_MAX;
    l->pend[d] = xreallocarray(l->pend[d], cap, 1);
    l->pend_cap[d] = cap;
}

static void app_start(struct l7_call *k, int p, const struct app_expect *e);

/* A new TCP flow that a control connection announced (the table is read
 * only while it has entries): its parser from the start, whatever nDPI
 * says. Looked up on every packet until L7_EXPECT_TRIES packets with
 * payload have passed (the control connection's parser may only see the
 * announcement once nDPI has named it, after the data connection began;
 * the pending bytes are then parsed from the start). */
#define L7_EXPECT_TRIES 16
static void app_expected(struct l7_call *k, uint32_t len)
{
    struct flow_l7 *l = k->f->l7;
    const struct flow_key *fk = &k->f->key;
    if (l->expect_tries >= L7_EXPECT_TRIES || l->app_state != APPST_WAIT ||
        fk->proto != IPPROTO_TCP)
        return;
    if (len)
        l->expect_tries++;
    struct app_expect_key key;
    struct app_expect e;
    memset(&key, 0, sizeof(key));
    key.ipver = fk->ipver;
    key.port = fk->dport;
    memcpy(key.server, fk->dst, 16);
    memcpy(key.client, fk->src, 16);
    int p = app_expect_take(&key, k->c.ts_ns, &e);
    if (p) {
        l->expect_tries = L7_EXPECT_TRIES;
        l->rapp_expected = (uint8_t)rules_app_lookup(app_registry_get(p)->rule_proto);
        k->c.app = l->rapp_expected;
        app_start(k, p, &e);
    }
}

/* nDPI gave up on a TCP flow to 445 or 139: the smb parser still gets it
 * (as Suricata's detection ports do), counted as smb_port_fallback; likewise
 * a UDP flow to 500 or 4500 goes to the ike parser (ike_port_fallback). The
 * parser itself drops a flow that is not NetBIOS/SMB or ISAKMP. */
static int port_fallback(struct worker *w, const struct flow *f)
{
    const char *name = NULL;
    if (f->key.proto == IPPROTO_TCP && (f->key.dport == 445 || f->key.dport == 139))
        name = "smb";
    else if (f->key.proto == IPPROTO_UDP && (f->key.dport == 500 || f->key.dport == 4500))
        name = "ike";
    if (!name)
        return 0;
    int id = app_registry_id(name);
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
    if (l->app_state != APPST_WAIT)
        return;
    int p = k->parser;
    if (!p && k->f->dpi.done)
        p = port_fallback(k->w, k->f);
    if (!p) {
        if (!k->f->dpi.done)
            return;                 /* no verdict yet: keep waiting */
        l->app_state = APPST_OFF;
        pending_free(l);
        if (!l->df)
            l->stream_off = 1;
        return;
    }
    if (app_registry_get(p)->expected) {
        /* a parser only for announced flows (ftp-data): never by nDPI alone */
        if (l->expect_tries < L7_EXPECT_TRIES)
            return;
        l->app_state = APPST_OFF;
        pending_free(l);
        if (!l->df)
            l->stream_off = 1;
        return;
    }
    app_start(k, p, NULL);
}

/* One UDP datagram to the flow's parser: its per-flow state when it keeps one
 * (through flow_datagram when the parser has one: a TCP+UDP parser, whose
 * feed() is its TCP stream; else an APP_UDP_FLOW parser's feed()), else the
 * stateless datagram(). */
static void udp_to_parser(struct worker *w, struct flow_l7 *l, int parser, int dir,
                          const uint8_t *d, uint32_t n, const struct app_sink *sink)
{
    if (!l->app)
        app_datagram(parser, d, n, dir, &w->al, &w->as, sink);
    else if (app_registry_get(app_flow_proto(l->app))->flow_datagram)
        app_flow_datagram(l->app, dir, d, n, sink);
    else
        app_flow_feed(l->app, dir, d, n, sink);
}

/* Encrypted from here on (TLS application data, SSH after both NEWKEYS):
 * the detect stage inspects no more payload, as Suricata (app.h encrypted). */
static void check_encrypted(struct flow_l7 *l)
{
    if (l->df && l->app && app_flow_encrypted(l->app))
        detect_flow_no_payload(l->df);
}

/* Runs parser p on the flow from its first byte (e: the data connection it
 * was announced as, or NULL). */
static void app_start(struct l7_call *k, int p, const struct app_expect *e)
{
    struct flow_l7 *l = k->f->l7;
    struct worker *w = k->w;
    l->app_state = APPST_ON;
    if (k->f->key.proto != IPPROTO_TCP) {     /* UDP: per datagram, an app_flow only for a parser with a state per flow */
        const struct app_parser *ap = app_registry_get(p);
        if (app_udp_flow(p) || (k->f->key.proto == IPPROTO_UDP && ap && (ap->transports & APP_UDP_FLOW)))
            l->app = app_flow_new(p, &w->al, &w->as);   /* a parser with a state per UDP flow */
        struct app_sink sink = { on_tx, k, on_expect };
        for (uint32_t o = 0; o + 3 <= l->pend_len[0];) {     /* datagrams before the verdict */
            uint16_t n;
            memcpy(&n, l->pend[0] + o + 1, 2);
            udp_to_parser(w, l, p, l->pend[0][o], l->pend[0] + o + 3, n, &sink);
            o += 3u + n;
        }
        pending_free(l);
        return;
    }
    l->app = app_flow_new(p, &w->al, &w->as);
    if (e)
        app_flow_expect(l->app, e);
    struct app_sink sink = { on_tx, k, on_expect };
    for (int d = 0; d < 2; d++) {
        if (l->pend_len[d])
            app_flow_feed(l->app, d, l->pend[d], l->pend_len[d], &sink);
        if (l->pend_lost[d])
            app_flow_gap(l->app, d, l->pend_lost[d], &sink);
    }
    pending_free(l);
    check_encrypted(l);
}

static void on_chunk(void *ud, int dir, const uint8_t *data, uint32_t len, uint64_t off)
{
    struct l7_call *k = ud;
    struct flow_l7 *l = k->f->l7;
    struct detect_ctx c = k->c;
    struct detect_alert_cb cb = { on_alert, k };

    c.dir = dir;
    /* A parser that can tell encryption (TLS, SSH) reads the chunk first:
     * like Suricata, which parses a packet's data before inspecting it, a
     * chunk that starts the encrypted part is not inspected (a TLS 1.3
     * ServerHello and the encrypted records after it in one segment). */
    int first = l->app_state == APPST_ON && l->app && app_flow_can_encrypt(l->app);
    if (l->df && !first)
        detect_stream(k->w->dt, l->df, &c, data, len, off, &cb);
    if (l->app_state == APPST_ON && l->app) {
        struct app_sink sink = { on_tx, k, on_expect };
        app_flow_feed(l->app, dir, data, len, &sink);
        check_encrypted(l);
        if (l->df && first)
            detect_stream(k->w->dt, l->df, &c, data, len, off, &cb);
    } else if (l->app_state == APPST_WAIT) {
        uint32_t room = L7_PENDING_MAX - l->pend_len[dir];
        uint32_t n = len < room ? len : room;
        if (n) {
            pending_fit(l, dir, l->pend_len[dir] + n);
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
        struct app_sink sink = { on_tx, k, on_expect };
        app_flow_gap(l->app, dir, len, &sink);
    } else if (l->app_state == APPST_WAIT) {
        l->pend_lost[dir] += len;
    }
}

/* A datagram before the verdict (layout: struct flow_l7). */
static void udp_pending(struct flow_l7 *l, int dir, const uint8_t *data, uint32_t len)
{
    if (len > UDP_PENDING_MAX || 3u + len > UDP_PENDING_MAX - l->pend_len[0]) {
        l->pend_lost[0] += len;
        return;
    }
    uint8_t *np = realloc(l->pend[0], l->pend_len[0] + 3u + len);   /* exactly what is held */
    if (!np) {
        l->pend_lost[0] += len;
        return;
    }
    l->pend[0] = np;
    uint8_t *q = l->pend[0] + l->pend_len[0];
    uint16_t n = (uint16_t)len;
    q[0] = (uint8_t)dir;
    memcpy(q + 1, &n, 2);
    memcpy(q + 3, data, len);
    l->pend_len[0] += 3u + len;
}

static void fill_ctx(struct l7_call *k, const struct flow *f, const struct packet *p, int dir,
                     uint64_t ts)
{
    struct detect_ctx *c = &k->c;

    c->key = &f->key;
    c->p = p;
    c->dir = dir;
    c->established = f->pkts[0] && f->pkts[1] && (f->key.proto != IPPROTO_TCP || (f->tcp_seen[0] & TCP_ACK));
    c->no_session = 0;
    if (f->key.proto == IPPROTO_TCP && f->l7) {
        c->no_session = f->l7->sess != SESS_ON;
        if (c->no_session) {
            c->established = 0;
        } else if (f->l7->sess_est) {
            c->established = 1;
        } else if (p) {
            /* Suricata marks a packet established by the session's state
             * as it arrives: the ACK that completes the handshake (or the
             * first client packet that carries it) is not established yet */
            int now = c->established;
            c->established = f->l7->est_before;
            f->l7->est_before = (uint8_t)now;
        }
    }
    flow_app(f, &c->app, &k->parser);
    if (f->l7 && f->l7->rapp_expected)      /* rules on ftp-data see an announced flow */
        c->app = f->l7->rapp_expected;
    if (c->no_session)
        c->app = RAPP_NONE;             /* no session, no app layer for rules */
    c->tls_version = f->dpi.tls_version;
    c->ts_ns = ts;
    for (int d = 0; d < 2; d++)         /* sequence space used so far, the SYN counting one */
        c->stream_size[d] = f->l7 && f->l7->st.d[d].init ?
                            f->l7->st.d[d].offset + ((f->tcp_seen[d] & TCP_SYN) ? 1 : 0) : 0;
}

/* One TCP packet's effect on the session (see SESS_*). */
static void session_step(const struct worker *w, struct flow_l7 *l, int dir, uint8_t flags)
{
    int syn = (flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    int synack = (flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK);
    int mid = w->cfg->stream_midstream, oneside = w->cfg->stream_async_oneside;

    switch (l->sess) {
    case SESS_NEW:
    case SESS_NONE:
        if (syn) {
            l->sess = SESS_SYN_SENT;
            l->sess_dir = (uint8_t)dir;
        } else if (l->sess == SESS_NEW) {
            l->sess = (synack ? (mid || oneside) : mid) ? SESS_ON : SESS_NONE;
            l->sess_est = l->sess == SESS_ON && !synack;
        }
        break;
    case SESS_SYN_SENT:
        if (dir != l->sess_dir && synack) {
            l->sess = SESS_ON;
        } else if (dir == l->sess_dir && !syn && oneside && !(flags & TCP_RST)) {
            l->sess = SESS_ON;          /* the answer is on another path */
            l->sess_est = 1;
            l->sess_oneside = 1;
        }
        break;
    default:
        break;
    }
}

void worker_l7_packet(struct worker *w, struct flow *f, const struct packet *p, int to_server)
{
    if (f->l7_off)
        return;
    if (!f->l7) {
        /* Suricata 7 does not decode IPv4 in IPv4 nor GTP-U: its rules see
         * only the outer layer, so such an inner flow is not inspected (its
         * events stay) */
        int blind = (p->tun.type == TUNNEL_IPIP && p->tun.ipver == 4 && f->key.ipver == 4) ||
                    p->tun.type == TUNNEL_GTPU;
        struct detect_flow *df = w->dt && !blind ? detect_flow_new(w->dt) : NULL;
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

    if (f->key.proto == IPPROTO_TCP && p->ip.l4_ok)
        session_step(w, l, dir, p->ip.tcp_flags);
    fill_ctx(&k, f, p, dir, p->ts_ns);
    if (l->df) {
        int app_now = k.c.app;
        if (f->key.proto == IPPROTO_TCP && !l->sess_oneside)   /* one-sided: nothing to wait for */
            k.c.app = l->pkt_app;
        detect_packet(w->dt, l->df, &k.c, &cb);
        k.c.app = app_now;
        l->pkt_app = (uint8_t)app_now;
    }
    uint32_t len = p->ip.pl_len;
    if (p->ip.pl_off > p->len || len > p->len - p->ip.pl_off)
        len = 0;
    app_expected(&k, len);
    app_decide(&k);
    if (f->key.proto == IPPROTO_TCP && k.c.no_session) {
        /* no session: stream rules see this payload alone, nothing is reassembled */
        if (l->df && len && p->ip.l4_ok) {
            detect_stream(w->dt, l->df, &k.c, p->data + p->ip.pl_off, len, 0, &cb);
            detect_stream_gap(w->dt, l->df, dir);
        }
        if (!len && (p->ip.tcp_flags & TCP_SYN) && p->ip.l4_ok && !l->stream_off) {    /* where the stream starts */
            struct stream_cb scb = { on_chunk, on_gap, &k };
            stream_segment(&w->sc, &l->st, dir, p->ip.tcp_seq, p->ip.tcp_flags, NULL, 0, &scb);
        }
    } else if (f->key.proto == IPPROTO_TCP && p->ip.l4_ok && !l->stream_off) {
        struct stream_cb scb = { on_chunk, on_gap, &k };
        stream_segment(&w->sc, &l->st, dir, p->ip.tcp_seq, p->ip.tcp_flags,
                       p->data + p->ip.pl_off, len, &scb);
    } else if (f->key.proto == IPPROTO_UDP && l->app_state == APPST_ON && len) {
        struct app_sink sink = { on_tx, &k, on_expect };
        udp_to_parser(w, l, k.parser, dir, p->data + p->ip.pl_off, len, &sink);
    } else if (f->key.proto == IPPROTO_UDP && l->app_state == APPST_WAIT && len) {
        udp_pending(l, dir, p->data + p->ip.pl_off, len);
    }
    if (l->df)
        detect_packet_done(w->dt, l->df, &cb);  /* the packet's matches: order, pass, alerts */
    if (l->stream_off && !l->df) {              /* nothing left to do for this flow */
        stream_free(&w->sc, &l->st);
        free(l->facts);                         /* (none: no parser ran) */
        free(l);
        f->l7 = NULL;
        f->l7_off = 1;
    }
}

struct asset_facts *worker_l7_end(struct worker *w, struct flow *f)
{
    struct flow_l7 *l = f->l7;
    if (!l)
        return NULL;
    struct l7_call k = { .w = w, .f = f, .file_unit = -1 };
    struct stream_cb scb = { on_chunk, on_gap, &k };
    fill_ctx(&k, f, NULL, 0, f->last_ns);
    app_expected(&k, 0);                        /* announced while it ran? */
    app_decide(&k);                             /* dpi_finish has given its final verdict */
    stream_flush(&w->sc, &l->st, &scb);
    if (l->app) {
        struct app_sink sink = { on_tx, &k, on_expect };
        app_flow_end(l->app, &sink);
        app_flow_free(l->app);
    }
    if (l->df) {
        struct detect_alert_cb cb = { on_alert, &k };
        detect_packet_done(w->dt, l->df, &cb);
    }
    stream_free(&w->sc, &l->st);
    pending_free(l);
    detect_flow_free(w->dt, l->df);
    struct asset_facts *af = l->facts;
    free(l);
    f->l7 = NULL;
    return af;
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
