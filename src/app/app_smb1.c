/* app_smb1.c - SMB1 (MS-CIFS 2.2, MS-SMB 2.2): the 32-byte header, and the
 * commands the smb event reports with fields: NEGOTIATE (the client's
 * dialects, the one chosen, the server GUID), SESSION_SETUP_ANDX (native
 * OS and LAN manager of both sides, NTLMSSP with extended security) and
 * TREE_CONNECT_ANDX (path, services, named pipe or share), NT_CREATE_ANDX
 * (name, disposition, times, size, FID); every other command as a plain
 * transaction with its status. AndX chains are not followed (the first
 * command of a message is reported). Also the NT status names both dialect
 * families use.
 *
 * Files, as Suricata 7.0.10 does them for SMB1: READ_ANDX and WRITE_ANDX on
 * a FID that is not a named pipe make no transaction of their own; the
 * first one of a FID opens its FILE transaction (named by the
 * NT_CREATE_ANDX that returned the FID, the tree's share, fuid the FID;
 * Suricata gives it no status, session or tree id), whose data goes to the
 * file tracker at the offsets the commands give (app_smb_tx.c:
 * smb_file_bytes: holes are gaps). The CLOSE request of the FID ends it
 * (CLOSED: fileinfo, then its smb event); the flow's end ends the others
 * (TRUNCATED). The file map keys SMB1 FIDs as 16 bytes: the FID's two
 * bytes, zeros, 0xff last (SMB2 file ids are 16 bytes of their own).
 *
 * Ownership: works on the smb_state of one app_flow (app_smb.c). */
#include <stdio.h>
#include <string.h>

#include "app_smb_internal.h"

#define SMB1_HDR        32
#define SMB1_F_REPLY    0x80
#define SMB1_F2_UNICODE 0x8000
#define SMB1_F2_NTSTATUS 0x4000

const char *smb1_command_string(uint16_t cmd, char *buf)
{
    static const struct { uint8_t c; const char *n; } t[] = {
        { 0x00, "SMB1_COMMAND_CREATE_DIRECTORY" }, { 0x01, "SMB1_COMMAND_DELETE_DIRECTORY" },
        { 0x02, "SMB1_COMMAND_OPEN" }, { 0x03, "SMB1_COMMAND_CREATE" },
        { 0x04, "SMB1_COMMAND_CLOSE" }, { 0x06, "SMB1_COMMAND_DELETE" },
        { 0x07, "SMB1_COMMAND_RENAME" }, { 0x08, "SMB1_COMMAND_QUERY_INFORMATION" },
        { 0x0a, "SMB1_COMMAND_READ" }, { 0x0b, "SMB1_COMMAND_WRITE" },
        { 0x24, "SMB1_COMMAND_LOCKING_ANDX" }, { 0x25, "SMB1_COMMAND_TRANS" },
        { 0x2b, "SMB1_COMMAND_ECHO" }, { 0x2d, "SMB1_COMMAND_OPEN_ANDX" },
        { 0x2e, "SMB1_COMMAND_READ_ANDX" }, { 0x2f, "SMB1_COMMAND_WRITE_ANDX" },
        { 0x32, "SMB1_COMMAND_TRANS2" }, { 0x34, "SMB1_COMMAND_FIND_CLOSE2" },
        { 0x71, "SMB1_COMMAND_TREE_DISCONNECT" }, { 0x72, "SMB1_COMMAND_NEGOTIATE_PROTOCOL" },
        { 0x73, "SMB1_COMMAND_SESSION_SETUP_ANDX" }, { 0x74, "SMB1_COMMAND_LOGOFF_ANDX" },
        { 0x75, "SMB1_COMMAND_TREE_CONNECT_ANDX" }, { 0xa0, "SMB1_COMMAND_NT_TRANS" },
        { 0xa2, "SMB1_COMMAND_NT_CREATE_ANDX" }, { 0xa4, "SMB1_COMMAND_NT_CANCEL" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].c == cmd)
            return t[i].n;
    snprintf(buf, 24, "%u", cmd);
    return buf;
}

