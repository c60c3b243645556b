/* app_krb5.c - Kerberos 5 (RFC 4120) over UDP and TCP: AS-REQ, AS-REP,
 * TGS-REQ, TGS-REP and KRB-ERROR, as Suricata 7.0.10 logs them.
 *
 * A message is DER: an APPLICATION tag (10 AS-REQ, 11 AS-REP, 12 TGS-REQ,
 * 13 TGS-REP, 14 AP-REQ, 15 AP-REP, 30 KRB-ERROR) around a SEQUENCE of
 * context-tagged fields. Over UDP a datagram is one message; over TCP each
 * message follows a 4-byte record mark (RFC 4120 section 7.2.2), collected
 * up to KRB_MSG_MAX (a longer record is skipped to its end, counted as a
 * parse error). The DER reader checks every length against what encloses
 * it; a message that does not parse is counted and makes no transaction.
 *
 * Transactions (as Suricata's krb5 parser makes them): each AS-REQ,
 * TGS-REQ, AS-REP, TGS-REP and KRB-ERROR is one transaction and one krb5
 * event: krb5{msg_type, [failed_request, error_code,] cname, realm, sname,
 * encryption, weak_encryption[, ticket_encryption, ticket_weak_encryption]}
 * with Suricata's spellings ("<empty>", "<none>", kerberos-parser's etype
 * and error names). An error names the request it answers (failed_request)
 * from the flow's last request: over TCP, and over UDP when the worker
 * gives the flow's datagrams to one state (flow_datagram); a lone datagram
 * (datagram()) has "UNKNOWN". Weak: every etype but AES and Camellia (RC4,
 * DES, 3DES, ...), as Suricata's test_weak_encryption.
 *
 * Rule buffers: krb5_cname and krb5_sname, one occurrence per name
 * component (Suricata's multi-buffers), of the KDC's answers only (replies
 * and errors: Suricata 7.0.10 inspects them to the client only).
 *
 * Assets and risks (krb_learned): the realm of the KDC's answers is a
 * TX_ASSET fact krb5{realm}; an AS-REP or TGS-REP whose session key or
 * ticket is encrypted with a weak etype is the risk krb5_weak_encryption.
 *
 * Ownership: krb5_state belongs to one app_flow of one worker. */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "app_buf.h"

#define KRB_MSG_MAX   65536u            /* bytes of one TCP record kept */
#define KRB_NAME_MAX  256               /* bytes of a principal or realm in the event */
#define KRB_COMPS     8                 /* name components given to the rules */

enum { C_MESSAGES, C_PARSE_ERRORS, C_WEAK };    /* the entry's counters */

struct kv {                 /* a byte view */
    const uint8_t *p;
    uint32_t n;
};

/* A decoded message; strings point into the message or into `buf`. */
struct krb_msg {
    int msg_type;                       /* APPLICATION tag */
    int failed_req;                     /* KRB-ERROR: the request it answers, 0 = unknown */
    int error_code, has_error;
    int etype, has_etype, tkt_etype, has_tkt_etype;
    char cname[KRB_NAME_MAX], sname[KRB_NAME_MAX], realm[KRB_NAME_MAX];
    uint8_t has_cname, has_sname, has_realm;
    struct kv ccomp[KRB_COMPS], scomp[KRB_COMPS];
    uint32_t nccomp, nscomp;
};

struct krb_side {
    uint8_t mark[4];
    uint8_t mlen, dead;
    uint32_t need, got;
    struct abuf msg;
};

struct krb5_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    int last_req;                       /* 10 or 12 after a request, 0 after an answer */
    struct krb_side side[2];
};

/* ---- DER, every length checked against its container ---- */

struct der {
    const uint8_t *p;
    uint32_t n, off;
};

