/* app_nfs.c - NFSv3 (RFC 1813) over ONC RPC (RFC 5531), on TCP with the
 * record marking of RFC 5531 section 11 and on UDP (one message per
 * datagram): one `nfs` event per call when its reply comes, as Suricata
 * 7.0.10 logs them: rpc{xid, status, auth_type, creds{machine_name, uid,
 * gid}} and nfs{version, procedure, filename, hhash, id, file_tx,
 * type: "response", status, rename{from, to}, read{...}, write{...}}.
 *
 * Each TCP direction reads record-marking fragments: the first
 * NFS_FRAG_KEEP bytes of a record (its fragments joined) are kept (enough
 * for every header and name read here), the rest skipped, so a 1 MiB WRITE
 * costs no more than a LOOKUP; the file data of a READ reply or a WRITE call
 * past those bytes streams straight to the file tracker. A UDP flow gives
 * each datagram whole to the same message code (flow_datagram).
 * Calls (program 100003, version 3) wait for their reply in a table of
 * NFS_PENDING_MAX by xid (the oldest is dropped and counted when full).
 * What Suricata does, and so this parser:
 *   - `id` numbers every call but COMMIT, READ and WRITE, from 1, and each
 *     file transaction once; GETATTR replies are not logged (Suricata
 *     filters them); calls still unanswered when the flow ends are logged
 *     then (status "OK": Suricata's status of a call without a reply);
 *   - LOOKUP: filename the name asked for, hhash the handle the reply
 *     returns; CREATE, REMOVE, RMDIR, MKDIR, RENAME: the name and the
 *     directory's handle (RENAME also rename{from, to}); ACCESS and
 *     READDIRPLUS: the handle asked about and the name last seen for it
 *     (a LOOKUP or CREATE reply; NFS_NAMES_MAX remembered); the others:
 *     no name, no handle;
 *   - files (nfs_file_*): the first READ of a handle opens a file
 *     transaction to the client (its id, xid and credentials from that
 *     call, its name the one last seen for the handle); every READ reply is
 *     a chunk at the offset its call asked for, and the reply with eof
 *     closes the file (fileinfo, then the nfs event with read{first, last,
 *     last_xid, chunks}). The first WRITE of a handle opens one to the
 *     server (Suricata gives it no credentials: auth_type "NULL"); a WRITE
 *     with stable FILE_SYNC or a COMMIT of the handle closes the file; its
 *     nfs event (write{...}) comes when the flow ends, as Suricata's.
 *     `chunks` counts as Suricata does: each READ reply; each WRITE but the
 *     first, and the COMMIT. At most NFS_FILES_MAX file transactions per
 *     flow (the oldest is ended and logged when a new one needs room,
 *     counted). A chunk past the expected offset leaves a hole (the file
 *     ends TRUNCATED); a chunk before it (a retransmission) gives only its
 *     new bytes: Suricata queues chunks that come out of order instead;
 *   - hhash: the CRC-32 (IEEE) of the file handle, hex without leading
 *     zeros; file names as UTF-8, invalid bytes replaced by U+FFFD.
 * Not done: NFSv2/v4. AUTH_UNIX credentials are read as RFC 5531 lays them
 * out (the machine name padded to 4 bytes); Suricata 7.0.10 does not skip
 * that padding, so its uid/gid differ from ours when the name's length is
 * not a multiple of 4. A READ reply's attributes are skipped only when
 * present (Suricata always skips 84 bytes).
 *
 * Ownership: nfs_state belongs to one app_flow; its open files
 * (app_file.h) are closed at end() or destroy(). */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"
#include "app_file.h"

#define NFS_FRAG_KEEP   4096
#define NFS_PENDING_MAX 64
#define NFS_NAMES_MAX   64
#define NFS_NAME_MAX    255         /* bytes of a name as sent */
#define NFS_FH_MAX      64          /* NFS3_FHSIZE */
#define NFS_FILES_MAX   8           /* file transactions per flow */

enum { NFS_C_TX, NFS_C_PARSE_ERRORS, NFS_C_DROPPED, NFS_C_FILES_DROPPED };

struct nfs_fh {
    uint8_t len, d[NFS_FH_MAX];
};

struct nfs_call {
    uint32_t xid, proc, id, flavor, uid, gid;
    uint8_t used, has_fh, has_machine;
    uint64_t off;                   /* READ: the offset asked for */
    struct nfs_fh fh;
    uint16_t name_len, to_len;
    uint8_t name[NFS_NAME_MAX], to[NFS_NAME_MAX];
    char machine[NFS_NAME_MAX + 1];
    uint64_t seq;                   /* age, for eviction */
};

