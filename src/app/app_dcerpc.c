/* app_dcerpc.c - DCE/RPC connection-oriented PDUs (DCE 1.1 RPC chapter 12,
 * MS-RPCE 2.2.2): the PDU reader the smb parser uses on named pipes, and
 * the dcerpc parser for DCE/RPC over TCP (the endpoint mapper on 135 and
 * the dynamic ports it hands out; nDPI names both DCE_RPC).
 *
 * Over TCP each direction is a sequence of PDUs, each saying its own
 * length (frag_length, at most 65535): a PDU is collected whole (the one
 * buffer per direction never exceeds 64 KiB), then read. Transactions as
 * Suricata 7.0.10 makes them: a bind (or alter context) and its bind ack,
 * a request (all its fragments, by call id) and its response (all its
 * fragments); the completion writes the dcerpc event
 *   dcerpc{request, interfaces[{uuid, version, ack_result}] | req{opnum,
 *          frag_cnt, stub_data_size}, response, res{...}, call_id,
 *          rpc_version}
 * The stub of each request and response is the dcerpc.stub_data buffer
 * (the first DCE_STUB_MAX bytes of it). A PDU that is not version 5.0, or a
 * gap, ends the direction (counted).
 *
 * Ownership: dce_state belongs to one app_flow of one worker; the PDU
 * readers keep nothing. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "app_smb_internal.h"

/* ---------------------------------------------------------------- PDU reader */
static uint16_t rd16(const struct dce_pdu *d, const uint8_t *p)
{
    return d->little ? (uint16_t)(p[0] | p[1] << 8) : (uint16_t)(p[0] << 8 | p[1]);
}
static uint32_t rd32(const struct dce_pdu *d, const uint8_t *p)
{
    return d->little ? smb_le32(p) :
           (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int dce_pdu_parse(const uint8_t *p, size_t n, struct dce_pdu *d)
{
    if (n < 16 || p[0] != 5 || p[1] != 0)
        return -1;
    memset(d, 0, sizeof(*d));
    d->ptype = p[2];
    d->flags = p[3];
    d->little = (p[4] & 0x10) != 0;
    d->frag_len = rd16(d, p + 8);
    d->auth_len = rd16(d, p + 10);
    d->call_id = rd32(d, p + 12);
    if (d->frag_len < 16)
        return -1;
    size_t end = d->frag_len < n ? d->frag_len : n;
    size_t trailer = d->auth_len ? (size_t)d->auth_len + 8 : 0;
    d->body = p + 16;
    d->body_len = end - 16;
    if (trailer && d->frag_len >= 16 + trailer && end > (size_t)d->frag_len - trailer)
        d->body_len = d->frag_len - trailer - 16;
    return 0;
}

int dce_bind_parse(const struct dce_pdu *d, struct dce_iface *ifs, int max, int *dropped)
{
    const uint8_t *b = d->body;
    size_t n = d->body_len, off = 12;
    if (n < 12)
        return -1;
    int nctx = b[8], k = 0;
    for (int i = 0; i < nctx; i++) {
        if (!SMB_HAVE(n, off, 24))
            break;
        uint8_t nts = b[off + 2];
        if (k < max) {
            struct dce_iface *f = &ifs[k++];
            memset(f, 0, sizeof(*f));
            f->ctx_id = rd16(d, b + off);
            memcpy(f->uuid, b + off + 4, 16);
            f->ver = rd16(d, b + off + 20);
            f->ver_min = rd16(d, b + off + 22);
        } else {
            (*dropped)++;
        }
        off += 24 + 20u * nts;
    }
    return k;
}

int dce_bindack_parse(const struct dce_pdu *d, struct dce_iface *ifs, int nifs)
{
    const uint8_t *b = d->body;
    size_t n = d->body_len;
    if (n < 10)
        return -1;
    size_t off = 10 + rd16(d, b + 8);
    off += (4 - ((16 + off) & 3)) & 3;          /* aligned on 4 from the PDU's start */
    if (!SMB_HAVE(n, off, 4))
        return -1;
    int nres = b[off];
    off += 4;
    for (int i = 0; i < nres && i < nifs && SMB_HAVE(n, off, 24); i++, off += 24) {
        ifs[i].ack_result = rd16(d, b + off);
        ifs[i].ack_reason = rd16(d, b + off + 2);
        ifs[i].acked = 1;
    }
    return 0;
}

int dce_request_parse(const struct dce_pdu *d, uint16_t *ctx, uint16_t *opnum,
                      const uint8_t **stub, size_t *stub_len)
{
    size_t hdr = 8 + ((d->flags & 0x80) ? 16 : 0);      /* PFC_OBJECT_UUID */
    if (d->body_len < hdr)
        return -1;
    *ctx = rd16(d, d->body + 4);
    *opnum = rd16(d, d->body + 6);
    *stub = d->body + hdr;
    *stub_len = d->body_len - hdr;
    return 0;
}

int dce_response_parse(const struct dce_pdu *d, uint16_t *ctx, const uint8_t **stub,
                       size_t *stub_len)
{
    if (d->body_len < 8)
        return -1;
    *ctx = rd16(d, d->body + 4);
    *stub = d->body + 8;
    *stub_len = d->body_len - 8;
    return 0;
}

const char *dce_type_string(int t)
{
    static const char *const n[] = {
        "REQUEST", "PING", "RESPONSE", "FAULT", "WORKING", "NOCALL", "REJECT", "ACK",
        "CL_CANCEL", "FACK", "CANCEL_ACK", "BIND", "BINDACK", "BINDNAK", "ALTER_CONTEXT",
        "ALTER_CONTEXT_RESP", "AUTH3", "SHUTDOWN", "CO_CANCEL", "ORPHANED",
    };
    return t >= 0 && t < (int)(sizeof(n) / sizeof(n[0])) ? n[t] : "UNKNOWN";
}

void dce_uuid_string(const uint8_t u[16], char *buf)
{
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6], u[8], u[9], u[10], u[11], u[12],
             u[13], u[14], u[15]);
}