/* The next TLV: its tag byte and value. 0, or -1 when it does not fit. */
static int der_next(struct der *d, uint8_t *tag, struct kv *v)
{
    if (d->off + 2 > d->n)
        return -1;
    uint8_t t = d->p[d->off++];
    if ((t & 0x1f) == 0x1f)
        return -1;                      /* high tag numbers: none in Kerberos */
    uint32_t len = d->p[d->off++];
    if (len & 0x80) {
        unsigned k = len & 0x7f;
        if (k == 0 || k > 4 || d->off + k > d->n)
            return -1;
        len = 0;
        for (unsigned i = 0; i < k; i++)
            len = len << 8 | d->p[d->off++];
    }
    if (len > d->n - d->off)
        return -1;
    *tag = t;
    v->p = d->p + d->off;
    v->n = len;
    d->off += len;
    return 0;
}

/* The one TLV inside v, which must have tag `want`. */
static int der_inner(struct kv v, uint8_t want, struct kv *out)
{
    struct der d = { v.p, v.n, 0 };
    uint8_t t;
    if (der_next(&d, &t, out) < 0 || t != want)
        return -1;
    return 0;
}

/* An INTEGER (up to 4 bytes, signed) inside a context tag's value. */
static int der_int(struct kv v, int *out)
{
    struct kv i;
    if (der_inner(v, 0x02, &i) < 0 || i.n == 0 || i.n > 4)
        return -1;
    int32_t x = (i.p[0] & 0x80) ? -1 : 0;
    for (uint32_t k = 0; k < i.n; k++)
        x = (int32_t)((uint32_t)x << 8 | i.p[k]);
    *out = x;
    return 0;
}

/* A KerberosString / Realm (GeneralString, or any string type) as text. */
static int der_str(struct kv v, char *out, struct kv *raw)
{
    struct der d = { v.p, v.n, 0 };
    uint8_t t;
    struct kv s;
    if (der_next(&d, &t, &s) < 0 || (t != 0x1b && t != 0x0c && t != 0x16 && t != 0x13))
        return -1;
    uint32_t n = s.n < KRB_NAME_MAX - 1 ? s.n : KRB_NAME_MAX - 1;
    memcpy(out, s.p, n);
    out[n] = 0;
    if (raw)
        *raw = s;
    return 0;
}

/* PrincipalName ::= SEQUENCE { name-type [0], name-string [1] SEQUENCE OF
 * KerberosString }: the components joined by "/", and each component. */
static int der_principal(struct kv v, char *out, struct kv *comps, uint32_t *ncomp)
{
    struct kv sq, f, names;
    struct der d;
    uint8_t t;
    size_t o = 0;

    if (der_inner(v, 0x30, &sq) < 0)
        return -1;
    d = (struct der){ sq.p, sq.n, 0 };
    names.p = NULL;
    names.n = 0;
    while (d.off < d.n) {
        if (der_next(&d, &t, &f) < 0)
            return -1;
        if (t == 0xa1 && der_inner(f, 0x30, &names) < 0)
            return -1;
    }
    if (!names.p)
        return -1;
    *ncomp = 0;
    out[0] = 0;
    d = (struct der){ names.p, names.n, 0 };
    while (d.off < d.n) {
        struct kv s;
        if (der_next(&d, &t, &s) < 0 || (t != 0x1b && t != 0x0c && t != 0x16 && t != 0x13))
            return -1;
        if (*ncomp < KRB_COMPS)
            comps[(*ncomp)++] = s;
        if (o && o < KRB_NAME_MAX - 1)
            out[o++] = '/';
        for (uint32_t k = 0; k < s.n && o < KRB_NAME_MAX - 1; k++)
            out[o++] = (char)s.p[k];
        out[o] = 0;
    }
    return 0;
}

/* EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1], cipher [2] }. */
static int der_etype(struct kv v, int *etype)
{
    struct kv sq, f;
    uint8_t t;
    if (der_inner(v, 0x30, &sq) < 0)
        return -1;
    struct der d = { sq.p, sq.n, 0 };
    while (d.off < d.n) {
        if (der_next(&d, &t, &f) < 0)
            return -1;
        if (t == 0xa0)
            return der_int(f, etype);
    }
    return -1;
}

