/* app_smb.c - SMB over TCP (445, and 139 with its NetBIOS session service
 * messages): the NetBIOS framing, the transactions, named pipes carrying
 * DCE/RPC, and the smb event as Suricata 7.0.10 writes it.
 *
 * Framing (RFC 1002 4.3): each direction is a sequence of 4-byte headers
 * (type, 17-bit length) and messages. Session messages (type 0) hold one
 * SMB1 or SMB2/3 message (or an SMB2 compound chain); the other types
 * (session request/response, keep-alive) carry no SMB. The first
 * SMB_KEEP_MAX bytes of a message are kept and parsed once it is complete;
 * a longer one (a large READ or WRITE) is parsed from that prefix and
 * counted as cut. A gap, or a header that makes no sense (a type that
 * does not exist, a session message that is neither SMB1 nor SMB2/3),
 * ends the direction (counted).
 *
 * Transactions, as Suricata makes them: a request opens one (keyed by its
 * message id), its response completes it, and the completion is the smb
 * event (one per command). A request whose response never comes stays in
 * the table (SMB_MAX_TX; the oldest is dropped, counted) and is not
 * reported, as Suricata does not report it. Commands on a named pipe whose
 * data is DCE/RPC (WRITE/READ, IOCTL FSCTL_PIPE_TRANSCEIVE) become one
 * dcerpc transaction per request/response pair, reported in the smb event
 * of the command that carried the request ("dcerpc":{...}). Reads and
 * writes of a file become one FILE transaction per file, reported when the
 * file is closed (or the flow ends).
 *
 * Rule buffers: smb.share and smb.named_pipe (the tree connect's share,
 * to server) and dcerpc.stub_data (the stub of each DCE/RPC request and
 * response on a pipe).
 *
 * Assets and risks (smb_learned): after a message that taught something
 * (s->learn), the server's dialect, signing (required / enabled /
 * disabled) and, from an NTLMSSP challenge's target info, its NetBIOS and
 * DNS computer and domain names, and an SMB1 session setup response's
 * native OS and LAN manager go out as TX_ASSET facts (object "smb");
 * an SMB1 command other than negotiate, or a server answering a negotiate
 * in SMB1, is the risk smb1_in_use (detail: the dialect chosen or the
 * command), and a negotiate response with neither signing bit set is
 * smb_signing_disabled (detail: the dialect). An SMB1 negotiate request
 * alone (the multi-protocol negotiate that then goes on in SMB2) is not.
 *
 * Ownership: smb_state belongs to one app_flow of one worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "app_smb_internal.h"

static void *smb_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct smb_state *s = app_buf_alloc(st, sizeof(*s));
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    s->lim = lim;
    s->next_id = 1;
    return s;
}

/* ---------------------------------------------------------------- assets, risks */
static void smb_fact(const struct smb_state *s, const char *key, const char *v,
                     const struct app_sink *sink)
{
    struct app_asset_meta a = { .object = "smb", .key = key, .value = v };
    if (v[0])
        app_buf_emit(sink, s->id, TX_ASSET, APP_DIR_TOCLIENT, 0, NULL, &a);
}

/* What the last message taught (s->learn): the server's dialect, signing
 * and names as TX_ASSET facts; SMB1 in use and signing disabled as
 * TX_RISK (the worker writes each once per flow). */
