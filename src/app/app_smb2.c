/* app_smb2.c - SMB 2 and 3 messages (MS-SMB2 2.2): the 64-byte header,
 * compound chains (NextCommand), and the commands the smb event reports
 * with fields: NEGOTIATE (dialects, GUIDs, sizes), SESSION_SETUP (NTLMSSP
 * in the security blob), TREE_CONNECT (share, pipe or disk), CREATE (name,
 * disposition, times, size, file id), READ/WRITE (as files; on a named
 * pipe as DCE/RPC), IOCTL (function; FSCTL_PIPE_TRANSCEIVE as DCE/RPC),
 * SET_INFO disposition (delete on close), CLOSE; every other command as a
 * plain transaction with its status.
 *
 * Each message is read field by field with its bounds checked against the
 * bytes the framing kept (SMB_HAVE); a message too short for what its
 * command needs is counted as a parse error and its transaction reported
 * with what was read.
 *
 * Ownership: works on the smb_state of one app_flow (app_smb.c). */
#include <stdio.h>
#include <string.h>

#include "app_smb_internal.h"

#define SMB2_HDR       64
#define SMB2_F_RESP    0x00000001u
#define SMB2_F_ASYNC   0x00000002u
#define ST_PENDING     0x00000103u
#define FSCTL_PIPE_TRANSCEIVE 0x0011c017u

enum {
    C_NEGOTIATE = 0, C_SESSION_SETUP, C_LOGOFF, C_TREE_CONNECT, C_TREE_DISCONNECT, C_CREATE,
    C_CLOSE, C_FLUSH, C_READ, C_WRITE, C_LOCK, C_IOCTL, C_CANCEL, C_ECHO, C_FIND,
    C_CHANGE_NOTIFY, C_GET_INFO, C_SET_INFO, C_OPLOCK_BREAK,
};

/* "3.11" for an SMB2 dialect number (its decimal value when unknown; buf
 * has 8 bytes): the smb event's dialect, and the negotiate's list. */
const char *smb2_dialect_string(uint16_t d, char *buf)
{
    switch (d) {
    case 0x0202: return "2.02";
    case 0x0210: return "2.10";
    case 0x0222: return "2.22";
    case 0x0224: return "2.24";
    case 0x02ff: return "2.??";
    case 0x0300: return "3.00";
    case 0x0302: return "3.02";
    case 0x0310: return "3.10";
    case 0x0311: return "3.11";
    default:
        snprintf(buf, 8, "%u", d);
        return buf;
    }
}

const char *smb2_command_string(uint16_t cmd, char *buf)
{
    static const char *const n[] = {
        "SMB2_COMMAND_NEGOTIATE_PROTOCOL", "SMB2_COMMAND_SESSION_SETUP", "SMB2_COMMAND_SESSION_LOGOFF",
        "SMB2_COMMAND_TREE_CONNECT", "SMB2_COMMAND_TREE_DISCONNECT", "SMB2_COMMAND_CREATE",
        "SMB2_COMMAND_CLOSE", "SMB2_COMMAND_FLUSH", "SMB2_COMMAND_READ", "SMB2_COMMAND_WRITE",
        "SMB2_COMMAND_LOCK", "SMB2_COMMAND_IOCTL", "SMB2_COMMAND_CANCEL", "SMB2_COMMAND_KEEPALIVE",
        "SMB2_COMMAND_FIND", "SMB2_COMMAND_CHANGE_NOTIFY", "SMB2_COMMAND_GET_INFO",
        "SMB2_COMMAND_SET_INFO", "SMB2_COMMAND_OPLOCK_BREAK",
    };
    if (cmd < sizeof(n) / sizeof(n[0]))
        return n[cmd];
    snprintf(buf, 24, "%u", cmd);
    return buf;
}

struct smb2_hdr {
    uint32_t status, flags, next, tree_id;
    uint16_t cmd;
    uint64_t msg_id, session_id;
};

static uint64_t filetime_unix(uint64_t ft)
{
    uint64_t s = ft / 10000000u;
    return s > 11644473600u ? s - 11644473600u : 0;
}

static void dialect_add(struct smb_tx *t, const char *d)
{
    size_t used = 0;
    for (int i = 0; i < t->u.neg.ndialects; i++)
        used += strlen(t->u.neg.dialects + used) + 1;
    size_t l = strlen(d);
    if (used + l + 1 > sizeof(t->u.neg.dialects) || t->u.neg.ndialects == 255)
        return;
    memcpy(t->u.neg.dialects + used, d, l + 1);
    t->u.neg.ndialects++;
}