/* The fields of the SEQUENCE inside v, by context tag, into fld[0..15]. */
static int der_fields(struct kv v, struct kv fld[16])
{
    struct kv sq, f;
    uint8_t t;
    memset(fld, 0, 16 * sizeof(fld[0]));
    if (der_inner(v, 0x30, &sq) < 0)
        return -1;
    struct der d = { sq.p, sq.n, 0 };
    while (d.off < d.n) {
        if (der_next(&d, &t, &f) < 0)
            return -1;
        if ((t & 0xe0) == 0xa0 && (t & 0x1f) < 16)
            fld[t & 0x1f] = f;
    }
    return 0;
}

static int krb_decode(const uint8_t *b, uint32_t n, struct krb_msg *m)
{
    struct der d = { b, n, 0 };
    struct kv app, f[16], body[16], tkt[16];
    uint8_t t;

    memset(m, 0, sizeof(*m));
    if (der_next(&d, &t, &app) < 0 || (t & 0xe0) != 0x60)
        return -1;
    m->msg_type = t & 0x1f;
    switch (m->msg_type) {
    case 10: case 12:                   /* KDC-REQ */
        if (der_fields(app, f) < 0 || !f[4].p || der_fields(f[4], body) < 0)
            return -1;
        if (body[1].p) {
            if (der_principal(body[1], m->cname, m->ccomp, &m->nccomp) < 0)
                return -1;
            m->has_cname = 1;
        }
        if (!body[2].p || der_str(body[2], m->realm, NULL) < 0)
            return -1;
        m->has_realm = 1;
        if (body[3].p) {
            if (der_principal(body[3], m->sname, m->scomp, &m->nscomp) < 0)
                return -1;
            m->has_sname = 1;
        }
        return 0;
    case 11: case 13: {                 /* KDC-REP */
        struct kv tapp;
        if (der_fields(app, f) < 0 || !f[3].p || !f[4].p || !f[5].p || !f[6].p)
            return -1;
        if (der_str(f[3], m->realm, NULL) < 0 ||
            der_principal(f[4], m->cname, m->ccomp, &m->nccomp) < 0 ||
            der_etype(f[6], &m->etype) < 0)
            return -1;
        m->has_realm = m->has_cname = m->has_etype = 1;
        if (der_inner(f[5], 0x61, &tapp) < 0 || der_fields(tapp, tkt) < 0 || !tkt[2].p ||
            der_principal(tkt[2], m->sname, m->scomp, &m->nscomp) < 0)
            return -1;
        m->has_sname = 1;
        if (tkt[3].p && der_etype(tkt[3], &m->tkt_etype) == 0)
            m->has_tkt_etype = 1;
        return 0;
    }
    case 30:                            /* KRB-ERROR */
        if (der_fields(app, f) < 0 || !f[6].p || der_int(f[6], &m->error_code) < 0)
            return -1;
        m->has_error = 1;
        if (f[7].p) {
            if (der_str(f[7], m->realm, NULL) < 0)
                return -1;
            m->has_realm = 1;
        }
        if (f[8].p) {
            if (der_principal(f[8], m->cname, m->ccomp, &m->nccomp) < 0)
                return -1;
            m->has_cname = 1;
        }
        if (!f[10].p || der_principal(f[10], m->sname, m->scomp, &m->nscomp) < 0)
            return -1;
        m->has_sname = 1;
        return 0;
    case 14: case 15:                   /* AP-REQ, AP-REP: no transaction */
        return 0;
    default:
        return -1;
    }
}

static const char *krb_etype_name(int e, char *buf, size_t n);

static int krb_weak(int etype)
{
    return !(etype == 17 || etype == 18 || etype == 19 || etype == 20 || etype == 25 ||
             etype == 26);
}