struct nfs_name {
    struct nfs_fh fh;
    uint16_t len;
    uint8_t name[NFS_NAME_MAX];
    uint64_t seq;
};

/* A file transaction: one file on one direction (READs or WRITEs of a
 * handle). c holds the handle, the name, the id and the first call's xid
 * and credentials. */
struct nfs_ftx {
    struct nfs_call c;
    uint8_t used, dir, closed, is_last;
    uint32_t chunks, last_xid, status;
    uint64_t next_off;              /* the file offset its next new byte has */
    struct app_file *af;
};

struct nfs_dir {
    uint8_t hdr[4];
    uint8_t nhdr, done, first;      /* first: the record goes on in the next fragment */
    uint8_t decided;                /* the record's message was handled (file data may stream) */
    uint32_t left;                  /* bytes of the fragment still to come */
    uint32_t len;
    /* the file data of the record in progress that was not in the message handled */
    int ftx;                        /* the nfs_ftx it goes to; -1: none */
    uint32_t file_left;             /* data bytes still to come */
    uint8_t close;                  /* 1: the record ends the file (eof): fileinfo and nfs
                                     * event; 2: only the file (a FILE_SYNC WRITE) */
    uint32_t ftx_id;                /* that transaction's id (its slot may be reused) */
    uint64_t file_pos;              /* the file offset of the next byte to come */
    uint8_t buf[NFS_FRAG_KEEP];
};

struct nfs_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint32_t next_id;
    uint64_t seq;
    struct nfs_dir d[2];
    struct nfs_call calls[NFS_PENDING_MAX];
    struct nfs_name names[NFS_NAMES_MAX];
    struct nfs_ftx files[NFS_FILES_MAX];
    const struct app_sink *sink;    /* the sink of the call in progress */
};

/* The event's record (tx->meta). */
struct nfs_meta {
    const struct nfs_call *c;
    const struct nfs_ftx *f;        /* a file transaction: read{} / write{} */
    uint32_t status;
    const struct nfs_fh *fh;        /* NULL: no hhash */
    const uint8_t *name;
    uint16_t name_len;
};

/* XDR reader over [p, end). */
struct xdr {
    const uint8_t *p, *end;
    int bad;
};
static uint32_t xu32(struct xdr *x)
{
    if (x->bad || x->end - x->p < 4) {
        x->bad = 1;
        return 0;
    }
    uint32_t v = (uint32_t)x->p[0] << 24 | (uint32_t)x->p[1] << 16 | (uint32_t)x->p[2] << 8 | x->p[3];
    x->p += 4;
    return v;
}
/* Variable-length opaque of at most max bytes: its bytes, padding skipped. */
static const uint8_t *xopaque(struct xdr *x, uint32_t max, uint32_t *len)
{
    uint32_t n = xu32(x);
    size_t padded = ((size_t)n + 3) & ~(size_t)3;
    if (x->bad || n > max || (size_t)(x->end - x->p) < padded) {
        x->bad = 1;
        return NULL;
    }
    const uint8_t *d = x->p;
    x->p += padded;
    *len = n;
    return d;
}
static void xfh(struct xdr *x, struct nfs_fh *fh)
{
    uint32_t n;
    const uint8_t *d = xopaque(x, NFS_FH_MAX, &n);
    if (!d)
        return;
    fh->len = (uint8_t)n;
    memcpy(fh->d, d, n);
}
static void xname(struct xdr *x, uint8_t *out, uint16_t *olen)
{
    uint32_t n;
    const uint8_t *d = xopaque(x, NFS_NAME_MAX, &n);
    if (!d)
        return;
    memcpy(out, d, n);
    *olen = (uint16_t)n;
}

static const struct nfs_name *name_find(const struct nfs_state *s, const struct nfs_fh *fh)
{
    for (int i = 0; i < NFS_NAMES_MAX; i++)
        if (s->names[i].seq && s->names[i].fh.len == fh->len && !memcmp(s->names[i].fh.d, fh->d, fh->len))
            return &s->names[i];
    return NULL;
}

static void name_put(struct nfs_state *s, const struct nfs_fh *fh, const uint8_t *name, uint16_t len)
{
    struct nfs_name *slot = (struct nfs_name *)name_find(s, fh);
    for (int i = 0; !slot && i < NFS_NAMES_MAX; i++)
        if (!s->names[i].seq)
            slot = &s->names[i];
    if (!slot) {                    /* full: the oldest goes */
        slot = &s->names[0];
        for (int i = 1; i < NFS_NAMES_MAX; i++)
            if (s->names[i].seq < slot->seq)
                slot = &s->names[i];
    }
    slot->fh = *fh;
    memcpy(slot->name, name, len);
    slot->len = len;
    slot->seq = ++s->seq;
}