/* The tx a FILE read or write of this file id reports through (one per
 * file while it is open). */
static struct smb_tx *pipe_mark(struct smb_state *s, const struct smb2_hdr *h);

static uint64_t file_rw(struct smb_state *s, const struct smb2_hdr *h, const uint8_t *fid, int dir)
{
    struct smb_file *f = smb_file_get(s, fid);
    if (f && f->open_tx && smb_tx_find(s, 2, f->file_tx)) {
        struct smb_tx *m = pipe_mark(s, h);     /* its response: the FILE tx's status */
        m->req_done = 3;
        m->link = f->file_tx;
        return f->file_tx;
    }
    uint64_t key = h->msg_id | 0x4000000000000000ULL;
    struct smb_tx *t = smb_tx_new(s, 2, h->cmd, key, SMBT_FILE);
    t->session_id = h->session_id;
    t->tree_id = h->tree_id;
    t->u.file.dir = (uint8_t)dir;
    memcpy(t->u.file.fuid, fid, 16);
    t->u.file.fuid_len = 16;
    struct smb_tree *tr = smb_tree_get(s, h->tree_id);
    if (tr)
        snprintf(t->u.file.share, sizeof(t->u.file.share), "%s", tr->share);
    if (!f)
        f = smb_file_set(s, fid, h->tree_id, "", 0);
    snprintf(t->u.file.name, sizeof(t->u.file.name), "%s", f->name);
    f->open_tx = 1;
    f->file_tx = key;
    struct smb_tx *m = pipe_mark(s, h);
    m->req_done = 3;
    m->link = key;
    return key;
}

/* A pipe request waiting for its response: READ and IOCTL responses on a
 * pipe carry DCE/RPC but have no tx; the request's message id marks them. */
static struct smb_tx *pipe_mark(struct smb_state *s, const struct smb2_hdr *h)
{
    struct smb_tx *t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_GENERIC);
    t->id = 0;                          /* not a tx of the flow's numbering */
    s->next_id--;
    s->ctr[SMB_C_TX]--;
    t->req_done = 2;                    /* 2: pipe marker, never reported */
    return t;
}

static int is_pipe_fid(struct smb_state *s, const uint8_t *fid)
{
    struct smb_file *f = smb_file_get(s, fid);
    return f && f->is_pipe;
}