const char *smb_ntstatus_string(uint32_t st)
{
    static const struct { uint32_t v; const char *n; } t[] = {
        { 0x00000000, "STATUS_SUCCESS" }, { 0x00000103, "STATUS_PENDING" },
        { 0x0000010c, "STATUS_NOTIFY_ENUM_DIR" }, { 0x80000005, "STATUS_BUFFER_OVERFLOW" },
        { 0x80000006, "STATUS_NO_MORE_FILES" }, { 0xc0000008, "STATUS_INVALID_HANDLE" },
        { 0xc000000d, "STATUS_INVALID_PARAMETER" }, { 0xc000000f, "STATUS_NO_SUCH_FILE" },
        { 0xc0000010, "STATUS_INVALID_DEVICE_REQUEST" }, { 0xc0000011, "STATUS_END_OF_FILE" },
        { 0xc0000016, "STATUS_MORE_PROCESSING_REQUIRED" }, { 0xc0000022, "STATUS_ACCESS_DENIED" },
        { 0xc0000023, "STATUS_BUFFER_TOO_SMALL" }, { 0xc0000033, "STATUS_OBJECT_NAME_INVALID" },
        { 0xc0000034, "STATUS_OBJECT_NAME_NOT_FOUND" }, { 0xc0000035, "STATUS_OBJECT_NAME_COLLISION" },
        { 0xc000003a, "STATUS_OBJECT_PATH_NOT_FOUND" }, { 0xc0000043, "STATUS_SHARING_VIOLATION" },
        { 0xc0000061, "STATUS_PRIVILEGE_NOT_HELD" }, { 0xc0000064, "STATUS_NO_SUCH_USER" },
        { 0xc000006a, "STATUS_WRONG_PASSWORD" }, { 0xc000006d, "STATUS_LOGON_FAILURE" },
        { 0xc0000071, "STATUS_PASSWORD_EXPIRED" }, { 0xc0000072, "STATUS_ACCOUNT_DISABLED" },
        { 0xc000009a, "STATUS_INSUFFICIENT_RESOURCES" }, { 0xc00000ac, "STATUS_PIPE_NOT_AVAILABLE" },
        { 0xc00000b0, "STATUS_PIPE_DISCONNECTED" }, { 0xc00000b5, "STATUS_IO_TIMEOUT" },
        { 0xc00000ba, "STATUS_FILE_IS_A_DIRECTORY" }, { 0xc00000bb, "STATUS_NOT_SUPPORTED" },
        { 0xc00000c9, "STATUS_NETWORK_NAME_DELETED" }, { 0xc00000cc, "STATUS_BAD_NETWORK_NAME" },
        { 0xc0000101, "STATUS_DIRECTORY_NOT_EMPTY" }, { 0xc0000120, "STATUS_CANCELLED" },
        { 0xc0000128, "STATUS_FILE_CLOSED" }, { 0xc000014b, "STATUS_PIPE_BROKEN" },
        { 0xc000015b, "STATUS_LOGON_TYPE_NOT_GRANTED" }, { 0xc0000203, "STATUS_USER_SESSION_DELETED" },
        { 0xc0000225, "STATUS_NOT_FOUND" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].v == st)
            return t[i].n;
    return NULL;
}

/* FILETIME (100 ns since 1601) to Unix seconds. */
static uint64_t ft_unix(uint64_t ft)
{
    return ft / 10000000u > 11644473600u ? ft / 10000000u - 11644473600u : 0;
}

static void fid_key(uint8_t k[16], uint16_t fid)
{
    memset(k, 0, 16);
    k[0] = (uint8_t)fid;
    k[1] = (uint8_t)(fid >> 8);
    k[15] = 0xff;
}

/* A request whose response only closes it (READ_ANDX, WRITE_ANDX of a
 * file): no transaction of the flow's numbering, never reported. kind 4:
 * a READ, whose response carries the data (link: the offset read). */