enum { P_NULL = 0, P_GETATTR = 1, P_LOOKUP = 3, P_ACCESS = 4, P_READ = 6, P_WRITE = 7, P_CREATE = 8,
       P_MKDIR = 9, P_REMOVE = 12, P_RMDIR = 13, P_RENAME = 14, P_READDIRPLUS = 17, P_COMMIT = 21 };

/* ---- file transactions ---- */

static int fh_eq(const struct nfs_fh *a, const struct nfs_fh *b)
{
    return a->len == b->len && !memcmp(a->d, b->d, a->len);
}

/* The open (not yet closed) file transaction of handle fh on dir, or -1. */
static int ftx_find(const struct nfs_state *s, const struct nfs_fh *fh, int dir)
{
    for (int i = 0; i < NFS_FILES_MAX; i++)
        if (s->files[i].used && !s->files[i].closed && s->files[i].dir == dir && fh_eq(&s->files[i].c.fh, fh))
            return i;
    return -1;
}

/* The file transaction's event: its file's fileinfo first (when the file is
 * still open: TRUNCATED), then the nfs event. */
static void ftx_emit(struct nfs_state *s, struct nfs_ftx *f, const struct app_sink *sink)
{
    struct nfs_meta m = { .c = &f->c, .f = f, .status = f->status, .fh = &f->c.fh,
                          .name = f->c.name, .name_len = f->c.name_len };
    struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_NFS, .dir = f->dir, .event = 1, .meta = &m };
    if (f->af) {
        app_file_close(f->af, APP_FILE_TRUNCATED, &parent, sink);
        f->af = NULL;
    }
    s->ctr[NFS_C_TX]++;
    app_buf_emit(sink, s->id, TX_NFS, APP_DIR_TOCLIENT, 1, NULL, &m);
    f->used = 0;
}

/* Closes f's file with state (fileinfo), without its nfs event yet. */
static void ftx_close_file(struct nfs_state *s, struct nfs_ftx *f, enum app_file_state st,
                           const struct app_sink *sink)
{
    struct nfs_meta m = { .c = &f->c, .f = f, .status = f->status, .fh = &f->c.fh,
                          .name = f->c.name, .name_len = f->c.name_len };
    struct app_tx parent = { .proto = (uint8_t)s->id, .kind = TX_NFS, .dir = f->dir, .event = 1, .meta = &m };
    f->closed = 1;
    if (f->af) {
        app_file_close(f->af, st, &parent, sink);
        f->af = NULL;
    }
}

/* A new file transaction for call c on dir: a free slot, else the oldest
 * one is ended (logged) and counted. */
static int ftx_new(struct nfs_state *s, const struct nfs_call *c, int dir, const struct app_sink *sink)
{
    int k = -1;
    for (int i = 0; i < NFS_FILES_MAX && k < 0; i++)
        if (!s->files[i].used)
            k = i;
    if (k < 0) {
        k = 0;
        for (int i = 1; i < NFS_FILES_MAX; i++)
            if (s->files[i].c.id < s->files[k].c.id)
                k = i;
        s->ctr[NFS_C_FILES_DROPPED]++;
        ftx_emit(s, &s->files[k], sink);
    }
    struct nfs_ftx *f = &s->files[k];
    memset(f, 0, sizeof(*f));
    f->c = *c;
    f->c.id = ++s->next_id;
    f->used = 1;
    f->dir = (uint8_t)dir;
    const struct nfs_name *n = name_find(s, &c->fh);
    if (n) {
        memcpy(f->c.name, n->name, n->len);
        f->c.name_len = n->len;
    }
    return k;
}

/* A chunk of file f at offset off: len bytes of which the first `have` are
 * at p (the rest streams later, nfs_stream). Returns how many of the
 * chunk's bytes are still to come. */
static uint32_t ftx_chunk(struct nfs_state *s, struct nfs_ftx *f, uint64_t off, const uint8_t *p,
                          uint32_t have, uint32_t len, const struct app_sink *sink)
{
    if (!f->af && !f->next_off && !f->closed)
        f->af = app_file_open(s->st, s->id, f->dir, f->c.id - 1, f->c.name_len ? f->c.name : NULL,
                              f->c.name_len);
    if (off > f->next_off) {             /* a chunk we did not see */
        app_file_gap(f->af, (size_t)(off - f->next_off));
        f->next_off = off;
    }
    uint64_t skip = f->next_off - off;   /* bytes given already (a retransmission) */
    if (skip < have)
        app_file_data(f->af, p + skip, have - (size_t)skip, sink);
    if (off + have > f->next_off)
        f->next_off = off + have;
    return len - have;
}