/* The asset fact and the risk of a message: the realm a KDC answers for
 * (its replies' and errors' realm), and a reply whose chosen session key or
 * ticket encryption is weak (krb_weak: RC4, DES, ...; a request only lists
 * what the client would take, so it is no risk), detail the etype name(s). */
static void krb_learned(int id, const struct krb_msg *m, int dir, const struct app_sink *sink)
{
    if (dir != APP_DIR_TOCLIENT)
        return;
    if (m->has_realm && m->realm[0]) {
        struct app_asset_meta a = { .object = "krb5", .key = "realm", .value = m->realm };
        app_buf_emit(sink, id, TX_ASSET, dir, 0, NULL, &a);
    }
    int weak_s = m->has_etype && krb_weak(m->etype);
    int weak_t = m->has_tkt_etype && krb_weak(m->tkt_etype);
    if ((m->msg_type == 11 || m->msg_type == 13) && (weak_s || weak_t)) {
        char d[96], b1[40], b2[40];
        if (weak_s && weak_t)
            snprintf(d, sizeof(d), "%s (ticket %s)", krb_etype_name(m->etype, b1, sizeof(b1)),
                     krb_etype_name(m->tkt_etype, b2, sizeof(b2)));
        else if (weak_s)
            snprintf(d, sizeof(d), "%s", krb_etype_name(m->etype, b1, sizeof(b1)));
        else
            snprintf(d, sizeof(d), "ticket %s", krb_etype_name(m->tkt_etype, b2, sizeof(b2)));
        struct app_risk_meta r = { "krb5_weak_encryption", d };
        app_buf_emit(sink, id, TX_RISK, dir, 1, NULL, &r);
    }
}

/* One message: a transaction for AS/TGS requests and replies and errors.
 * last_req: the flow's last request (NULL for a lone datagram). */
static void krb_message(struct app_stats *st, int id, int *last_req, const uint8_t *b, uint32_t n,
                        int dir, const struct app_sink *sink)
{
    uint64_t *ctr = app_stats_row(st, id);
    struct krb_msg m;
    struct txb t = { .n = 0 };

    ctr[C_MESSAGES]++;
    if (krb_decode(b, n, &m) < 0) {
        ctr[C_PARSE_ERRORS]++;
        return;
    }
    switch (m.msg_type) {
    case 10: case 12: case 14:
        if (last_req)
            *last_req = m.msg_type;
        if (m.msg_type == 14)
            return;
        break;
    case 15:
        if (last_req)
            *last_req = 0;
        return;
    case 30:
        m.failed_req = last_req ? *last_req : 0;
        if (last_req)
            *last_req = 0;
        break;
    default:
        if (last_req)
            *last_req = 0;
        break;
    }
    if ((m.has_etype && krb_weak(m.etype)) || (m.has_tkt_etype && krb_weak(m.tkt_etype)))
        ctr[C_WEAK]++;
    krb_learned(id, &m, dir, sink);
    for (uint32_t i = 0; dir == APP_DIR_TOCLIENT && i < m.nccomp; i++)
        txb_add(&t, BUF_KRB5_CNAME, m.ccomp[i].p, m.ccomp[i].n);
    for (uint32_t i = 0; dir == APP_DIR_TOCLIENT && i < m.nscomp; i++)
        txb_add(&t, BUF_KRB5_SNAME, m.scomp[i].p, m.scomp[i].n);
    app_buf_emit(sink, id, TX_MSG, dir, 1, &t, &m);
}

/* ---- UDP: a datagram is a message ---- */

static void krb5_datagram(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                          struct app_stats *st, int id, const struct app_sink *sink)
{
    (void)lim;
    if (len > KRB_MSG_MAX) {
        app_stats_row(st, id)[C_PARSE_ERRORS]++;
        return;
    }
    krb_message(st, id, NULL, msg, (uint32_t)len, dir, sink);
}