static void smb_learned(struct smb_state *s, const struct app_sink *sink)
{
    char b[8];
    if (s->learn & SMB_LEARN_NEG) {
        smb_fact(s, "dialect", s->dialect2 ? smb2_dialect_string(s->dialect2, b) : s->dialect1,
                 sink);
        smb_fact(s, "signing", (s->signing & SMB_SIGN_REQUIRED) ? "required" :
                               (s->signing & SMB_SIGN_ENABLED) ? "enabled" : "disabled", sink);
        if (!s->signing) {
            struct app_risk_meta r = { "smb_signing_disabled",
                                       s->dialect2 ? smb2_dialect_string(s->dialect2, b) :
                                       s->dialect1 };
            app_buf_emit(sink, s->id, TX_RISK, APP_DIR_TOCLIENT, 1, NULL, &r);
        }
    }
    if (s->learn & SMB_LEARN_NTLM) {
        smb_fact(s, "server_name", s->nb_computer[0] ? s->nb_computer : s->dns_computer, sink);
        smb_fact(s, "dns_name", s->dns_computer, sink);
        smb_fact(s, "domain", s->nb_domain, sink);
        smb_fact(s, "dns_domain", s->dns_domain, sink);
    }
    if (s->learn & SMB_LEARN_OS) {
        smb_fact(s, "native_os", s->native_os, sink);
        smb_fact(s, "native_lm", s->native_lm, sink);
    }
    if ((s->learn & SMB_LEARN_SMB1) && !s->smb1_told) {
        struct app_risk_meta r = { "smb1_in_use", s->smb1_use };
        s->smb1_told = 1;
        app_buf_emit(sink, s->id, TX_RISK, APP_DIR_TOCLIENT, 1, NULL, &r);
    }
    s->learn = 0;
}

/* ---------------------------------------------------------------- framing */
static void smb_message(struct smb_state *s, int dir, const uint8_t *p, size_t n, int cut,
                        const struct app_sink *sink)
{
    s->ctr[SMB_C_MESSAGES]++;
    if (cut)
        s->ctr[SMB_C_CUT]++;
    if (n >= 4 && p[0] == 0xfe && !memcmp(p + 1, "SMB", 3))
        smb2_message(s, dir, p, n, cut, sink);
    else if (n >= 4 && p[0] == 0xff && !memcmp(p + 1, "SMB", 3))
        smb1_message(s, dir, p, n, cut, sink);
    else if (n >= 4 && (p[0] == 0xfd || p[0] == 0xfc) && !memcmp(p + 1, "SMB", 3))
        ;                               /* SMB3 encrypted or compressed: opaque */
    else
        s->ctr[SMB_C_PARSE_ERRORS]++;
    if (s->learn)
        smb_learned(s, sink);
}

static void smb_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct smb_state *s = state;
    struct smb_dir *d = &s->d[dir];

    while (n && !d->dead) {
        if (d->hdr_len < 4) {
            d->hdr[d->hdr_len++] = *p++;
            n--;
            if (d->hdr_len < 4)
                continue;
            uint8_t type = d->hdr[0];
            if (type != 0x00 && type != 0x81 && type != 0x82 && type != 0x83 &&
                type != 0x84 && type != 0x85) {
                d->dead = 1;            /* not NetBIOS session service */
                s->ctr[SMB_C_PARSE_ERRORS]++;
                break;
            }
            d->msg_len = (uint32_t)(d->hdr[1] & 1) << 16 | (uint32_t)d->hdr[2] << 8 | d->hdr[3];
            d->msg_seen = 0;
            d->keep.len = 0;
            if (d->msg_len == 0)
                d->hdr_len = 0;
            continue;
        }
        size_t take = d->msg_len - d->msg_seen;
        if (take > n)
            take = n;
        if (d->hdr[0] == 0x00 && d->msg_seen < SMB_KEEP_MAX) {
            size_t k = SMB_KEEP_MAX - d->msg_seen;
            if (k > take)
                k = take;
            (void)app_buf_append(s->st, &d->keep, p, k, SMB_KEEP_MAX);
        }
        d->msg_seen += (uint32_t)take;
        p += take;
        n -= take;
        if (d->msg_seen == d->msg_len) {
            if (d->hdr[0] == 0x00)
                smb_message(s, dir, d->keep.d, d->keep.len, d->msg_len > d->keep.len, sk);
            d->hdr_len = 0;
            d->keep.len = 0;
        }
    }
}