/* Bytes of the file data of the record in progress on dir (TCP). */
static void nfs_stream(struct nfs_state *s, struct nfs_dir *d, const uint8_t *p, size_t n)
{
    if (d->ftx < 0 || !d->file_left || !n)
        return;
    struct nfs_ftx *f = &s->files[d->ftx];
    size_t k = n < d->file_left ? n : d->file_left;
    if (f->used && !f->closed && f->c.id == d->ftx_id && d->file_pos + k > f->next_off) {
        /* only what the file has not had yet (a retransmitted chunk gives none) */
        size_t skip = f->next_off > d->file_pos ? (size_t)(f->next_off - d->file_pos) : 0;
        app_file_data(f->af, p + skip, k - skip, s->sink);
        f->next_off = d->file_pos + k;
    }
    d->file_pos += k;
    d->file_left -= (uint32_t)k;
}

/* The record in progress on dir ended: a file data short of its count is
 * a hole; the READ reply with eof closes its file. */
static void nfs_record_end(struct nfs_state *s, struct nfs_dir *d, const struct app_sink *sink)
{
    if (d->ftx >= 0 && s->files[d->ftx].used && s->files[d->ftx].c.id == d->ftx_id) {
        struct nfs_ftx *f = &s->files[d->ftx];
        if (d->file_left) {             /* the record ended before its data */
            s->ctr[NFS_C_PARSE_ERRORS]++;
            if (!f->closed && d->file_pos + d->file_left > f->next_off) {
                uint64_t from = d->file_pos > f->next_off ? d->file_pos : f->next_off;
                app_file_gap(f->af, (size_t)(d->file_pos + d->file_left - from));
                f->next_off = d->file_pos + d->file_left;
            }
        }
        if (d->close && !f->closed)
            ftx_close_file(s, f, APP_FILE_CLOSED, sink);
        if (d->close == 1)
            ftx_emit(s, f, sink);
    }
    d->ftx = -1;
    d->file_left = 0;
    d->close = 0;
    d->decided = 0;
}

/* WRITE3args after the call header: the chunk goes to the handle's file
 * transaction to the server. */
static void nfs_write(struct nfs_state *s, struct nfs_dir *d, struct xdr *x, const struct nfs_call *c,
                      const struct app_sink *sink)
{
    struct nfs_fh fh;
    memset(&fh, 0, sizeof(fh));
    xfh(x, &fh);
    uint64_t off = (uint64_t)xu32(x) << 32;
    off |= xu32(x);
    uint32_t count = xu32(x), stable = xu32(x), dlen = xu32(x);
    if (x->bad || stable > 2 || dlen > count) {
        s->ctr[NFS_C_PARSE_ERRORS]++;
        return;
    }
    int k = ftx_find(s, &fh, (int)(d - s->d));      /* the call's direction */
    if (k < 0) {
        struct nfs_call w = *c;
        w.fh = fh;
        w.flavor = 0;                   /* Suricata keeps no credentials for it */
        w.has_machine = 0;
        w.proc = P_WRITE;
        k = ftx_new(s, &w, (int)(d - s->d), sink);
    } else {
        s->files[k].chunks++;
    }
    struct nfs_ftx *f = &s->files[k];
    uint32_t have = (uint32_t)(x->end - x->p) < dlen ? (uint32_t)(x->end - x->p) : dlen;
    d->ftx = k;
    d->ftx_id = f->c.id;
    d->file_pos = off + have;
    d->file_left = ftx_chunk(s, f, off, x->p, have, dlen, sink);
    if (stable == 2) {                  /* FILE_SYNC: the last chunk */
        f->is_last = 1;
        f->last_xid = c->xid;
        if (!d->file_left)
            ftx_close_file(s, f, APP_FILE_CLOSED, sink);
        else
            d->close = 2;               /* close the file at the record's end, no event */
    }
}

static void nfs_commit(struct nfs_state *s, int dir, struct xdr *x, uint32_t xid, const struct app_sink *sink)
{
    struct nfs_fh fh;
    memset(&fh, 0, sizeof(fh));
    xfh(x, &fh);
    int k = x->bad ? -1 : ftx_find(s, &fh, dir);
    if (k < 0)
        return;
    struct nfs_ftx *f = &s->files[k];
    f->chunks++;
    f->last_xid = xid;
    f->is_last = 1;
    ftx_close_file(s, f, APP_FILE_CLOSED, sink);
}