/* ---- TCP: 4-byte record marks ---- */

static void *krb5_create(const struct app_limits *lim, struct app_stats *st, int id)
{
    struct krb5_state *s = app_buf_alloc(st, sizeof(*s));
    (void)lim;
    s->st = st;
    s->ctr = app_stats_row(st, id);
    s->id = id;
    return s;
}

/* A UDP datagram of a flow that has a state (the failed request is known). */
static void krb5_flow_datagram(void *state, int dir, const uint8_t *msg, size_t len,
                               const struct app_sink *sink)
{
    struct krb5_state *s = state;
    if (len > KRB_MSG_MAX) {
        s->ctr[C_PARSE_ERRORS]++;
        return;
    }
    krb_message(s->st, s->id, &s->last_req, msg, (uint32_t)len, dir, sink);
}

static void krb5_feed(void *state, int dir, const uint8_t *p, size_t n, const struct app_sink *sk)
{
    struct krb5_state *s = state;
    struct krb_side *sd = &s->side[dir];
    size_t i = 0;

    while (i < n && !sd->dead) {
        if (sd->mlen < 4) {
            sd->mark[sd->mlen++] = p[i++];
            if (sd->mlen < 4)
                continue;
            sd->need = ((uint32_t)sd->mark[0] << 24 | (uint32_t)sd->mark[1] << 16 |
                        (uint32_t)sd->mark[2] << 8 | sd->mark[3]) & 0x7fffffffu;
            sd->got = 0;
            sd->msg.len = 0;
            if (sd->mark[0] & 0x80) {   /* the reserved bit: not a Kerberos record */
                s->ctr[C_PARSE_ERRORS]++;
                sd->dead = 1;
                break;
            }
        }
        size_t take = n - i < sd->need - sd->got ? n - i : sd->need - sd->got;
        if (sd->need <= KRB_MSG_MAX)
            (void)app_buf_append(s->st, &sd->msg, p + i, take, KRB_MSG_MAX);
        sd->got += (uint32_t)take;
        i += take;
        if (sd->got == sd->need) {
            if (sd->need > KRB_MSG_MAX)
                s->ctr[C_PARSE_ERRORS]++;
            else
                krb_message(s->st, s->id, &s->last_req, sd->msg.d, sd->msg.len, dir, sk);
            sd->mlen = 0;
            sd->msg.len = 0;
        }
    }
}

static void krb5_gap(void *state, int dir, size_t n, const struct app_sink *sk)
{
    struct krb5_state *s = state;
    (void)n;
    (void)sk;
    if (!s->side[dir].dead) {
        s->ctr[C_PARSE_ERRORS]++;
        s->side[dir].dead = 1;
    }
}

static void krb5_end(void *state, const struct app_sink *sk)
{
    (void)state;
    (void)sk;
}

static void krb5_destroy(void *state)
{
    struct krb5_state *s = state;
    if (!s)
        return;
    for (int d = 0; d < 2; d++)
        app_buf_free(s->st, &s->side[d].msg);
    app_buf_release(s->st, s, sizeof(*s));
}

/* ---- the event ---- */

static const char *krb_msg_name(int t, char *buf, size_t n)
{
    static const char *const names[] = {
        [10] = "KRB_AS_REQ", [11] = "KRB_AS_REP", [12] = "KRB_TGS_REQ", [13] = "KRB_TGS_REP",
        [14] = "KRB_AP_REQ", [15] = "KRB_AP_REP", [16] = "KRB_RESERVED16",
        [17] = "KRB_RESERVED17", [20] = "KRB_SAFE", [21] = "KRB_PRIV", [22] = "KRB_CRED",
        [30] = "KRB_ERROR",
    };
    if (t >= 0 && t < (int)(sizeof(names) / sizeof(names[0])) && names[t])
        return names[t];
    snprintf(buf, n, "MessageType(%d)", t);
    return buf;
}