static void smb_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct smb_state *s = state;
    (void)n;
    (void)sk;
    s->d[dir].dead = 1;
    s->ctr[SMB_C_PARSE_ERRORS]++;
}

/* The flow ends: files still open are reported (their FILE tx), as
 * Suricata closes them at the end of the flow. */
static void smb_end(void *state, const struct app_sink *sk)
{
    struct smb_state *s = state;
    for (uint32_t pass = 0; pass < s->ntx; pass++) {
        struct smb_tx *best = NULL;
        for (uint32_t i = 0; i < s->ntx; i++)
            if (s->tx[i].used && s->tx[i].type == SMBT_FILE && (!best || s->tx[i].id < best->id))
                best = &s->tx[i];
        if (!best)
            break;
        smb_tx_done(s, best, APP_DIR_TOCLIENT, NULL, sk);  /* TOCLIENT: the file is TRUNCATED */
    }
}

static void smb_destroy(void *state)
{
    struct smb_state *s = state;
    if (!s)
        return;
    for (uint32_t i = 0; i < s->ntx; i++)     /* freed mid-flow: files end without an event */
        if (s->tx[i].used && s->tx[i].type == SMBT_FILE && s->tx[i].u.file.af)
            app_file_close(s->tx[i].u.file.af, APP_FILE_TRUNCATED, NULL, NULL);
    for (int d = 0; d < 2; d++) {
        app_buf_free(s->st, &s->d[d].keep);
        app_buf_free(s->st, &s->stub[d]);
    }
    app_buf_free(s->st, &s->txmem);
    app_buf_release(s->st, s, sizeof(*s));
}

/* ---------------------------------------------------------------- the event */
/* Suricata's GUID text: bytes 3-0, 5-4, 7-6, 9-8, 11-10 15-12. */
static void guid_json(struct jw *w, const char *k, const uint8_t *g, int len)
{
    char b[40];
    if (len == 16)
        snprintf(b, sizeof(b), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[9], g[8], g[11], g[10],
                 g[15], g[14], g[13], g[12]);
    else if (len == 2)
        snprintf(b, sizeof(b), "%02x%02x", g[1], g[0]);
    else
        b[0] = 0;
    jw_kstr(w, k, b);
}

static void dce_ifaces_json(struct jw *w, const struct smb_state *s, int ctx_filter, int ctx,
                            int with_ack)
{
    int any = 0;
    for (int i = 0; i < s->nifaces; i++) {
        const struct dce_iface *f = &s->ifaces[i];
        if (ctx_filter && f->ctx_id != ctx)
            continue;
        if (!any)
            jw_karr(w, "interfaces");
        any = 1;
        char u[40], v[16];
        dce_uuid_string(f->uuid, u);
        snprintf(v, sizeof(v), "%u.%u", f->ver, f->ver_min);
        jw_obj_begin(w);
        jw_kstr(w, "uuid", u);
        jw_kstr(w, "version", v);
        if (with_ack && f->acked) {
            jw_ku64(w, "ack_result", f->ack_result);
            jw_ku64(w, "ack_reason", f->ack_reason);
        }
        jw_obj_end(w);
    }
    if (any)
        jw_arr_end(w);
}