static void smb2_request(struct smb_state *s, const struct smb2_hdr *h, const uint8_t *b,
                         size_t n, const struct app_sink *sink)
{
    struct smb_tx *t;
    char tmp[8];

    switch (h->cmd) {
    case C_NEGOTIATE: {
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_NEGOTIATE);
        if (!SMB_HAVE(n, 0, 36)) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
            break;
        }
        uint16_t cnt = smb_le16(b + 2);
        memcpy(t->u.neg.client_guid, b + 12, 16);
        t->u.neg.have_client_guid = 1;
        for (uint16_t i = 0; i < cnt && SMB_HAVE(n, 36 + 2u * i, 2); i++)
            dialect_add(t, smb2_dialect_string(smb_le16(b + 36 + 2u * i), tmp));
        break;
    }
    case C_SESSION_SETUP:
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_SESSION);
        if (SMB_HAVE(n, 0, 24)) {
            uint16_t off = smb_le16(b + 12), len = smb_le16(b + 14);
            if (off >= SMB2_HDR && SMB_HAVE(n, off - SMB2_HDR, len))
                (void)ntlmssp_parse(t, s, b + off - SMB2_HDR, len);
        } else {
            s->ctr[SMB_C_PARSE_ERRORS]++;
        }
        break;
    case C_TREE_CONNECT:
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_TREE);
        if (SMB_HAVE(n, 0, 8)) {
            uint16_t off = smb_le16(b + 4), len = smb_le16(b + 6);
            if (off >= SMB2_HDR && SMB_HAVE(n, off - SMB2_HDR, len))
                smb_utf16_name(b + off - SMB2_HDR, len, t->u.tree.share, sizeof(t->u.tree.share));
        } else {
            s->ctr[SMB_C_PARSE_ERRORS]++;
        }
        break;
    case C_CREATE:
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_CREATE);
        if (SMB_HAVE(n, 0, 56)) {
            t->u.create.disposition = smb_le32(b + 36);
            uint32_t opt = smb_le32(b + 40);
            t->u.create.directory = (opt & 0x1) != 0;
            t->u.create.delete_on_close = (opt & 0x1000) != 0;
            uint16_t off = smb_le16(b + 44), len = smb_le16(b + 46);
            if (off >= SMB2_HDR && SMB_HAVE(n, off - SMB2_HDR, len))
                smb_utf16_name(b + off - SMB2_HDR, len, t->u.create.name, sizeof(t->u.create.name));
            s->last_create_id = h->msg_id;
            memcpy(s->last_create, t->u.create.name, sizeof(s->last_create));
        } else {
            s->ctr[SMB_C_PARSE_ERRORS]++;
        }
        break;
    case C_READ:                        /* no tx of its own (as Suricata) */
        if (!SMB_HAVE(n, 0, 48)) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
            return;
        }
        t = pipe_mark(s, h);
        if (!is_pipe_fid(s, b + 16)) {  /* a file: its FILE tx comes with the data */
            t->req_done = 4;
            t->link = smb_le64(b + 8);  /* the offset read */
            memcpy(t->u.file.fuid, b + 16, 16);
            t->u.file.fuid_len = 16;
            t->session_id = h->session_id;
            t->tree_id = h->tree_id;
        }
        return;
    case C_WRITE:
        if (!SMB_HAVE(n, 0, 48)) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
            return;
        }
        if (is_pipe_fid(s, b + 16)) {
            uint16_t off = smb_le16(b + 2);
            uint32_t len = smb_le32(b + 4);
            if (off >= SMB2_HDR && (size_t)(off - SMB2_HDR) <= n) {
                size_t have = n - (off - SMB2_HDR);
                smb_pipe_data(s, APP_DIR_TOSERVER, 2, h->cmd, h->msg_id, h->session_id, h->tree_id,
                              b + off - SMB2_HDR, len < have ? len : have, sink);
            }
        } else {
            uint64_t fk = file_rw(s, h, b + 16, APP_DIR_TOSERVER);
            struct smb_tx *ft = smb_tx_find(s, 2, fk);
            uint16_t off = smb_le16(b + 2);
            uint32_t len = smb_le32(b + 4);
            if (ft && off >= SMB2_HDR && (size_t)(off - SMB2_HDR) <= n) {
                size_t have = n - (size_t)(off - SMB2_HDR);
                smb_file_bytes(s, ft, smb_le64(b + 8), b + off - SMB2_HDR, len < have ? len : have,
                               len, sink);
            }
        }
        return;
    case C_IOCTL: {
        if (!SMB_HAVE(n, 0, 56)) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
            t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_GENERIC);
            break;
        }
        uint32_t ctl = smb_le32(b + 4);
        if (ctl == FSCTL_PIPE_TRANSCEIVE && is_pipe_fid(s, b + 8)) {
            uint32_t off = smb_le32(b + 24), len = smb_le32(b + 28);
            if (off >= SMB2_HDR && off - SMB2_HDR <= n) {
                size_t have = n - (off - SMB2_HDR);
                smb_pipe_data(s, APP_DIR_TOSERVER, 2, h->cmd, h->msg_id, h->session_id, h->tree_id,
                              b + off - SMB2_HDR, len < have ? len : have, sink);
            }
            (void)pipe_mark(s, h);
            return;
        }
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_IOCTL);
        t->u.ioctl.func = ctl;
        break;
    }
    case C_CLOSE:
        if (SMB_HAVE(n, 0, 24)) {
            struct smb_file *f = smb_file_get(s, b + 8);
            if (f && f->open_tx) {
                struct smb_tx *ft = smb_tx_find(s, 2, f->file_tx);
                if (ft)                 /* the file ends whole: CLOSED */
                    smb_tx_done(s, ft, APP_DIR_TOSERVER, NULL, sink);
                f->open_tx = 0;
            }
        }
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_GENERIC);
        break;
    case C_SET_INFO:
        /* FILE_INFO (1), FileDispositionInformation (13): delete on close */
        if (SMB_HAVE(n, 0, 32) && b[2] == 1 && b[3] == 13) {
            t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_SETINFO);
            struct smb_file *f = smb_file_get(s, b + 16);
            if (f)
                snprintf(t->u.setinfo.name, sizeof(t->u.setinfo.name), "%s", f->name);
            else if (s->last_create_id + 1 == h->msg_id)  /* a compound's create */
                snprintf(t->u.setinfo.name, sizeof(t->u.setinfo.name), "%s", s->last_create);
            else
                snprintf(t->u.setinfo.name, sizeof(t->u.setinfo.name), "<unknown>");
            memcpy(t->u.setinfo.fuid, b + 16, 16);
            t->u.setinfo.fuid_len = 16;
            uint32_t off = smb_le16(b + 8), len = smb_le32(b + 4);
            t->u.setinfo.delete_on_close = off >= SMB2_HDR && len >= 1 &&
                                           SMB_HAVE(n, off - SMB2_HDR, 1) && b[off - SMB2_HDR] != 0;
        } else {
            return;                     /* other SET_INFO: no tx (as Suricata) */
        }
        break;
    case C_GET_INFO:
        return;                         /* no tx (as Suricata) */
    default:
        t = smb_tx_new(s, 2, h->cmd, h->msg_id, SMBT_GENERIC);
        break;
    }
    t->session_id = h->session_id;
    t->tree_id = h->tree_id;
    t->req_done = 1;
}