static const char *krb_etype_name(int e, char *buf, size_t n)
{
    static const struct { int v; const char *s; } names[] = {
        { 1, "des-cbc-crc" }, { 2, "des-cbc-md4" }, { 3, "des-cbc-md5" }, { 5, "des3-cbc-md5" },
        { 7, "des3-cbc-sha1" }, { 9, "dsaWithSHA1-CmsOID" }, { 10, "md5WithRSAEncryption-CmsOID" },
        { 11, "sha1WithRSAEncryption-CmsOID" }, { 12, "rc2CBC-EnvOID" },
        { 13, "rsaEncryption-EnvOID" }, { 14, "rsaES-OAEP-ENV-OID" },
        { 15, "des-ede3-cbc-Env-OID" }, { 16, "des3-cbc-sha1-kd" },
        { 17, "aes128-cts-hmac-sha1-96" }, { 18, "aes256-cts-hmac-sha1-96" },
        { 19, "aes128-cts-hmac-sha256-128" }, { 20, "aes256-cts-hmac-sha384-192" },
        { 23, "rc4-hmac" }, { 24, "rc4-hmac-exp" }, { 25, "camellia128-cts-cmac" },
        { 26, "camellia256-cts-cmac" }, { 65, "subkey-keymaterial" }, { -128, "rc4-md4" },
        { -129, "rc4-plain2" }, { -130, "rc4-lm" }, { -131, "rc4-sha" }, { -132, "des-plain" },
        { -133, "rc4-hmac-OLD" }, { -134, "rc4-plain-OLD" }, { -135, "rc4-hmac-OLD-exp" },
        { -136, "rc4-plain-OLD-exp" }, { -140, "rc4-plain" }, { -141, "rc4-plain-exp" },
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (names[i].v == e)
            return names[i].s;
    snprintf(buf, n, "EncryptionType(%d)", e);
    return buf;
}

/* RFC 4120 section 7.5.9 names, as kerberos-parser spells them. */
static const char *krb_error_name(int c, char *buf, size_t n)
{
    static const char *const kdc[] = {
        "KDC_ERR_NONE", "KDC_ERR_NAME_EXP", "KDC_ERR_SERVICE_EXP", "KDC_ERR_BAD_PVNO",
        "KDC_ERR_C_OLD_MAST_KVNO", "KDC_ERR_S_OLD_MAST_KVNO", "KDC_ERR_C_PRINCIPAL_UNKNOWN",
        "KDC_ERR_S_PRINCIPAL_UNKNOWN", "KDC_ERR_PRINCIPAL_NOT_UNIQUE", "KDC_ERR_NULL_KEY",
        "KDC_ERR_CANNOT_POSTDATE", "KDC_ERR_NEVER_VALID", "KDC_ERR_POLICY", "KDC_ERR_BADOPTION",
        "KDC_ERR_ETYPE_NOSUPP", "KDC_ERR_SUMTYPE_NOSUPP", "KDC_ERR_PADATA_TYPE_NOSUPP",
        "KDC_ERR_TRTYPE_NOSUPP", "KDC_ERR_CLIENT_REVOKED", "KDC_ERR_SERVICE_REVOKED",
        "KDC_ERR_TGT_REVOKED", "KDC_ERR_CLIENT_NOTYET", "KDC_ERR_SERVICE_NOTYET",
        "KDC_ERR_KEY_EXPIRED", "KDC_ERR_PREAUTH_FAILED", "KDC_ERR_PREAUTH_REQUIRED",
        "KDC_ERR_SERVER_NOMATCH", "KDC_ERR_MUST_USE_USER2USER", "KDC_ERR_PATH_NOT_ACCEPTED",
        "KDC_ERR_SVC_UNAVAILABLE", NULL, "KRB_AP_ERR_BAD_INTEGRITY", "KRB_AP_ERR_TKT_EXPIRED",
        "KRB_AP_ERR_TKT_NYV", "KRB_AP_ERR_REPEAT", "KRB_AP_ERR_NOT_US", "KRB_AP_ERR_BADMATCH",
        "KRB_AP_ERR_SKEW", "KRB_AP_ERR_BADADDR", "KRB_AP_ERR_BADVERSION", "KRB_AP_ERR_MSG_TYPE",
        "KRB_AP_ERR_MODIFIED", "KRB_AP_ERR_BADORDER", NULL, "KRB_AP_ERR_BADKEYVER",
        "KRB_AP_ERR_NOKEY", "KRB_AP_ERR_MUT_FAIL", "KRB_AP_ERR_BADDIRECTION", "KRB_AP_ERR_METHOD",
        "KRB_AP_ERR_BADSEQ", "KRB_AP_ERR_INAPP_CKSUM", "KRB_AP_PATH_NOT_ACCEPTED",
        "KRB_ERR_RESPONSE_TOO_BIG", NULL, NULL, NULL, NULL, NULL, NULL, NULL, "KRB_ERR_GENERIC",
        "KRB_ERR_FIELD_TOOLONG", "KDC_ERROR_CLIENT_NOT_TRUSTED", "KDC_ERROR_KDC_NOT_TRUSTED",
        "KDC_ERROR_INVALID_SIG", "KDC_ERR_KEY_TOO_WEAK", "KDC_ERR_CERTIFICATE_MISMATCH",
        "KRB_AP_ERR_NO_TGT", "KDC_ERR_WRONG_REALM", "KRB_AP_ERR_USER_TO_USER_REQUIRED",
        "KDC_ERR_CANT_VERIFY_CERTIFICATE", "KDC_ERR_INVALID_CERTIFICATE",
        "KDC_ERR_REVOKED_CERTIFICATE", "KDC_ERR_REVOCATION_STATUS_UNKNOWN",
        "KDC_ERR_REVOCATION_STATUS_UNAVAILABLE", "KDC_ERR_CLIENT_NAME_MISMATCH",
        "KDC_ERR_KDC_NAME_MISMATCH",
    };
    if (c >= 0 && c < (int)(sizeof(kdc) / sizeof(kdc[0])) && kdc[c])
        return kdc[c];
    snprintf(buf, n, "ErrorCode(%d)", c);
    return buf;
}

static void krb5_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct krb_msg *m = tx->meta;
    char b[40];

    jw_kobj(w, "krb5");
    jw_kstr(w, "msg_type", krb_msg_name(m->msg_type, b, sizeof(b)));
    if (m->has_error) {
        jw_kstr(w, "failed_request", m->failed_req ? krb_msg_name(m->failed_req, b, sizeof(b))
                                                   : "UNKNOWN");
        jw_kstr(w, "error_code", krb_error_name(m->error_code, b, sizeof(b)));
    }
    jw_kstr(w, "cname", m->has_cname ? m->cname : "<empty>");
    jw_kstr(w, "realm", m->has_realm ? m->realm : "<empty>");
    jw_kstr(w, "sname", m->has_sname ? m->sname : "<empty>");
    jw_kstr(w, "encryption", m->has_etype ? krb_etype_name(m->etype, b, sizeof(b)) : "<none>");
    jw_key(w, "weak_encryption");
    jw_bool(w, m->has_etype && krb_weak(m->etype));
    if (m->has_tkt_etype) {
        jw_kstr(w, "ticket_encryption", krb_etype_name(m->tkt_etype, b, sizeof(b)));
        jw_key(w, "ticket_weak_encryption");
        jw_bool(w, krb_weak(m->tkt_etype));
    }
    jw_obj_end(w);
}