static void pending_put(struct nfs_state *s, const struct nfs_call *c)
{
    struct nfs_call *slot = NULL;
    for (int i = 0; i < NFS_PENDING_MAX; i++)
        if (!s->calls[i].used || s->calls[i].xid == c->xid) {
            slot = &s->calls[i];
            break;
        }
    if (!slot) {
        slot = &s->calls[0];
        for (int i = 1; i < NFS_PENDING_MAX; i++)
            if (s->calls[i].seq < slot->seq)
                slot = &s->calls[i];
        s->ctr[NFS_C_DROPPED]++;
    }
    *slot = *c;
}

static void nfs_call(struct nfs_state *s, struct nfs_dir *d, struct xdr *x, uint32_t xid,
                     const struct app_sink *sink)
{
    if (xu32(x) != 2 || xu32(x) != 100003 || xu32(x) != 3)
        return;                     /* not NFSv3: not ours */
    uint32_t proc = xu32(x);
    if (x->bad || proc > 21)
        goto bad;
    struct nfs_call c;
    memset(&c, 0, sizeof(c));
    c.xid = xid;
    c.proc = proc;
    c.flavor = xu32(x);
    uint32_t cl;
    const uint8_t *cred = xopaque(x, 400, &cl);
    if (!cred)
        goto bad;
    if (c.flavor == 1) {            /* AUTH_UNIX: stamp, machine name, uid, gid, gids */
        struct xdr cx = { cred, cred + cl, 0 };
        uint32_t ml;
        (void)xu32(&cx);
        const uint8_t *m = xopaque(&cx, NFS_NAME_MAX, &ml);
        c.uid = xu32(&cx);
        c.gid = xu32(&cx);
        if (m && !cx.bad) {
            memcpy(c.machine, m, ml);
            c.machine[ml] = 0;
            c.has_machine = 1;
        }
    }
    uint32_t vl;
    (void)xu32(x);                  /* verifier */
    if (!xopaque(x, 400, &vl))
        goto bad;
    switch (proc) {
    case P_WRITE:
        nfs_write(s, d, x, &c, sink);
        return;
    case P_COMMIT:
        nfs_commit(s, (int)(d - s->d), x, xid, sink);
        return;
    case P_READ: {                  /* a file transaction to the client; the reply is paired */
        xfh(x, &c.fh);
        c.off = (uint64_t)xu32(x) << 32;
        c.off |= xu32(x);
        if (x->bad)
            goto bad;
        int rdir = 1 - (int)(d - s->d);         /* the data comes the other way */
        if (ftx_find(s, &c.fh, rdir) < 0)
            ftx_new(s, &c, rdir, sink);
        c.used = 1;
        c.seq = ++s->seq;
        pending_put(s, &c);
        return;
    }
    case P_LOOKUP:
        xfh(x, &c.fh);
        xname(x, c.name, &c.name_len);
        break;
    case P_CREATE: case P_MKDIR: case P_REMOVE: case P_RMDIR:
        xfh(x, &c.fh);
        xname(x, c.name, &c.name_len);
        c.has_fh = 1;
        break;
    case P_RENAME: {
        struct nfs_fh to;
        xfh(x, &c.fh);
        xname(x, c.name, &c.name_len);
        xfh(x, &to);
        xname(x, c.to, &c.to_len);
        c.has_fh = 1;
        break;
    }
    case P_ACCESS: case P_READDIRPLUS: case P_GETATTR: {
        xfh(x, &c.fh);
        c.has_fh = 1;
        const struct nfs_name *n = x->bad ? NULL : name_find(s, &c.fh);
        if (n) {
            memcpy(c.name, n->name, n->len);
            c.name_len = n->len;
        }
        break;
    }
    default:
        break;
    }
    if (x->bad)
        goto bad;
    c.id = ++s->next_id;
    c.used = 1;
    c.seq = ++s->seq;
    pending_put(s, &c);
    return;
bad:
    s->ctr[NFS_C_PARSE_ERRORS]++;
}

/* READ3res after the reply header (status read): the chunk goes to the
 * handle's file transaction to the client. */