static void smb2_response(struct smb_state *s, const struct smb2_hdr *h, const uint8_t *b,
                          size_t n, const struct app_sink *sink)
{
    /* An interim STATUS_PENDING response completes the tx as Suricata
     * sees it (reported with that status); the final response then finds
     * no tx and is not reported. */
    struct smb_tx *t = smb_tx_find(s, 2, h->msg_id);
    if (!t)
        return;                         /* its request was not seen (midstream) */
    if (t->req_done == 4) {             /* a file's READ: its FILE tx, made now */
        struct smb2_hdr rh = *h;
        uint8_t fid[16];
        uint64_t roff = t->link;
        memcpy(fid, t->u.file.fuid, 16);
        rh.session_id = t->session_id;
        rh.tree_id = t->tree_id;
        t->used = 0;
        if (h->status == 0) {
            struct smb_tx *ft = smb_tx_find(s, 2, file_rw(s, &rh, fid, APP_DIR_TOCLIENT));
            if (ft && SMB_HAVE(n, 0, 16)) {
                uint8_t off = b[2];
                uint32_t len = smb_le32(b + 4);
                if (off >= SMB2_HDR && (size_t)(off - SMB2_HDR) <= n) {
                    size_t have = n - (size_t)(off - SMB2_HDR);
                    smb_file_bytes(s, ft, roff, b + off - SMB2_HDR, len < have ? len : have, len, sink);
                }
            }
        }
        t = smb_tx_find(s, 2, h->msg_id);      /* the marker file_rw made, if any */
        if (!t)
            return;
    }
    if (t->req_done == 3) {             /* a file's READ or WRITE: its FILE tx's status */
        struct smb_tx *ft = smb_tx_find(s, 2, t->link);
        t->used = 0;
        if (ft && !ft->have_status) {
            ft->status = h->status;
            ft->have_status = 1;
        }
        return;
    }
    if (t->req_done == 2) {             /* pipe READ or IOCTL: DCE/RPC read back */
        uint64_t sid = h->session_id;
        uint32_t tid = h->tree_id;
        t->used = 0;
        if (h->status != 0)
            return;
        if (h->cmd == C_READ && SMB_HAVE(n, 0, 16)) {
            uint8_t off = b[2];
            uint32_t len = smb_le32(b + 4);
            if (off >= SMB2_HDR && (size_t)(off - SMB2_HDR) <= n) {
                size_t have = n - (size_t)(off - SMB2_HDR);
                smb_pipe_data(s, APP_DIR_TOCLIENT, 2, h->cmd, h->msg_id, sid, tid,
                              b + off - SMB2_HDR, len < have ? len : have, sink);
            }
        } else if (h->cmd == C_IOCTL && SMB_HAVE(n, 0, 48)) {
            uint32_t off = smb_le32(b + 32), len = smb_le32(b + 36);
            if (off >= SMB2_HDR && off - SMB2_HDR <= n) {
                size_t have = n - (off - SMB2_HDR);
                smb_pipe_data(s, APP_DIR_TOCLIENT, 2, h->cmd, h->msg_id, sid, tid,
                              b + off - SMB2_HDR, len < have ? len : have, sink);
            }
        }
        return;
    }
    t->status = h->status;
    t->have_status = 1;
    if (h->session_id)
        t->session_id = h->session_id;
    if (!(h->flags & SMB2_F_ASYNC) && h->tree_id)
        t->tree_id = h->tree_id;

    struct txb bufs = { .n = 0 };
    int dir = APP_DIR_TOCLIENT;
    switch (t->type) {
    case SMBT_NEGOTIATE:
        if (SMB_HAVE(n, 0, 64)) {
            s->dialect2 = smb_le16(b + 4);
            s->signing = (uint8_t)(((b[2] & 1) ? SMB_SIGN_ENABLED : 0) |
                                   ((b[2] & 2) ? SMB_SIGN_REQUIRED : 0));
            s->learn |= SMB_LEARN_NEG;
            memcpy(t->u.neg.server_guid, b + 8, 16);
            s->max_read = smb_le32(b + 32);
            s->max_write = smb_le32(b + 36);
        }
        break;
    case SMBT_SESSION:
        if (SMB_HAVE(n, 0, 8)) {
            uint16_t off = smb_le16(b + 4), len = smb_le16(b + 6);
            if (off >= SMB2_HDR && SMB_HAVE(n, off - SMB2_HDR, len))
                (void)ntlmssp_parse(t, s, b + off - SMB2_HDR, len);
        }
        break;
    case SMBT_TREE:
        if (h->status == 0 && SMB_HAVE(n, 0, 16)) {
            t->u.tree.share_type = b[2];
            t->u.tree.is_pipe = b[2] == 2;
            smb_tree_set(s, t->tree_id, t->u.tree.share, t->u.tree.is_pipe);
        }
        if (s->lim->rule_bufs)
            txb_add(&bufs, t->u.tree.is_pipe ? BUF_SMB_NAMED_PIPE : BUF_SMB_SHARE,
                    t->u.tree.share, strlen(t->u.tree.share));
        dir = APP_DIR_TOSERVER;
        break;
    case SMBT_CREATE:
        if (h->status == 0 && SMB_HAVE(n, 0, 88)) {
            t->u.create.created = filetime_unix(smb_le64(b + 8));
            t->u.create.accessed = filetime_unix(smb_le64(b + 16));
            t->u.create.modified = filetime_unix(smb_le64(b + 24));
            t->u.create.changed = filetime_unix(smb_le64(b + 32));
            t->u.create.size = smb_le64(b + 48);
            memcpy(t->u.create.guid, b + 64, 16);
            t->u.create.guid_len = 16;
            struct smb_tree *tr = smb_tree_get(s, t->tree_id);
            smb_file_set(s, b + 64, t->tree_id, t->u.create.name, tr && tr->is_pipe);
        } else if (h->status == 0) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
        }
        break;
    case SMBT_FILE:
        return;                         /* reported when the file closes */
    default:
        break;
    }
    smb_tx_done(s, t, dir, &bufs, sink);
}