/* Integer keywords (app.h struct app_int_kw): the message's type, its
 * error code (KRB-ERROR), its ticket's etype (AS-REP, TGS-REP). Suricata
 * 7.0.10 has no krb5.weak_encryption (`suricata -T` refuses it). */
enum { KK_TYPE, KK_ERR, KK_TKT };
static unsigned krb5_kw_get(const struct app_tx *tx, uint64_t *v, unsigned max, int which)
{
    const struct krb_msg *m = tx->meta;
    if (!m || tx->kind != TX_MSG || !max)
        return 0;
    switch (which) {
    case KK_TYPE: v[0] = (uint64_t)m->msg_type; return m->msg_type >= 0;
    case KK_ERR: v[0] = (uint64_t)m->error_code; return m->has_error && m->error_code >= 0;
    default: v[0] = (uint64_t)(int64_t)m->tkt_etype; return m->has_tkt_etype;
    }
}
static unsigned kk_type(const struct app_tx *t, uint64_t *v, unsigned n) { return krb5_kw_get(t, v, n, KK_TYPE); }
static unsigned kk_err(const struct app_tx *t, uint64_t *v, unsigned n) { return krb5_kw_get(t, v, n, KK_ERR); }
static unsigned kk_tkt(const struct app_tx *t, uint64_t *v, unsigned n) { return krb5_kw_get(t, v, n, KK_TKT); }
static int kk_special(unsigned k, uint64_t v)
{
    return k == 0 && krb_weak((int)(int64_t)v);       /* "weak" */
}
static const struct app_int_name krb5_etype_names[] = {
    { "weak", AI_LIST_SPECIAL + 0 },
    { "des-cbc-crc", 1 }, { "des-cbc-md4", 2 }, { "des-cbc-md5", 3 }, { "des3-cbc-md5", 5 },
    { "des3-cbc-sha1", 7 }, { "des3-cbc-sha1-kd", 16 }, { "aes128-cts-hmac-sha1-96", 17 },
    { "aes256-cts-hmac-sha1-96", 18 }, { "aes128-cts-hmac-sha256-128", 19 },
    { "aes256-cts-hmac-sha384-192", 20 }, { "rc4-hmac", 23 }, { "rc4-hmac-exp", 24 },
    { "camellia128-cts-cmac", 25 }, { "camellia256-cts-cmac", 26 },
    { "subkey-keymaterial", 65 }, { NULL, 0 } };
