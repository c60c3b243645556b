/* app_smb_tx.c - the SMB parser's bookkeeping (app_smb_internal.h): the
 * transactions waiting for their responses (a table that starts at 16 slots
 * and doubles up to SMB_MAX_TX; beyond it the oldest unanswered one is
 * dropped, counted), the tree and file maps (tree id -> share, file id ->
 * name), names as Suricata keeps them, and DCE/RPC on named pipes.
 * Below app_smb1.c and app_smb2.c, which use it; it calls none of them.
 *
 * Ownership: all of it is the smb_state of one app_flow (one worker). */
#include <stdio.h>
#include <string.h>

#include "app_smb_internal.h"

/* ---------------------------------------------------------------- names */
void smb_ascii_name(const uint8_t *p, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i < n && p[i] && o + 1 < outsz; i++)
        out[o++] = (char)p[i];
    out[o] = 0;
}

/* UTF-16LE to what Suricata keeps: zero bytes dropped. Stops at a NUL
 * code unit. Invalid UTF-8 that results is left to the JSON writer. */
void smb_utf16_name(const uint8_t *p, size_t n, char *out, size_t outsz)
{
    size_t o = 0;
    for (size_t i = 0; i + 1 < n && o + 1 < outsz; i += 2) {
        if (!p[i] && !p[i + 1])
            break;
        if (p[i])
            out[o++] = (char)p[i];
        if (p[i + 1] && o + 1 < outsz)
            out[o++] = (char)p[i + 1];
    }
    out[o] = 0;
}

