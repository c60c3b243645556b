/* app.c - the app-layer dispatcher: an app_flow is one parser's entry and
 * its state; new/feed/gap/end/free and datagrams route through the entry's
 * functions, so this file names no parser. Also the default limits, the
 * counter look-up of app_stats and the table of the weaknesses parsers
 * report (TX_RISK names).
 *
 * Ownership: an app_flow belongs to one flow of one worker; no locks. */
#include <string.h>

#include "taishi/core/util.h"
#include "taishi/app/files.h"
#include "app_buf.h"

struct app_flow {
    const struct app_parser *p;
    int id;
    struct app_limits lim;
    struct app_stats *st;
    void *state;
};

void app_limits_default(struct app_limits *l)
{
    l->http_header_max = 32 * 1024;
    l->http_body_max = 64 * 1024;
    l->http_max_tx = 32;
    l->tls_record_max = 64 * 1024;
    l->dns_max_answers = 32;
    l->http_body_inspect = 1;
    l->rule_bufs = 1;
    l->tls_fingerprint = 1;
}

uint64_t app_stats_get(const struct app_stats *st, const char *parser, const char *counter)
{
    int id = app_registry_id(parser);
    const struct app_parser *p = app_registry_get(id);

    if (!p)
        return 0;
    for (int i = 0; p->counters[i] && i < APP_COUNTERS_MAX; i++)
        if (!strcmp(p->counters[i], counter))
            return st->counters[id - 1][i];
    return 0;
}

struct app_flow *app_flow_new(int id, const struct app_limits *lim, struct app_stats *stats)
{
    const struct app_parser *p = app_registry_get(id);

    if (!p || !(p->transports & APP_STATEFUL) || !stats)
        return NULL;
    struct app_flow *a = app_buf_alloc(stats, sizeof(*a));
    a->p = p;
    a->id = id;
    if (lim)
        a->lim = *lim;
    else
        app_limits_default(&a->lim);
    if (a->lim.http_max_tx == 0)
        a->lim.http_max_tx = 1;
    a->st = stats;
    a->state = p->create(&a->lim, stats, id);
    return a;
}

int app_flow_proto(const struct app_flow *a)
{
    return a ? a->id : 0;
}

int app_flow_encrypted(const struct app_flow *a)
{
    return a && a->p->encrypted && a->state ? a->p->encrypted(a->state) : 0;
}

int app_flow_can_encrypt(const struct app_flow *a)
{
    return a && a->p->encrypted;
}

void app_flow_feed(struct app_flow *a, int dir, const uint8_t *data, size_t len,
                   const struct app_sink *sink)
{
    if (!a || !len || !data)
        return;
    a->p->feed(a->state, dir ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER, data, len, sink);
    const char *next = a->p->handover ? a->p->handover(a->state) : NULL;
    int nid = next ? app_registry_id(next) : 0;
    const struct app_parser *np = app_registry_get(nid);
    if (np && (np->transports & APP_TCP) && nid != a->id) {
        /* The protocol changes here (SMTP after STARTTLS is TLS): the old
         * parser reports what it has, the new one parses from the next byte. */
        a->p->end(a->state, sink);
        a->p->destroy(a->state);
        a->p = np;
        a->id = nid;
        a->state = np->create(&a->lim, a->st, nid);
    }
}

void app_flow_gap(struct app_flow *a, int dir, size_t len, const struct app_sink *sink)
{
    if (!a || !len)
        return;
    a->st->gaps++;
    a->p->gap(a->state, dir ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER, len, sink);
}

void app_flow_end(struct app_flow *a, const struct app_sink *sink)
{
    if (a)
        a->p->end(a->state, sink);
}

void app_flow_free(struct app_flow *a)
{
    if (!a)
        return;
    a->p->destroy(a->state);
    app_buf_release(a->st, a, sizeof(*a));
}

void app_flow_expect(struct app_flow *a, const struct app_expect *e)
{
    if (a && a->p->expected)
        a->p->expected(a->state, e);
}