static const struct app_int_kw krb5_kw_type = { kk_type, AI_EQ, 255, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw krb5_kw_err = { kk_err, AI_EQ, 0x7fffffff, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw krb5_kw_tkt = { kk_tkt, AI_LIST, 0x7fffffff, krb5_etype_names,
                                               kk_special, NULL, AIO_NO_RANGE | AIO_CASE, NULL };

/* Suricata 7's krb5 sticky buffers (ET Open uses none of them today). */
static const struct app_keyword krb5_keywords[] = {
    APP_STICKY("krb5_cname", BUF_KRB5_CNAME),
    APP_STICKY("krb5_sname", BUF_KRB5_SNAME),
    APP_STICKY("krb5.cname", BUF_KRB5_CNAME),   /* 7.0.10's other spellings */
    APP_STICKY("krb5.sname", BUF_KRB5_SNAME),
    APP_INT("krb5_msg_type", &krb5_kw_type),
    APP_INT("krb5_err_code", &krb5_kw_err),
    APP_INT("krb5.ticket_encryption", &krb5_kw_tkt),
    APP_KEYWORDS_END,
};

const struct app_parser app_krb5_parser = {
    .name = "krb5", .rule_proto = "krb5", .event_type = "krb5", .event_id = 16,
    .transports = APP_TCP | APP_UDP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_KERBEROS, 0 },
    .counters = (const char *const[]){ "messages", "parse_errors", "weak_encryption", NULL },
    .keywords = krb5_keywords,
    .create = krb5_create, .feed = krb5_feed, .gap = krb5_gap, .end = krb5_end,
    .destroy = krb5_destroy,
    .datagram = krb5_datagram,
    .flow_datagram = krb5_flow_datagram,
    .event_body = krb5_event_body,
};