/* ---------------------------------------------------------------- the TCP parser */
#define DCE_MAX_TX 16

struct dce_tx {
    uint32_t call_id;
    uint8_t used, req_cmd, res_cmd, res_set;
    uint16_t opnum, ctx_id;
    uint32_t frag_ts, frag_tc;
    uint64_t stub_ts, stub_tc;
    uint8_t rpc_major, rpc_minor;
};

struct dce_dir {
    struct abuf pdu;
    uint8_t dead;
};

enum { DCE_C_PDUS, DCE_C_TX, DCE_C_PARSE_ERRORS, DCE_C_DROPPED };

struct dce_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    const struct app_limits *lim;
    struct dce_dir d[2];
    struct dce_tx tx[DCE_MAX_TX];
    struct dce_iface ifaces[DCE_MAX_IFACES];
    int nifaces;
    struct abuf stub[2];
};

struct dce_ev {
    const struct dce_tx *tx;
    const struct dce_state *s;
};

static void *dce_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct dce_state *s = app_buf_alloc(st, sizeof(*s));
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    s->lim = lim;
    return s;
}

static struct dce_tx *dtx_get(struct dce_state *s, uint32_t call_id, int create)
{
    struct dce_tx *free_ = NULL;
    for (int i = 0; i < DCE_MAX_TX; i++) {
        if (s->tx[i].used && s->tx[i].call_id == call_id)
            return &s->tx[i];
        if (!s->tx[i].used && !free_)
            free_ = &s->tx[i];
    }
    if (!create)
        return NULL;
    if (!free_) {                       /* never answered: the first one goes */
        free_ = &s->tx[0];
        s->ctr[DCE_C_DROPPED]++;
    }
    memset(free_, 0, sizeof(*free_));
    free_->used = 1;
    free_->call_id = call_id;
    s->ctr[DCE_C_TX]++;
    return free_;
}

static void stub_keep(struct dce_state *s, int dir, const uint8_t *p, size_t n)
{
    if (n && s->stub[dir].len < DCE_STUB_MAX) {
        size_t room = DCE_STUB_MAX - s->stub[dir].len;
        (void)app_buf_append(s->st, &s->stub[dir], p, n < room ? n : room, DCE_STUB_MAX);
    }
}