static struct smb_tx *marker(struct smb_state *s, uint8_t cmd, uint64_t key, int kind)
{
    struct smb_tx *t = smb_tx_new(s, 1, cmd, key, SMBT_GENERIC);
    t->id = 0;
    s->next_id--;
    s->ctr[SMB_C_TX]--;
    t->req_done = (uint8_t)kind;
    return t;
}

/* The FILE transaction of fid: the open one, else a new one (cmd: the
 * READ_ANDX or WRITE_ANDX that starts it; dir: the way its bytes go). */
static struct smb_tx *file_tx(struct smb_state *s, uint16_t fid, uint16_t tid, uint8_t cmd, int dir)
{
    uint8_t k[16];
    fid_key(k, fid);
    struct smb_file *f = smb_file_get(s, k);
    if (f && f->open_tx) {
        struct smb_tx *t = smb_tx_find(s, 1, f->file_tx);
        if (t)
            return t;
    }
    uint64_t key = 0x4000000000000000ULL | fid;
    struct smb_tx *t = smb_tx_new(s, 1, cmd, key, SMBT_FILE);
    t->u.file.dir = (uint8_t)dir;
    t->u.file.fuid[0] = (uint8_t)fid;
    t->u.file.fuid[1] = (uint8_t)(fid >> 8);
    t->u.file.fuid_len = 2;
    struct smb_tree *tr = smb_tree_get(s, tid);
    if (tr)
        snprintf(t->u.file.share, sizeof(t->u.file.share), "%s", tr->share);
    if (!f)
        f = smb_file_set(s, k, tid, "", 0);
    if (f) {
        snprintf(t->u.file.name, sizeof(t->u.file.name), "%s", f->name);
        f->open_tx = 1;
        f->file_tx = key;
    }
    return t;
}

/* The data of a READ_ANDX response or a WRITE_ANDX request (its offset doff
 * into the message, length len) into the file transaction ft: what the
 * message holds of it, the rest a gap; an offset past the message is a
 * parse error. */
static void andx_data(struct smb_state *s, struct smb_tx *ft, uint64_t foff, const uint8_t *m,
                      size_t n, uint16_t doff, uint32_t len, const struct app_sink *sink)
{
    if (doff <= n) {
        size_t have = n - doff;
        smb_file_bytes(s, ft, foff, m + doff, len < have ? len : have, len, sink);
    } else {
        s->ctr[SMB_C_PARSE_ERRORS]++;
    }
}

static int is_pipe_fid(struct smb_state *s, uint16_t fid)
{
    uint8_t k[16];
    fid_key(k, fid);
    struct smb_file *f = smb_file_get(s, k);
    return f && f->is_pipe;
}

/* A NUL-terminated string at *off of the message (unicode: UTF-16LE,
 * aligned on 2 from the header's start); *off moves past it. */
static void smb1_str(const uint8_t *m, size_t n, size_t *off, int unicode, char *out, size_t osz)
{
    out[0] = 0;
    if (*off >= n)
        return;
    if (unicode) {
        if (*off & 1)
            (*off)++;
        size_t e = *off;
        while (e + 1 < n && (m[e] || m[e + 1]))
            e += 2;
        smb_utf16_name(m + *off, (e < n ? e : n) - *off, out, osz);
        *off = e + 2;
    } else {
        size_t e = *off;
        while (e < n && m[e])
            e++;
        smb_ascii_name(m + *off, e - *off, out, osz);
        *off = e + 1;
    }
}