static void nfs_read_reply(struct nfs_state *s, struct nfs_dir *d, struct xdr *x, const struct nfs_call *c,
                           uint32_t status, const struct app_sink *sink)
{
    int k = ftx_find(s, &c->fh, (int)(d - s->d));  /* the reply's direction */
    if (k < 0 || status != 0)
        return;                     /* no open transaction, or an error: nothing of the file */
    if (xu32(x) == 1) {             /* post_op_attr: fattr3 follows */
        if (x->end - x->p < 84)
            x->bad = 1;
        else
            x->p += 84;
    }
    uint32_t count = xu32(x), eof = xu32(x), dlen = xu32(x);
    if (x->bad || eof > 1 || dlen > count) {
        s->ctr[NFS_C_PARSE_ERRORS]++;
        return;
    }
    struct nfs_ftx *f = &s->files[k];
    f->chunks++;
    uint32_t have = (uint32_t)(x->end - x->p) < dlen ? (uint32_t)(x->end - x->p) : dlen;
    d->ftx = k;
    d->ftx_id = f->c.id;
    d->file_pos = c->off + have;
    d->file_left = ftx_chunk(s, f, c->off, x->p, have, dlen, sink);
    if (eof) {
        f->is_last = 1;
        f->last_xid = c->xid;
        f->status = status;
        d->close = 1;
    }
}

static void nfs_reply(struct nfs_state *s, struct nfs_dir *d, struct xdr *x, uint32_t xid,
                      const struct app_sink *sink)
{
    struct nfs_call *c = NULL;
    for (int i = 0; i < NFS_PENDING_MAX; i++)
        if (s->calls[i].used && s->calls[i].xid == xid) {
            c = &s->calls[i];
            break;
        }
    if (!c)
        return;
    c->used = 0;
    struct nfs_meta m = { .c = c, .name = c->name, .name_len = c->name_len };
    uint32_t vl;
    int results = 0;
    if (xu32(x) == 0) {             /* MSG_ACCEPTED */
        (void)xu32(x);
        xopaque(x, 400, &vl);
        if (xu32(x) == 0 && c->proc != P_NULL) {    /* SUCCESS: the results */
            m.status = xu32(x);
            results = !x->bad;
        }
    }
    if (x->bad)
        m.status = 0;
    if (c->proc == P_READ) {
        if (results)
            nfs_read_reply(s, d, x, c, m.status, sink);
        return;
    }
    struct nfs_fh obj;
    if (c->has_fh)
        m.fh = &c->fh;
    if (results && m.status == 0) {
        if (c->proc == P_LOOKUP) {
            xfh(x, &obj);
            if (!x->bad) {
                m.fh = &obj;
                name_put(s, &obj, c->name, c->name_len);
            }
        } else if (c->proc == P_CREATE && xu32(x) == 1) {
            xfh(x, &obj);
            if (!x->bad)
                name_put(s, &obj, c->name, c->name_len);
        }
    }
    s->ctr[NFS_C_TX]++;
    if (c->proc != P_GETATTR)
        app_buf_emit(sink, s->id, TX_NFS, APP_DIR_TOCLIENT, 1, NULL, &m);
}

/* One RPC message: a whole datagram, or a TCP record's first bytes (at most
 * NFS_FRAG_KEEP; the file data past them streams, nfs_stream). */
static void nfs_message(struct nfs_state *s, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct nfs_dir *d = &s->d[dir];
    struct xdr x = { p, p + n, 0 };
    uint32_t xid = xu32(&x), type = xu32(&x);
    s->sink = sink;
    d->ftx = -1;
    d->file_left = 0;
    d->close = 0;
    if (x.bad)
        s->ctr[NFS_C_PARSE_ERRORS]++;
    else if (type == 0)             /* by type, not direction: a flow seen from its */
        nfs_call(s, d, &x, xid, sink);      /* middle may have its ends swapped */
    else if (type == 1)
        nfs_reply(s, d, &x, xid, sink);
}

static void nfs_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct nfs_state *s = state;
    struct nfs_dir *d = &s->d[dir];

    s->sink = sink;
    while (n && !d->done) {
        if (!d->left && d->nhdr < 4) {
            d->hdr[d->nhdr++] = *p++;
            n--;
            if (d->nhdr < 4)
                continue;
            uint32_t v = (uint32_t)d->hdr[0] << 24 | (uint32_t)d->hdr[1] << 16 | (uint32_t)d->hdr[2] << 8 | d->hdr[3];
            d->left = v & 0x7fffffff;
            if (!d->first)
                d->len = 0;         /* a new record */
            if (d->left < 8 && !d->first) {
                s->ctr[NFS_C_PARSE_ERRORS]++;
                d->done = 1;        /* no RPC message is this short: framing lost */
                break;
            }
            continue;
        }
        size_t k = n < d->left ? n : d->left;
        size_t keep = d->len < NFS_FRAG_KEEP ? NFS_FRAG_KEEP - d->len : 0;
        if (keep > k)
            keep = k;
        memcpy(d->buf + d->len, p, keep);
        d->len += (uint32_t)keep;
        if (!d->decided && d->len == NFS_FRAG_KEEP && k > keep) {
            /* the record goes past what is kept: handle its message now, so
             * that its file data can stream */
            nfs_message(s, dir, d->buf, d->len, sink);
            d->decided = 1;
        }
        if (d->decided && k > keep)
            nfs_stream(s, d, p + keep, k - keep);
        d->left -= (uint32_t)k;
        p += k;
        n -= k;
        if (!d->left) {
            d->first = !(d->hdr[0] & 0x80);    /* 1: more fragments of this record follow */
            if (!d->first) {                   /* the record is complete */
                if (!d->decided)
                    nfs_message(s, dir, d->buf, d->len, sink);
                nfs_record_end(s, d, sink);
            }
            d->nhdr = 0;
        }
    }
}