void app_flow_datagram(struct app_flow *a, int dir, const uint8_t *msg, size_t len,
                       const struct app_sink *sink)
{
    if (!a || !msg || !a->p->flow_datagram)
        return;
    a->p->flow_datagram(a->state, dir ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER, msg, len, sink);
}

int app_udp_flow(int id)
{
    const struct app_parser *p = app_registry_get(id);
    return p && (p->transports & APP_UDP) && (p->transports & APP_TCP) && p->flow_datagram;
}

void app_datagram(int id, const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                  struct app_stats *stats, const struct app_sink *sink)
{
    const struct app_parser *p = app_registry_get(id);
    struct app_limits def;

    if (!p || !p->datagram || !msg || !stats)
        return;
    if (!lim) {
        app_limits_default(&def);
        lim = &def;
    }
    p->datagram(msg, len, dir ? APP_DIR_TOCLIENT : APP_DIR_TOSERVER, lim, stats, id, sink);
}

void app_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_parser *p = app_registry_get(tx->proto);
    if (p && tx->meta && tx->kind == TX_RISK) {
        app_risk_body(w, tx);
        return;
    }
    if (tx->kind == TX_ASSET) {             /* no event of its own; for tests and tools: */
        const struct app_asset_meta *m = tx->meta;  /* "asset":{"smb":{"dialect":"3.02"}} */
        if (!m || !m->object || !m->key)
            return;
        jw_kobj(w, "asset");
        jw_kobj(w, m->host ? "host" : m->object);
        if (m->host) {
            jw_key(w, "ip");
            jw_ip(w, m->ip, m->ipver);
            jw_key(w, "confirmed");
            jw_bool(w, m->num != 0);
            app_buf_kstr(w, "hostname", m->value && m->value[0] ? m->value : NULL);
        } else if (m->value) {
            jw_kstr(w, m->key, m->value);
        } else {
            jw_key(w, m->key);
            jw_i64(w, m->num);
        }
        jw_obj_end(w);
        jw_obj_end(w);
        return;
    }
    if (tx->kind == TX_FILE) {              /* a file of any parser: fileinfo */
        const struct app_file_meta *m = tx->meta;
        const struct app_tx *pt = m ? m->parent : NULL;
        const struct app_parser *pp = pt ? app_registry_get(pt->proto) : NULL;
        if (pp && pt->meta && pt->kind != TX_FILE)
            pp->event_body(w, pt);          /* the parent's object: "http":{...} */
        if (m)
            app_file_event_body(w, tx);
        return;
    }
    if (p && tx->meta)
        p->event_body(w, tx);
}

/* The weaknesses the parsers report (README "risk" says what triggers each). */
static const char *const app_risks[] = {
    "snmp_default_community", "smb1_in_use", "smb_signing_disabled", "krb5_weak_encryption",
    "mqtt_cleartext_credentials", "ftp_cleartext_credentials", "rdp_no_nla",
    "ike_aggressive_psk", "ike_weak_crypto",
};

int app_risk_count(void)
{
    return (int)(sizeof(app_risks) / sizeof(app_risks[0]));
}

const char *app_risk_name(int i)
{
    return i >= 0 && i < app_risk_count() ? app_risks[i] : NULL;
}

int app_risk_index(const char *name)
{
    for (int i = 0; name && i < app_risk_count(); i++)
        if (!strcmp(app_risks[i], name))
            return i;
    return -1;
}

void app_risk_body(struct jw *w, const struct app_tx *tx)
{
    const struct app_risk_meta *m = tx->meta;
    const struct app_parser *p = app_registry_get(tx->proto);
    jw_kobj(w, "risk");
    jw_kstr(w, "source", "app");
    jw_kstr(w, "protocol", p ? p->name : "?");
    jw_karr(w, "names");
    jw_str(w, m->name);
    jw_arr_end(w);
    app_buf_kstr(w, "detail", m->detail);
    jw_obj_end(w);
}

const char *app_event_type(const struct app_tx *tx)
{
    if (tx->kind == TX_FILE)
        return "fileinfo";
    const struct app_parser *p = app_registry_get(tx->proto);
    return p ? p->event_type : "app";
}