void smb1_message(struct smb_state *s, int dir, const uint8_t *m, size_t n, int cut,
                  const struct app_sink *sink)
{
    (void)cut;
    if (!SMB_HAVE(n, 0, SMB1_HDR + 3)) {
        s->ctr[SMB_C_PARSE_ERRORS]++;
        return;
    }
    uint8_t cmd = m[4], flags = m[9];
    uint16_t flags2 = smb_le16(m + 10);
    uint32_t status = smb_le32(m + 5);
    uint16_t tid = smb_le16(m + 24), pid = smb_le16(m + 26), uid = smb_le16(m + 28);
    uint16_t mid = smb_le16(m + 30);
    int uni = (flags2 & SMB1_F2_UNICODE) != 0;
    uint8_t wct = m[SMB1_HDR];
    size_t words = SMB1_HDR + 1, bytes_at = words + 2u * wct + 2;
    if (!SMB_HAVE(n, words, 2u * wct + 2)) {
        s->ctr[SMB_C_PARSE_ERRORS]++;
        return;
    }
    const uint8_t *w = m + words;
    uint16_t bcc = smb_le16(m + words + 2u * wct);
    size_t bend = bytes_at + bcc < n ? bytes_at + bcc : n;
    uint64_t key = mid | (uint64_t)pid << 16;
    int is_resp = (flags & SMB1_F_REPLY) != 0;

    if (is_resp != (dir == APP_DIR_TOCLIENT)) {
        s->ctr[SMB_C_PARSE_ERRORS]++;
        return;
    }
    if (cmd != 0x72 && !s->smb1_use[0]) {    /* SMB1 in use: a command past negotiate */
        char cb[48];
        snprintf(s->smb1_use, sizeof(s->smb1_use), "%s", smb1_command_string(cmd, cb));
        s->learn |= SMB_LEARN_SMB1;
    }
    if (!is_resp) {
        int type = cmd == 0x72 ? SMBT_NEGOTIATE : cmd == 0x73 ? SMBT_SESSION :
                   cmd == 0x75 ? SMBT_TREE : cmd == 0xa2 ? SMBT_CREATE : SMBT_GENERIC;
        if (cmd == 0xa4)
            return;                     /* NT_CANCEL: no response */
        if (cmd == 0x2e && (wct == 10 || wct == 12) && !is_pipe_fid(s, smb_le16(w + 4))) {
            struct smb_tx *r = marker(s, cmd, key, 4);   /* READ_ANDX: the data comes back */
            uint16_t fid = smb_le16(w + 4);
            r->link = smb_le32(w + 6) | (wct == 12 ? (uint64_t)smb_le32(w + 20) << 32 : 0);
            r->u.file.fuid[0] = (uint8_t)fid;
            r->u.file.fuid[1] = (uint8_t)(fid >> 8);
            r->tree_id = tid;
            return;
        }
        if (cmd == 0x2f && (wct == 12 || wct == 14) && !is_pipe_fid(s, smb_le16(w + 4))) {
            uint16_t fid = smb_le16(w + 4), doff = smb_le16(w + 22);
            uint64_t foff = smb_le32(w + 6) | (wct == 14 ? (uint64_t)smb_le32(w + 24) << 32 : 0);
            uint32_t len = smb_le16(w + 20) | (uint32_t)smb_le16(w + 18) << 16;
            andx_data(s, file_tx(s, fid, tid, cmd, APP_DIR_TOSERVER), foff, m, n, doff, len, sink);
            (void)marker(s, cmd, key, 2);
            return;
        }
        struct smb_tx *t = smb_tx_new(s, 1, cmd, key, type);
        t->session_id = uid;
        t->tree_id = tid;
        t->req_done = 1;
        size_t off = bytes_at;
        if (cmd == 0x72) {
            while (off < bend && m[off] == 0x02) {
                char d[64];
                off++;
                smb1_str(m, bend, &off, 0, d, sizeof(d));
                size_t used = 0;
                for (int i = 0; i < t->u.neg.ndialects; i++)
                    used += strlen(t->u.neg.dialects + used) + 1;
                size_t l = strlen(d);
                if (used + l + 1 <= sizeof(t->u.neg.dialects) && t->u.neg.ndialects < 255) {
                    memcpy(t->u.neg.dialects + used, d, l + 1);
                    t->u.neg.ndialects++;
                }
            }
        } else if (cmd == 0x73) {
            if (wct == 12) {            /* extended security: a blob */
                uint16_t bl = smb_le16(w + 14);
                if (SMB_HAVE(bend, off, bl))
                    (void)ntlmssp_parse(t, s, m + off, bl);
                off += bl;
            } else if (wct == 13) {
                off += (size_t)smb_le16(w + 14) + smb_le16(w + 16);
                char acct[SMB_STR_MAX], dom[SMB_STR_MAX];
                smb1_str(m, bend, &off, uni, acct, sizeof(acct));
                smb1_str(m, bend, &off, uni, dom, sizeof(dom));
            } else {
                s->ctr[SMB_C_PARSE_ERRORS]++;
                return;
            }
            smb1_str(m, bend, &off, uni, t->u.ses.req_os, sizeof(t->u.ses.req_os));
            smb1_str(m, bend, &off, uni, t->u.ses.req_lm, sizeof(t->u.ses.req_lm));
            t->u.ses.have_req = 1;
        } else if (cmd == 0x75 && wct >= 4) {
            off += smb_le16(w + 6);
            smb1_str(m, bend, &off, uni, t->u.tree.share, sizeof(t->u.tree.share));
            smb1_str(m, bend, &off, 0, t->u.tree.req_service, sizeof(t->u.tree.req_service));
            t->u.tree.have_req_service = 1;
        } else if (cmd == 0xa2 && wct == 24) {
            t->u.create.disposition = smb_le32(w + 35);
            uint32_t opt = smb_le32(w + 39);
            t->u.create.directory = (opt & 0x1) != 0;
            t->u.create.delete_on_close = (opt & 0x1000) != 0;
            smb1_str(m, bend, &off, uni, t->u.create.name, sizeof(t->u.create.name));
        } else if (cmd == 0x04 && wct == 3) {   /* CLOSE: the FID's file ends whole */
            uint8_t k[16];
            fid_key(k, smb_le16(w));
            struct smb_file *f = smb_file_get(s, k);
            if (f && f->open_tx) {
                struct smb_tx *ft = smb_tx_find(s, 1, f->file_tx);
                if (ft)
                    smb_tx_done(s, ft, APP_DIR_TOSERVER, NULL, sink);
                f->open_tx = 0;
            }
        }
        return;
    }

    struct smb_tx *t = smb_tx_find(s, 1, key);
    if (!t)
        return;
    if (t->req_done == 4) {             /* a file's READ_ANDX: the data to its FILE tx */
        uint16_t fid = (uint16_t)(t->u.file.fuid[0] | t->u.file.fuid[1] << 8);
        uint64_t foff = t->link;
        uint16_t rtid = t->tree_id;
        t->used = 0;
        if (status == 0 && wct == 12) {
            uint16_t doff = smb_le16(w + 12);
            uint32_t len = smb_le16(w + 10) | (uint32_t)smb_le16(w + 14) << 16;
            andx_data(s, file_tx(s, fid, rtid, cmd, APP_DIR_TOCLIENT), foff, m, n, doff, len, sink);
        }
        return;
    }
    if (t->req_done == 2) {             /* a file's WRITE_ANDX: nothing more */
        t->used = 0;
        return;
    }
    if (flags2 & SMB1_F2_NTSTATUS) {
        t->status = status;
        t->have_status = 1;
    } else if (status == 0) {
        t->have_status = 1;             /* DOS error "success" reads as STATUS_SUCCESS */
    }
    if (uid)
        t->session_id = uid;
    if (tid)
        t->tree_id = tid;
    struct txb bufs = { .n = 0 };
    int tdir = APP_DIR_TOCLIENT;
    size_t off = bytes_at;
    if (cmd == 0x72 && wct >= 1) {
        uint16_t idx = smb_le16(w);
        const char *d = t->u.neg.dialects;
        for (int i = 0; i < t->u.neg.ndialects; i++, d += strlen(d) + 1)
            if (i == idx) {
                size_t l = strlen(d) < sizeof(s->dialect1) - 1 ? strlen(d) : sizeof(s->dialect1) - 1;
                memcpy(s->dialect1, d, l);
                s->dialect1[l] = 0;
            }
        if (wct == 17 && SMB_HAVE(bend, off, 16))  /* GUID, or challenge + domain: */
            memcpy(t->u.neg.server_guid, m + off, 16);  /* Suricata reads 16 bytes either way */
        if (wct >= 2 && idx != 0xffff) {   /* the server speaks SMB1: its choice and signing */
            s->signing = (uint8_t)(((w[2] & 4) ? SMB_SIGN_ENABLED : 0) |
                                   ((w[2] & 8) ? SMB_SIGN_REQUIRED : 0));
            s->learn |= SMB_LEARN_NEG;
            if (!s->smb1_use[0] && s->dialect1[0]) {
                snprintf(s->smb1_use, sizeof(s->smb1_use), "%s", s->dialect1);
                s->learn |= SMB_LEARN_SMB1;
            }
        }
    } else if (cmd == 0x73 && (wct == 3 || wct == 4)) {
        if (wct == 4) {
            uint16_t bl = smb_le16(w + 6);
            if (SMB_HAVE(bend, off, bl))
                (void)ntlmssp_parse(t, s, m + off, bl);
            off += bl;
        }
        smb1_str(m, bend, &off, uni, t->u.ses.resp_os, sizeof(t->u.ses.resp_os));
        smb1_str(m, bend, &off, uni, t->u.ses.resp_lm, sizeof(t->u.ses.resp_lm));
        t->u.ses.have_resp = 1;
        memcpy(s->native_os, t->u.ses.resp_os, sizeof(s->native_os));
        memcpy(s->native_lm, t->u.ses.resp_lm, sizeof(s->native_lm));
        s->learn |= SMB_LEARN_OS;
        if (!s->server_name[0])
            snprintf(s->server_name, sizeof(s->server_name), "%s", t->u.ses.resp_os);
    } else if (cmd == 0x75 && wct >= 3) {
        smb1_str(m, bend, &off, 0, t->u.tree.resp_service, sizeof(t->u.tree.resp_service));
        t->u.tree.have_resp_service = 1;
    } else if (cmd == 0xa2 && t->type == SMBT_CREATE && status == 0 && (wct == 34 || wct == 42)) {
        uint16_t fid = smb_le16(w + 5);
        t->u.create.created = ft_unix(smb_le64(w + 11));
        t->u.create.accessed = ft_unix(smb_le64(w + 19));
        t->u.create.modified = ft_unix(smb_le64(w + 27));
        t->u.create.changed = ft_unix(smb_le64(w + 35));
        t->u.create.size = smb_le64(w + 47);   /* the allocation size, as Suricata's */
        t->u.create.guid[0] = (uint8_t)fid;
        t->u.create.guid[1] = (uint8_t)(fid >> 8);
        t->u.create.guid_len = 2;
        uint8_t k[16];
        fid_key(k, fid);
        struct smb_tree *tr = smb_tree_get(s, t->tree_id);
        smb_file_set(s, k, t->tree_id, t->u.create.name, tr && tr->is_pipe);
    }
    if (t->type == SMBT_TREE) {
        size_t l = strlen(t->u.tree.share);
        t->u.tree.is_pipe = !strcmp(t->u.tree.resp_service, "IPC") ||
                            (l >= 4 && !strcmp(t->u.tree.share + l - 4, "IPC$"));
        if (status == 0)
            smb_tree_set(s, t->tree_id, t->u.tree.share, t->u.tree.is_pipe);
        if (s->lim->rule_bufs)
            txb_add(&bufs, t->u.tree.is_pipe ? BUF_SMB_NAMED_PIPE : BUF_SMB_SHARE,
                    t->u.tree.share, strlen(t->u.tree.share));
        tdir = APP_DIR_TOSERVER;
    }
    smb_tx_done(s, t, tdir, &bufs, sink);
}