void smb2_message(struct smb_state *s, int dir, const uint8_t *p, size_t n, int cut,
                  const struct app_sink *sink)
{
    size_t off = 0;
    (void)cut;
    for (int chain = 0; chain < 64; chain++) {
        if (!SMB_HAVE(n, off, SMB2_HDR) || p[off] != 0xfe || memcmp(p + off + 1, "SMB", 3) ||
            smb_le16(p + off + 4) != 64) {
            s->ctr[SMB_C_PARSE_ERRORS]++;
            return;
        }
        const uint8_t *q = p + off;
        struct smb2_hdr h;
        h.status = smb_le32(q + 8);
        h.cmd = smb_le16(q + 12);
        h.flags = smb_le32(q + 16);
        h.next = smb_le32(q + 20);
        h.msg_id = smb_le64(q + 24);
        h.tree_id = (h.flags & SMB2_F_ASYNC) ? 0 : smb_le32(q + 36);
        h.session_id = smb_le64(q + 40);
        size_t blen = n - off - SMB2_HDR;
        if (h.next && h.next - SMB2_HDR < blen && h.next >= SMB2_HDR)
            blen = h.next - SMB2_HDR;
        int is_resp = (h.flags & SMB2_F_RESP) != 0;
        if (is_resp != (dir == APP_DIR_TOCLIENT))
            s->ctr[SMB_C_PARSE_ERRORS]++;       /* a request from the server or the reverse */
        else if (is_resp)
            smb2_response(s, &h, q + SMB2_HDR, blen, sink);
        else
            smb2_request(s, &h, q + SMB2_HDR, blen, sink);
        if (!h.next || h.next < SMB2_HDR || h.next > n - off)
            return;
        off += h.next;
    }
}