/* UDP: each datagram is one RPC message, no record marking. */
static void nfs_flow_datagram(void *state, int dir, const uint8_t *msg, size_t len, const struct app_sink *sink)
{
    struct nfs_state *s = state;
    struct nfs_dir *d = &s->d[dir];
    s->sink = sink;
    nfs_message(s, dir, msg, len, sink);
    nfs_record_end(s, d, sink);
}

static void *nfs_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct nfs_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    s->d[0].ftx = s->d[1].ftx = -1;
    return s;
}

static void nfs_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    struct nfs_state *s = state;
    (void)n;
    (void)sink;
    s->d[dir].done = 1;
}

/* The flow ended: the calls still unanswered and the file transactions
 * still open or unlogged are logged, in the order of their ids (as
 * Suricata logs the transactions left at the end of a flow). */
static void nfs_end(void *state, const struct app_sink *sink)
{
    struct nfs_state *s = state;
    for (;;) {
        struct nfs_call *c = NULL;
        struct nfs_ftx *f = NULL;
        for (int i = 0; i < NFS_PENDING_MAX; i++)
            if (s->calls[i].used && s->calls[i].proc != P_READ && (!c || s->calls[i].id < c->id))
                c = &s->calls[i];
        for (int i = 0; i < NFS_FILES_MAX; i++)
            if (s->files[i].used && (!f || s->files[i].c.id < f->c.id))
                f = &s->files[i];
        if (f && (!c || f->c.id < c->id)) {
            ftx_emit(s, f, sink);
            continue;
        }
        if (!c)
            break;
        c->used = 0;
        if (c->proc == P_GETATTR)
            continue;
        struct nfs_meta m = { .c = c, .name = c->name, .name_len = c->name_len,
                              .fh = c->has_fh ? &c->fh : NULL };
        s->ctr[NFS_C_TX]++;
        app_buf_emit(sink, s->id, TX_NFS, APP_DIR_TOCLIENT, 1, NULL, &m);
    }
    for (int i = 0; i < NFS_PENDING_MAX; i++)
        s->calls[i].used = 0;
}

static void nfs_destroy(void *state)
{
    struct nfs_state *s = state;
    if (!s)
        return;
    for (int i = 0; i < NFS_FILES_MAX; i++)
        if (s->files[i].af)
            app_file_close(s->files[i].af, APP_FILE_TRUNCATED, NULL, NULL);
    app_buf_release(s->st, s, sizeof(*s));
}

/* ---- the event ---- */

static uint32_t crc32_ieee(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return ~c;
}

/* UTF-8 with each invalid byte replaced by U+FFFD (as Rust's lossy decoding
 * does for the common cases); returns the length written. */