static void smb_type_json(struct jw *w, const struct smb_tx *t, const struct smb_state *s)
{
    static const char *const disp[] = { "FILE_SUPERSEDE", "FILE_OPEN", "FILE_CREATE",
                                        "FILE_OPEN_IF", "FILE_OVERWRITE", "FILE_OVERWRITE_IF" };
    switch (t->type) {
    case SMBT_SESSION:
        if (t->u.ses.have_ntlm) {
            jw_kobj(w, "ntlmssp");
            jw_kstr(w, "domain", t->u.ses.domain);
            jw_kstr(w, "user", t->u.ses.user);
            jw_kstr(w, "host", t->u.ses.host);
            if (t->u.ses.version[0])
                jw_kstr(w, "version", t->u.ses.version);
            jw_obj_end(w);
        }
        if (t->u.ses.have_req) {
            jw_kobj(w, "request");
            jw_kstr(w, "native_os", t->u.ses.req_os);
            jw_kstr(w, "native_lm", t->u.ses.req_lm);
            jw_obj_end(w);
        }
        if (t->u.ses.have_resp) {
            jw_kobj(w, "response");
            jw_kstr(w, "native_os", t->u.ses.resp_os);
            jw_kstr(w, "native_lm", t->u.ses.resp_lm);
            jw_obj_end(w);
        }
        break;
    case SMBT_CREATE:
        jw_kstr(w, t->u.create.name[0] && t->u.create.directory ? "directory" : "filename",
                t->u.create.name[0] ? t->u.create.name : "<share_root>");
        jw_kstr(w, "disposition", t->u.create.disposition < 6 ? disp[t->u.create.disposition] : "UNKNOWN");
        jw_kstr(w, "access", t->u.create.delete_on_close ? "delete on close" : "normal");
        jw_ku64(w, "created", t->u.create.created);
        jw_ku64(w, "accessed", t->u.create.accessed);
        jw_ku64(w, "modified", t->u.create.modified);
        jw_ku64(w, "changed", t->u.create.changed);
        jw_ku64(w, "size", t->u.create.size);
        guid_json(w, "fuid", t->u.create.guid, t->u.create.guid_len);
        break;
    case SMBT_NEGOTIATE: {
        jw_karr(w, "client_dialects");
        const char *d = t->u.neg.dialects;
        for (int i = 0; i < t->u.neg.ndialects; i++) {
            jw_str(w, d);
            d += strlen(d) + 1;
        }
        jw_arr_end(w);
        if (t->u.neg.have_client_guid)
            guid_json(w, "client_guid", t->u.neg.client_guid, 16);
        guid_json(w, "server_guid", t->u.neg.server_guid, 16);
        if (s->max_read)
            jw_ku64(w, "max_read_size", s->max_read);
        if (s->max_write)
            jw_ku64(w, "max_write_size", s->max_write);
        break;
    }
    case SMBT_TREE:
        jw_kstr(w, t->u.tree.is_pipe ? "named_pipe" : "share", t->u.tree.share);
        if (t->ver == 1) {
            jw_kobj(w, "service");
            if (t->u.tree.have_req_service)
                jw_kstr(w, "request", t->u.tree.req_service);
            if (t->u.tree.have_resp_service)
                jw_kstr(w, "response", t->u.tree.resp_service);
            jw_obj_end(w);
        } else {
            static const char *const st[] = { "UNKNOWN", "FILE", "PIPE", "PRINT" };
            jw_kstr(w, "share_type", t->u.tree.share_type <= 3 ? st[t->u.tree.share_type] : "UNKNOWN");
        }
        break;
    case SMBT_FILE:
        jw_kstr(w, "filename", t->u.file.name);
        jw_kstr(w, "share", t->u.file.share);
        guid_json(w, "fuid", t->u.file.fuid, t->u.file.fuid_len);
        break;
    case SMBT_SETINFO:
        jw_kstr(w, "filename", t->u.setinfo.name[0] ? t->u.setinfo.name : "<share_root>");
        jw_kstr(w, "access", t->u.setinfo.delete_on_close ? "delete on close" : "normal");
        guid_json(w, "fuid", t->u.setinfo.fuid, t->u.setinfo.fuid_len);
        break;
    case SMBT_IOCTL: {
        char b[24];
        const char *f = t->u.ioctl.func == 0x00060194 ? "FSCTL_DFS_GET_REFERRALS" :
                        t->u.ioctl.func == 0x0011c017 ? "FSCTL_PIPE_TRANSCEIVE" :
                        t->u.ioctl.func == 0x00140204 ? "FSCTL_VALIDATE_NEGOTIATE_INFO" :
                        t->u.ioctl.func == 0x001401fc ? "FSCTL_QUERY_NETWORK_INTERFACE_INFO" :
                        t->u.ioctl.func == 0x00110018 ? "FSCTL_PIPE_WAIT" : NULL;
        if (!f) {
            snprintf(b, sizeof(b), "%u", t->u.ioctl.func);
            f = b;
        }
        jw_kstr(w, "function", f);
        break;
    }
    case SMBT_DCERPC: {
        const struct smb_dcerpc *x = &t->u.dce;
        jw_kobj(w, "dcerpc");
        jw_kstr(w, "request", x->req_set ? dce_type_string(x->req_cmd) : "REQUEST_LOST");
        jw_kstr(w, "response", x->res_set ? dce_type_string(x->res_cmd) : "UNREPLIED");
        if (x->req_set && x->req_cmd == DCE_REQUEST) {
            jw_ku64(w, "opnum", x->opnum);
            jw_kobj(w, "req");
            jw_ku64(w, "frag_cnt", x->frag_ts);
            jw_ku64(w, "stub_data_size", x->stub_ts);
            jw_obj_end(w);
            dce_ifaces_json(w, s, 1, x->ctx_id, 0);
        } else if (x->req_set && x->req_cmd == DCE_BIND) {
            dce_ifaces_json(w, s, 0, 0, 1);
        }
        if (x->res_set && x->res_cmd == DCE_RESPONSE) {
            jw_kobj(w, "res");
            jw_ku64(w, "frag_cnt", x->frag_tc);
            jw_ku64(w, "stub_data_size", x->stub_tc);
            jw_obj_end(w);
        }
        jw_ku64(w, "call_id", x->call_id);
        jw_obj_end(w);
        break;
    }
    default:
        break;
    }
}