static void copy_str(char *dst, size_t dsz, const char *src)
{
    size_t n = strlen(src);
    if (n >= dsz)
        n = dsz - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* ---------------------------------------------------------------- maps */
struct smb_tree *smb_tree_get(struct smb_state *s, uint32_t tree_id)
{
    for (int i = 0; tree_id && i < SMB_MAX_TREES; i++)
        if (s->trees[i].tree_id == tree_id)
            return &s->trees[i];
    return NULL;
}

void smb_tree_set(struct smb_state *s, uint32_t tree_id, const char *share, int is_pipe)
{
    struct smb_tree *t = smb_tree_get(s, tree_id);
    for (int i = 0; !t && i < SMB_MAX_TREES; i++)
        if (!s->trees[i].tree_id)
            t = &s->trees[i];
    if (!t) {                           /* full: the first one goes */
        memmove(&s->trees[0], &s->trees[1], sizeof(s->trees[0]) * (SMB_MAX_TREES - 1));
        t = &s->trees[SMB_MAX_TREES - 1];
        s->ctr[SMB_C_DROPPED]++;
    }
    t->tree_id = tree_id;
    t->is_pipe = (uint8_t)is_pipe;
    copy_str(t->share, sizeof(t->share), share);
}

struct smb_file *smb_file_get(struct smb_state *s, const uint8_t *guid)
{
    for (int i = 0; i < SMB_MAX_FILES; i++)
        if (s->files[i].used && !memcmp(s->files[i].guid, guid, 16))
            return &s->files[i];
    return NULL;
}

struct smb_file *smb_file_set(struct smb_state *s, const uint8_t *guid, uint32_t tree_id,
                              const char *name, int is_pipe)
{
    struct smb_file *f = smb_file_get(s, guid);
    for (int i = 0; !f && i < SMB_MAX_FILES; i++)
        if (!s->files[i].used)
            f = &s->files[i];
    if (!f) {
        memmove(&s->files[0], &s->files[1], sizeof(s->files[0]) * (SMB_MAX_FILES - 1));
        f = &s->files[SMB_MAX_FILES - 1];
        s->ctr[SMB_C_DROPPED]++;
    }
    memset(f, 0, sizeof(*f));
    f->used = 1;
    memcpy(f->guid, guid, 16);
    f->tree_id = tree_id;
    f->is_pipe = (uint8_t)is_pipe;
    copy_str(f->name, sizeof(f->name), name);
    return f;
}

/* ---------------------------------------------------------------- transactions */
struct smb_tx *smb_tx_find(struct smb_state *s, int ver, uint64_t key)
{
    for (uint32_t i = 0; i < s->ntx; i++)
        if (s->tx[i].used && s->tx[i].ver == ver && s->tx[i].key == key)
            return &s->tx[i];
    return NULL;
}

static struct smb_tx *tx_free_slot(struct smb_state *s)
{
    for (uint32_t i = 0; i < s->ntx; i++)
        if (!s->tx[i].used)
            return &s->tx[i];
    return NULL;
}

struct smb_tx *smb_tx_new(struct smb_state *s, int ver, uint16_t cmd, uint64_t key, int type)
{
    struct smb_tx *t = tx_free_slot(s);
    if (!t && s->ntx < SMB_MAX_TX) {    /* full: the table doubles, up to its cap */
        uint32_t want = s->ntx ? s->ntx * 2 : 16;
        if (app_buf_reserve(s->st, &s->txmem, (size_t)want * sizeof(*t),
                            (size_t)SMB_MAX_TX * sizeof(*t)) == 0) {
            s->tx = (struct smb_tx *)(void *)s->txmem.d;
            memset(s->tx + s->ntx, 0, (size_t)(want - s->ntx) * sizeof(*t));
            s->ntx = want;
            t = tx_free_slot(s);
        }
    }
    if (!t) {                           /* never answered: the oldest is dropped unreported */
        t = &s->tx[0];
        for (uint32_t i = 1; i < s->ntx; i++)
            if (s->tx[i].id < t->id)
                t = &s->tx[i];
        s->ctr[SMB_C_DROPPED]++;
    }
    memset(t, 0, sizeof(*t));
    t->used = 1;
    t->id = s->next_id++;
    t->ver = (uint8_t)ver;
    t->cmd = cmd;
    t->key = key;
    t->type = (uint8_t)type;
    s->ctr[SMB_C_TX]++;
    return t;
}

void smb_file_bytes(struct smb_state *s, struct smb_tx *t, uint64_t off, const uint8_t *p,
                    size_t have, size_t len, const struct app_sink *sink)
{
    if (t->type != SMBT_FILE)
        return;
    if (!t->u.file.af && !t->u.file.next_off && off == 0)
        t->u.file.af = app_file_open(s->st, s->id, t->u.file.dir, (uint32_t)(t->id - 1),
                                     (const uint8_t *)t->u.file.name, strlen(t->u.file.name));
    struct app_file *af = t->u.file.af;
    if (!af)
        return;
    if (off > t->u.file.next_off) {     /* a hole (a read we did not see) */
        app_file_gap(af, (size_t)(off - t->u.file.next_off));
        t->u.file.next_off = off;
    }
    uint64_t skip = t->u.file.next_off - off;       /* bytes seen already */
    if (skip >= len)
        return;
    if (skip < have)
        app_file_data(af, p + skip, have - (size_t)skip, sink);
    if (len > have)
        app_file_gap(af, len - (skip > have ? (size_t)skip : have));
    t->u.file.next_off = off + len;
}

void smb_tx_done(struct smb_state *s, struct smb_tx *t, int dir, const struct txb *b,
                 const struct app_sink *sink)
{
    struct smb_ev ev = { t, s };
    struct txb none = { .n = 0 };
    t->resp_done = 1;
    /* A FILE tx ends at its CLOSE request (dir TOSERVER: the file is
     * CLOSED) or with the flow (dir TOCLIENT: TRUNCATED). */
    if (t->type == SMBT_FILE && t->u.file.af) {     /* fileinfo first, as Suricata */
        struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_SMB, .dir = (uint8_t)dir,
                                 .event = 1, .meta = &ev };
        app_file_close(t->u.file.af, dir == APP_DIR_TOSERVER ? APP_FILE_CLOSED : APP_FILE_TRUNCATED,
                       &parent, sink);
        t->u.file.af = NULL;
    }
    app_buf_emit(sink, s->id, TX_SMB, dir, 1, b ? b : &none, &ev);
    t->used = 0;
}

/* ---------------------------------------------------------------- named pipes */
/* DCE/RPC on a pipe: a bind, alter context or request opens a dcerpc tx
 * on the command that wrote it; the bind ack or response read back (by a
 * READ, or in the IOCTL's own response) completes it. Fragments of one
 * call are counted into the same tx by call id. */
static struct smb_tx *pipe_tx_by_call(struct smb_state *s, uint32_t call_id, int open_only)
{
    for (uint32_t i = 0; i < s->ntx; i++) {
        struct smb_tx *t = &s->tx[i];
        if (t->used && t->type == SMBT_DCERPC && t->u.dce.call_id == call_id &&
            (!open_only || !t->u.dce.res_set))
            return t;
    }
    return NULL;
}

