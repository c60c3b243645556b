/* app_nfs.c - NFSv3 (RFC 1813) over ONC RPC (RFC 5531) on TCP, with the
 * record marking of RFC 5531 section 11: one `nfs` event per call when its
 * reply comes, as Suricata 7.0.10 logs them: rpc{xid, status, auth_type,
 * creds{machine_name, uid, gid}} and nfs{version, procedure, filename,
 * hhash, id, file_tx, type: "response", status, rename{from, to}}.
 *
 * Each direction reads record-marking fragments: the first NFS_FRAG_KEEP
 * bytes of a record (its fragments joined) are kept (enough for every
 * header and name read here), the rest skipped, so a 1 MiB WRITE costs no
 * more than a LOOKUP.
 * Calls (program 100003, version 3) wait for their reply in a table of
 * NFS_PENDING_MAX by xid (the oldest is dropped and counted when full).
 * What Suricata does, and so this parser:
 *   - `id` numbers every call but COMMIT, from 1; GETATTR replies are not
 *     logged (Suricata filters them);
 *   - LOOKUP: filename the name asked for, hhash the handle the reply
 *     returns; CREATE, REMOVE, RMDIR, MKDIR, RENAME: the name and the
 *     directory's handle (RENAME also rename{from, to}); ACCESS and
 *     READDIRPLUS: the handle asked about and the name last seen for it
 *     (a LOOKUP or CREATE reply; NFS_NAMES_MAX remembered); the others:
 *     no name, no handle;
 *   - hhash: the CRC-32 (IEEE) of the file handle, hex without leading
 *     zeros; file names as UTF-8, invalid bytes replaced by U+FFFD.
 * Not done: READ, WRITE and COMMIT (Suricata's file transactions: they
 * belong with the file tracker, app_file.h); NFS over UDP (the datagram
 * interface keeps no state to pair a reply with its call); NFSv2/v4.
 * AUTH_UNIX credentials are read as RFC 5531 lays them out (the machine
 * name padded to 4 bytes); Suricata 7.0.10 does not skip that padding, so
 * its uid/gid differ from ours when the name's length is not a multiple
 * of 4.
 *
 * Ownership: nfs_state belongs to one app_flow. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"

#define NFS_FRAG_KEEP   4096
#define NFS_PENDING_MAX 64
#define NFS_NAMES_MAX   64
#define NFS_NAME_MAX    255         /* bytes of a name as sent */
#define NFS_FH_MAX      64          /* NFS3_FHSIZE */

enum { NFS_C_TX, NFS_C_PARSE_ERRORS, NFS_C_DROPPED };

struct nfs_fh {
    uint8_t len, d[NFS_FH_MAX];
};

struct nfs_call {
    uint32_t xid, proc, id, flavor, uid, gid;
    uint8_t used, has_fh, has_machine;
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

struct nfs_dir {
    uint8_t hdr[4];
    uint8_t nhdr, done, first;      /* first: the record goes on in the next fragment */
    uint32_t left;                  /* bytes of the fragment still to come */
    uint32_t len;
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
};

/* The event's record (tx->meta). */
struct nfs_meta {
    const struct nfs_call *c;
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

static void nfs_call(struct nfs_state *s, struct xdr *x, uint32_t xid)
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
    if (proc == P_COMMIT || proc == P_READ || proc == P_WRITE) {
        if (proc != P_COMMIT)
            s->next_id++;           /* Suricata numbers them (file transactions) */
        return;                     /* not logged here (see the top) */
    }
    switch (proc) {
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
    struct nfs_call *slot = NULL;
    for (int i = 0; i < NFS_PENDING_MAX; i++)
        if (!s->calls[i].used || s->calls[i].xid == xid) {
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
    *slot = c;
    return;
bad:
    s->ctr[NFS_C_PARSE_ERRORS]++;
}

static void nfs_reply(struct nfs_state *s, struct xdr *x, uint32_t xid, const struct app_sink *sink)
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

/* One fragment's first bytes (at most NFS_FRAG_KEEP) that start a record. */
static void nfs_message(struct nfs_state *s, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct xdr x = { p, p + n, 0 };
    uint32_t xid = xu32(&x), type = xu32(&x);
    if (x.bad)
        s->ctr[NFS_C_PARSE_ERRORS]++;
    else if (type == 0 && dir == APP_DIR_TOSERVER)
        nfs_call(s, &x, xid);
    else if (type == 1 && dir == APP_DIR_TOCLIENT)
        nfs_reply(s, &x, xid, sink);
}

static void nfs_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sink)
{
    struct nfs_state *s = state;
    struct nfs_dir *d = &s->d[dir];

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
        d->left -= (uint32_t)k;
        p += k;
        n -= k;
        if (!d->left) {
            d->first = !(d->hdr[0] & 0x80);    /* 1: more fragments of this record follow */
            if (!d->first)                     /* the record is complete */
                nfs_message(s, dir, d->buf, d->len, sink);
            d->nhdr = 0;
        }
    }
}

static void *nfs_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct nfs_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

static void nfs_gap(void *state, int dir, size_t n, const struct app_sink *sink)
{
    struct nfs_state *s = state;
    (void)n;
    (void)sink;
    s->d[dir].done = 1;
}

static void nfs_end(void *state, const struct app_sink *sink)
{
    (void)state;
    (void)sink;
}

static void nfs_destroy(void *state)
{
    struct nfs_state *s = state;
    if (s)
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
    jw_bool(w, 0);
    jw_kstr(w, "type", "response");
    jw_kstr(w, "status", status_name(m->status, buf, sizeof(buf)));
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
    .transports = APP_TCP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_NFS, 0 },
    .counters = (const char *const[]){ "tx", "parse_errors", "calls_dropped", NULL },
    .create = nfs_create, .feed = nfs_feed, .gap = nfs_gap, .end = nfs_end, .destroy = nfs_destroy,
    .event_body = nfs_event_body,
};