static void stub_emit(struct dce_state *s, int dir, struct dce_tx *t, int event,
                      const struct app_sink *sink)
{
    struct txb b = { .n = 0 };
    struct dce_ev ev = { t, s };
    if (s->lim->rule_bufs && (t->req_cmd == DCE_REQUEST))
        txb_add(&b, BUF_DCERPC_STUB_DATA, s->stub[dir].d ? s->stub[dir].d : (const uint8_t *)"",
                s->stub[dir].len);
    app_buf_emit(sink, s->id, TX_DCERPC, dir, event, &b, &ev);
    s->stub[dir].len = 0;
}

static void dce_pdu(struct dce_state *s, int dir, const uint8_t *p, size_t n,
                    const struct app_sink *sink)
{
    struct dce_pdu d;
    uint16_t ctx = 0, opnum = 0;
    const uint8_t *stub;
    size_t stub_len;

    s->ctr[DCE_C_PDUS]++;
    if (dce_pdu_parse(p, n, &d) < 0) {
        s->ctr[DCE_C_PARSE_ERRORS]++;
        return;
    }
    if (dir == APP_DIR_TOSERVER) {
        switch (d.ptype) {
        case DCE_BIND:
        case DCE_ALTER: {
            int dropped = 0;
            if (d.ptype == DCE_BIND)
                s->nifaces = 0;
            int k = dce_bind_parse(&d, s->ifaces + s->nifaces, DCE_MAX_IFACES - s->nifaces, &dropped);
            if (k < 0)
                s->ctr[DCE_C_PARSE_ERRORS]++;
            s->nifaces += k > 0 ? k : 0;
            s->ctr[DCE_C_DROPPED] += (uint64_t)dropped;
            struct dce_tx *t = dtx_get(s, d.call_id, 1);
            t->req_cmd = d.ptype;
            t->rpc_major = p[0];
            t->rpc_minor = p[1];
            break;
        }
        case DCE_REQUEST: {
            if (dce_request_parse(&d, &ctx, &opnum, &stub, &stub_len) < 0) {
                s->ctr[DCE_C_PARSE_ERRORS]++;
                return;
            }
            struct dce_tx *t = dtx_get(s, d.call_id, 1);
            if (!t->frag_ts) {
                t->req_cmd = DCE_REQUEST;
                t->opnum = opnum;
                t->ctx_id = ctx;
                t->rpc_major = p[0];
                t->rpc_minor = p[1];
            }
            t->frag_ts++;
            t->stub_ts += stub_len;
            stub_keep(s, 0, stub, stub_len);
            if (d.flags & DCE_PFC_LAST)
                stub_emit(s, 0, t, 0, sink);
            break;
        }
        default:
            break;
        }
        return;
    }
    struct dce_tx *t = dtx_get(s, d.call_id, 0);
    if (!t)
        return;                         /* its request was not seen */
    switch (d.ptype) {
    case DCE_BINDACK:
    case DCE_ALTER_RESP:
    case DCE_BINDNAK: {
        int acked = 0;
        for (int i = 0; i < s->nifaces; i++)
            acked += s->ifaces[i].acked;
        if (d.ptype != DCE_BINDNAK && dce_bindack_parse(&d, s->ifaces + acked, s->nifaces - acked) < 0)
            s->ctr[DCE_C_PARSE_ERRORS]++;
        t->res_cmd = d.ptype;
        t->res_set = 1;
        stub_emit(s, 1, t, 1, sink);
        t->used = 0;
        break;
    }
    case DCE_RESPONSE:
    case DCE_FAULT:
        if (d.ptype == DCE_RESPONSE && dce_response_parse(&d, &ctx, &stub, &stub_len) == 0) {
            t->frag_tc++;
            t->stub_tc += stub_len;
            stub_keep(s, 1, stub, stub_len);
        }
        if (d.ptype == DCE_FAULT || (d.flags & DCE_PFC_LAST)) {
            t->res_cmd = d.ptype;
            t->res_set = 1;
            stub_emit(s, 1, t, 1, sink);
            t->used = 0;
        }
        break;
    default:
        break;
    }
}