void smb_pipe_data(struct smb_state *s, int dir, int ver, uint16_t cmd, uint64_t key,
                   uint64_t session_id, uint32_t tree_id, const uint8_t *p, size_t n,
                   const struct app_sink *sink)
{
    size_t off = 0;
    while (off < n) {
        struct dce_pdu d;
        if (dce_pdu_parse(p + off, n - off, &d) < 0) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
            return;
        }
        uint16_t ctx = 0, opnum = 0;
        const uint8_t *stub = NULL;
        size_t stub_len = 0;
        struct smb_tx *t = pipe_tx_by_call(s, d.call_id, 1);
        if (dir == APP_DIR_TOSERVER) {
            if (d.ptype == DCE_BIND || d.ptype == DCE_ALTER) {
                int dropped = 0;
                if (d.ptype == DCE_BIND)
                    s->nifaces = 0;
                int k = dce_bind_parse(&d, s->ifaces + s->nifaces, DCE_MAX_IFACES - s->nifaces,
                                       &dropped);
                s->nifaces += k > 0 ? k : 0;
                s->ctr[SMB_C_DROPPED] += (uint64_t)dropped;
            } else if (d.ptype == DCE_REQUEST) {
                if (dce_request_parse(&d, &ctx, &opnum, &stub, &stub_len) < 0)
                    s->ctr[SMB_C_PARSE_ERRORS]++;
            }
            if (!t && (d.ptype == DCE_BIND || d.ptype == DCE_ALTER || d.ptype == DCE_REQUEST)) {
                t = smb_tx_new(s, ver, cmd, key ^ 0x8000000000000000ULL, SMBT_DCERPC);
                t->session_id = session_id;
                t->tree_id = tree_id;
                t->u.dce.call_id = d.call_id;
                t->u.dce.req_set = 1;
                t->u.dce.req_cmd = d.ptype;
                t->u.dce.opnum = opnum;
                t->u.dce.ctx_id = ctx;
                s->stub[0].len = 0;
            }
            if (t && d.ptype == DCE_REQUEST) {
                t->u.dce.frag_ts++;
                t->u.dce.stub_ts += stub_len;
                if (stub_len)
                    (void)app_buf_append(s->st, &s->stub[0], stub,
                                         stub_len < DCE_STUB_MAX ? stub_len : DCE_STUB_MAX,
                                         DCE_STUB_MAX);
                if (d.flags & DCE_PFC_LAST) {
                    struct txb b = { .n = 0 };
                    if (s->lim->rule_bufs)
                        txb_add(&b, BUF_DCERPC_STUB_DATA, s->stub[0].d ? s->stub[0].d : (const uint8_t *)"",
                                s->stub[0].len);
                    struct smb_ev ev = { t, s };    /* the call so far (not an event) */
                    app_buf_emit(sink, s->id, TX_SMB, APP_DIR_TOSERVER, 0, &b, &ev);
                    s->stub[0].len = 0;
                }
            }
        } else if (t) {
            if (d.ptype == DCE_BINDACK || d.ptype == DCE_ALTER_RESP) {
                int acked = 0;
                for (int i = 0; i < s->nifaces; i++)
                    acked += s->ifaces[i].acked;
                (void)dce_bindack_parse(&d, s->ifaces + acked, s->nifaces - acked);
            } else if (d.ptype == DCE_RESPONSE) {
                if (dce_response_parse(&d, &ctx, &stub, &stub_len) < 0)
                    s->ctr[SMB_C_PARSE_ERRORS]++;
                t->u.dce.frag_tc++;
                t->u.dce.stub_tc += stub_len;
                if (stub_len)
                    (void)app_buf_append(s->st, &s->stub[1], stub,
                                         stub_len < DCE_STUB_MAX ? stub_len : DCE_STUB_MAX,
                                         DCE_STUB_MAX);
            }
            if (d.ptype != DCE_RESPONSE || (d.flags & DCE_PFC_LAST)) {
                struct txb b = { .n = 0 };
                if (d.ptype == DCE_RESPONSE && s->lim->rule_bufs)
                    txb_add(&b, BUF_DCERPC_STUB_DATA, s->stub[1].d ? s->stub[1].d : (const uint8_t *)"",
                            s->stub[1].len);
                t->u.dce.res_set = 1;
                t->u.dce.res_cmd = d.ptype;
                t->status = 0;
                t->have_status = 1;
                smb_tx_done(s, t, APP_DIR_TOCLIENT, &b, sink);
                s->stub[1].len = 0;
            }
        }
        if (d.frag_len == 0 || d.frag_len > n - off)
            break;
        off += d.frag_len;
    }
}