static size_t lossy(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap;) {
        uint8_t c = p[i];
        size_t k = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 0;
        int ok = k && i + k <= n;
        for (size_t j = 1; ok && j < k; j++)
            ok = (p[i + j] & 0xc0) == 0x80;
        if (ok) {
            memcpy(out + o, p + i, k);
            o += k;
            i += k;
        } else {
            memcpy(out + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    out[o] = 0;
    return o;
}

static void kname(struct jw *w, const char *k, const uint8_t *p, size_t n, char *buf, size_t cap)
{
    jw_key(w, k);
    jw_strn(w, buf, lossy(p, n, buf, cap));
}

static const char *const procs[22] = {
    "NULL", "GETATTR", "SETATTR", "LOOKUP", "ACCESS", "READLINK", "READ", "WRITE", "CREATE",
    "MKDIR", "SYMLINK", "MKNOD", "REMOVE", "RMDIR", "RENAME", "LINK", "READDIR", "READDIRPLUS",
    "FSSTAT", "FSINFO", "PATHCONF", "COMMIT",
};

static const char *status_name(uint32_t v, char *buf, size_t cap)
{
    static const struct { uint32_t v; const char *n; } t[] = {
        { 0, "OK" }, { 1, "ERR_PERM" }, { 2, "ERR_NOENT" }, { 5, "ERR_IO" }, { 6, "ERR_NXIO" },
        { 13, "ERR_ACCES" }, { 17, "ERR_EXIST" }, { 18, "ERR_XDEV" }, { 19, "ERR_NODEV" },
        { 20, "ERR_NOTDIR" }, { 21, "ERR_ISDIR" }, { 22, "ERR_INVAL" }, { 27, "ERR_FBIG" },
        { 28, "ERR_NOSPC" }, { 30, "ERR_ROFS" }, { 31, "ERR_MLINK" }, { 63, "ERR_NAMETOOLONG" },
        { 66, "ERR_NOTEMPTY" }, { 69, "ERR_DQUOT" }, { 70, "ERR_STALE" }, { 71, "ERR_REMOTE" },
        { 10001, "ERR_BADHANDLE" }, { 10002, "ERR_NOT_SYNC" }, { 10003, "ERR_BAD_COOKIE" },
        { 10004, "ERR_NOTSUPP" }, { 10005, "ERR_TOOSMALL" }, { 10006, "ERR_SERVERFAULT" },
        { 10007, "ERR_BADTYPE" }, { 10008, "ERR_JUKEBOX" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (t[i].v == v)
            return t[i].n;
    snprintf(buf, cap, "%u", v);
    return buf;
}

static void nfs_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct nfs_meta *m = tx->meta;
    const struct nfs_call *c = m->c;
    char buf[NFS_NAME_MAX * 3 + 8];

    jw_kobj(w, "rpc");
    jw_ku64(w, "xid", c->xid);
    jw_kstr(w, "status", "ACCEPTED");
    jw_kstr(w, "auth_type", c->flavor == 0 ? "NULL" : c->flavor == 1 ? "UNIX" : c->flavor == 2 ? "SHORT" :
            c->flavor == 3 ? "DH" : c->flavor == 6 ? "RPCSEC_GSS" : "UNKNOWN");
    if (c->flavor == 1 && c->has_machine) {
        jw_kobj(w, "creds");
        kname(w, "machine_name", (const uint8_t *)c->machine, strlen(c->machine), buf, sizeof(buf));
        jw_ku64(w, "uid", c->uid);
        jw_ku64(w, "gid", c->gid);
        jw_obj_end(w);
    }
    jw_obj_end(w);
    jw_kobj(w, "nfs");
    jw_ku64(w, "version", 3);
    jw_kstr(w, "procedure", procs[c->proc % 22]);
    kname(w, "filename", m->name, m->name_len, buf, sizeof(buf));
    if (m->fh && m->fh->len) {
        snprintf(buf, sizeof(buf), "%x", crc32_ieee(m->fh->d, m->fh->len));
        jw_kstr(w, "hhash", buf);
    }
    jw_ku64(w, "id", c->id);
    jw_key(w, "file_tx");
    jw_bool(w, m->f != NULL);
    jw_kstr(w, "type", "response");
    jw_kstr(w, "status", status_name(m->status, buf, sizeof(buf)));
    if (m->f) {
        jw_kobj(w, c->proc == P_WRITE ? "write" : "read");
        jw_key(w, "first");
        jw_bool(w, 1);                  /* one transaction per file, from its first chunk */
        jw_key(w, "last");
        jw_bool(w, m->f->is_last);
        jw_ku64(w, "last_xid", m->f->last_xid);
        jw_ku64(w, "chunks", m->f->chunks);
        jw_obj_end(w);
    }
    if (c->proc == P_RENAME) {
        jw_kobj(w, "rename");
        kname(w, "from", c->name, c->name_len, buf, sizeof(buf));
        kname(w, "to", c->to, c->to_len, buf, sizeof(buf));
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

const struct app_parser app_nfs_parser = {
    .name = "nfs", .rule_proto = "nfs", .event_type = "nfs", .event_id = 23,
    .transports = APP_TCP | APP_UDP_FLOW,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_NFS, 0 },
    .counters = (const char *const[]){ "tx", "parse_errors", "calls_dropped", "files_dropped", NULL },
    .create = nfs_create, .feed = nfs_feed, .gap = nfs_gap, .end = nfs_end, .destroy = nfs_destroy,
    .flow_datagram = nfs_flow_datagram,
    .event_body = nfs_event_body,
};