static void dce_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct dce_state *s = state;
    struct dce_dir *d = &s->d[dir];

    while (n && !d->dead) {
        size_t need = 16;
        if (d->pdu.len >= 10) {
            const uint8_t *h = d->pdu.d;
            if (h[0] != 5 || h[1] != 0) {
                d->dead = 1;
                s->ctr[DCE_C_PARSE_ERRORS]++;
                break;
            }
            need = (h[4] & 0x10) ? (size_t)(h[8] | h[9] << 8) : (size_t)(h[8] << 8 | h[9]);
            if (need < 16) {
                d->dead = 1;
                s->ctr[DCE_C_PARSE_ERRORS]++;
                break;
            }
        }
        size_t take = need - d->pdu.len;
        if (d->pdu.len < 10 && take > 10 - d->pdu.len)
            take = 10 - d->pdu.len;     /* the length first */
        if (take > n)
            take = n;
        if (app_buf_append(s->st, &d->pdu, p, take, 65536) < 0) {
            d->dead = 1;
            break;
        }
        p += take;
        n -= take;
        if (d->pdu.len >= 16 && d->pdu.len == need) {
            dce_pdu(s, dir, d->pdu.d, d->pdu.len, sk);
            d->pdu.len = 0;
        }
    }
}

static void dce_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct dce_state *s = state;
    (void)n;
    (void)sk;
    s->d[dir].dead = 1;
    s->ctr[DCE_C_PARSE_ERRORS]++;
}

static void dce_end(void *state, const struct app_sink *sk)
{
    (void)state;
    (void)sk;                           /* unanswered calls are not reported (as Suricata) */
}

static void dce_destroy(void *state)
{
    struct dce_state *s = state;
    if (!s)
        return;
    for (int d = 0; d < 2; d++) {
        app_buf_free(s->st, &s->d[d].pdu);
        app_buf_free(s->st, &s->stub[d]);
    }
    app_buf_release(s->st, s, sizeof(*s));
}

static void dce_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct dce_ev *ev = tx->meta;
    const struct dce_tx *t = ev->tx;
    const struct dce_state *s = ev->s;
    char v[16];

    jw_kobj(w, "dcerpc");
    jw_kstr(w, "request", dce_type_string(t->req_cmd));
    if (t->req_cmd == DCE_BIND || t->req_cmd == DCE_ALTER) {
        jw_karr(w, "interfaces");
        for (int i = 0; i < s->nifaces; i++) {
            char u[40];
            dce_uuid_string(s->ifaces[i].uuid, u);
            snprintf(v, sizeof(v), "%u.%u", s->ifaces[i].ver, s->ifaces[i].ver_min);
            jw_obj_begin(w);
            jw_kstr(w, "uuid", u);
            jw_kstr(w, "version", v);
            if (s->ifaces[i].acked)
                jw_ku64(w, "ack_result", s->ifaces[i].ack_result);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    } else if (t->req_cmd == DCE_REQUEST) {
        jw_kobj(w, "req");
        jw_ku64(w, "opnum", t->opnum);
        jw_ku64(w, "frag_cnt", t->frag_ts);
        jw_ku64(w, "stub_data_size", t->stub_ts);
        jw_obj_end(w);
    }
    jw_kstr(w, "response", t->res_set ? dce_type_string(t->res_cmd) : "UNREPLIED");
    if (t->res_set && t->res_cmd == DCE_RESPONSE) {
        jw_kobj(w, "res");
        jw_ku64(w, "frag_cnt", t->frag_tc);
        jw_ku64(w, "stub_data_size", t->stub_tc);
        jw_obj_end(w);
    }
    jw_ku64(w, "call_id", t->call_id);
    snprintf(v, sizeof(v), "%u.%u", t->rpc_major, t->rpc_minor);
    jw_kstr(w, "rpc_version", v);
    jw_obj_end(w);
}