/* smb{id, dialect, command, status, status_code, session_id, tree_id, ...} */
static void smb_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct smb_ev *ev = tx->meta;
    const struct smb_tx *t = ev->tx;
    const struct smb_state *s = ev->s;
    char b[24];

    jw_kobj(w, "smb");
    jw_ku64(w, "id", t->id);
    jw_kstr(w, "dialect", s->dialect2 ? smb2_dialect_string(s->dialect2, b) :
                          s->dialect1[0] ? s->dialect1 : "unknown");
    jw_kstr(w, "command", t->ver == 2 ? smb2_command_string(t->cmd, b) : smb1_command_string(t->cmd, b));
    if (t->have_status) {
        const char *st = smb_ntstatus_string(t->status);
        if (!st) {
            snprintf(b, sizeof(b), "%u", t->status);
            st = b;
        }
        jw_kstr(w, "status", st);
        char hex[16];
        snprintf(hex, sizeof(hex), "0x%x", t->status);
        jw_kstr(w, "status_code", hex);
    }
    jw_ku64(w, "session_id", t->session_id);
    jw_ku64(w, "tree_id", t->tree_id);
    smb_type_json(w, t, s);
    jw_obj_end(w);
}

static const struct app_keyword smb_keywords[] = {
    APP_STICKY("smb.share", BUF_SMB_SHARE),
    APP_STICKY("smb.named_pipe", BUF_SMB_NAMED_PIPE),
    APP_KEYWORDS_END,
};

const struct app_parser app_smb_parser = {
    .name = "smb", .rule_proto = "smb", .event_type = "smb", .event_id = 14,
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_SMBV1, NDPI_PROTOCOL_SMBV23, 0 },
    .counters = (const char *const[]){ "messages", "tx", "parse_errors", "cut", "dropped",
                                       "port_fallback", NULL },
    .keywords = smb_keywords,
    .create = smb_create, .feed = smb_feed, .gap = smb_gap, .end = smb_end, .destroy = smb_destroy,
    .event_body = smb_event_body,
};