/* Integer keywords (app.h struct app_int_kw), on a call's request and
 * response transactions (Suricata 7.0.10 inspects its tx in both
 * directions: one alert at the request, one at the response), over
 * TCP here and on SMB named pipes (app_smb_tx.c: a TX_SMB of an SMBT_DCERPC
 * call, at its request's last fragment): dcerpc.opnum, and dcerpc.iface,
 * the interface the request's context id names among those the bind ack
 * of the same connection or pipe accepted. */
struct dce_kw_call {
    uint16_t opnum, ctx_id;
    uint32_t frag_ts;
    const struct dce_iface *ifs;
    int nifs;
};
static int dce_kw_req(const struct app_tx *tx, struct dce_kw_call *c)
{
    if (!tx->meta)
        return 0;
    if (tx->kind == TX_DCERPC) {
        const struct dce_ev *ev = tx->meta;
        if (!ev->tx || ev->tx->req_cmd != DCE_REQUEST)
            return 0;
        *c = (struct dce_kw_call){ ev->tx->opnum, ev->tx->ctx_id, ev->tx->frag_ts, ev->s->ifaces,
                                   ev->s->nifaces };
        return 1;
    }
    if (tx->kind == TX_SMB) {
        const struct smb_ev *ev = tx->meta;
        if (!ev->tx || ev->tx->type != SMBT_DCERPC || ev->tx->u.dce.req_cmd != DCE_REQUEST)
            return 0;
        *c = (struct dce_kw_call){ ev->tx->u.dce.opnum, ev->tx->u.dce.ctx_id, ev->tx->u.dce.frag_ts,
                                   ev->s->ifaces, ev->s->nifaces };
        return 1;
    }
    return 0;
}
static unsigned dce_kw_opnum(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    struct dce_kw_call c;
    if (!max || !dce_kw_req(tx, &c))
        return 0;
    v[0] = c.opnum;
    return 1;
}
static unsigned dce_kw_iface(const struct app_tx *tx, struct app_dce_iface *out, unsigned max)
{
    static const uint8_t text_order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
    struct dce_kw_call c;
    unsigned n = 0;
    if (!dce_kw_req(tx, &c))
        return 0;
    for (int i = 0; i < c.nifs && i < DCE_MAX_IFACES && n < max; i++) {
        const struct dce_iface *f = &c.ifs[i];
        if (!f->acked || f->ack_result != 0 || f->ctx_id != c.ctx_id)
            continue;
        for (int k = 0; k < 16; k++)
            out[n].uuid[k] = f->uuid[text_order[k]];
        out[n].ver = f->ver;
        out[n].first_frag = 1;          /* the whole request, its first fragment too */
        n++;
    }
    return n;
}
static const struct app_int_kw dce_kw_opnum_def = {
    .get = dce_kw_opnum, .syntax = AI_LIST, .max = 0xffffffffu, .opts = AIO_NO_SPACE, .also = "smb" };
static const struct app_int_kw dce_kw_iface_def = {
    .get_iface = dce_kw_iface, .syntax = AI_DCE_IFACE, .also = "smb" };

static const struct app_keyword dce_keywords[] = {
    APP_STICKY("dcerpc.stub_data", BUF_DCERPC_STUB_DATA),
    APP_STICKY("dce_stub_data", BUF_DCERPC_STUB_DATA),
    APP_INT("dcerpc.opnum", &dce_kw_opnum_def),
    APP_INT("dce_opnum", &dce_kw_opnum_def),
    APP_INT("dcerpc.iface", &dce_kw_iface_def),
    APP_INT("dce_iface", &dce_kw_iface_def),
    APP_KEYWORDS_END,
};

const struct app_parser app_dcerpc_parser = {
    .name = "dcerpc", .rule_proto = "dcerpc", .event_type = "dcerpc", .event_id = 15,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_DCERPC, 0 },
    .counters = (const char *const[]){ "pdus", "tx", "parse_errors", "dropped", NULL },
    .keywords = dce_keywords,
    .create = dce_create, .feed = dce_feed, .gap = dce_gap, .end = dce_end,
    .destroy = dce_destroy,
    .event_body = dce_event_body,
};
