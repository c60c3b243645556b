/* app_x509.c - just enough DER (ITU-T X.690) to describe a TLS leaf
 * certificate the way Suricata's tls event does: subject and issuer as
 * "C=US, O=Example, CN=host" in the order the certificate lists them (not
 * reversed as RFC 4514 would), the serial number as upper-case hex bytes
 * joined by ':' (the INTEGER's content bytes as encoded, a leading 00 pad
 * included, as Suricata prints it), notBefore/notAfter as
 * "YYYY-MM-DDTHH:MM:SS" (UTCTime years < 50 are 20xx), and the SHA-1 of the
 * whole DER as lower-case hex joined by ':'.
 *
 * Every TLV is bounds-checked against its parent; indefinite lengths,
 * lengths over 4 bytes and truncated values are errors. Attribute values of
 * the string types are copied as bytes (BMPString: one byte per character,
 * '?' outside Latin-1); the JSON writer escapes them. Texts are cut at the
 * size of their x509_info field.
 *
 * Pure function over the caller's bytes; no allocation. */
#include <stdio.h>
#include <string.h>

#include "taishi/core/sha1.h"
#include "app_x509.h"

/* Reads one TLV at *off (< end): tag, value start and length. */
static int der_tlv(const uint8_t *p, size_t end, size_t *off, uint8_t *tag, size_t *voff,
                   size_t *vlen)
{
    size_t o = *off, l;

    if (o + 2 > end)
        return -1;
    *tag = p[o++];
    if ((*tag & 0x1f) == 0x1f)
        return -1;              /* high tag numbers: not in certificates */
    uint8_t b = p[o++];
    if (b < 0x80) {
        l = b;
    } else {
        int n = b & 0x7f;
        if (n == 0 || n > 4 || o + (size_t)n > end)
            return -1;
        l = 0;
        for (int i = 0; i < n; i++)
            l = l << 8 | p[o++];
    }
    if (l > end - o)
        return -1;
    *voff = o;
    *vlen = l;
    *off = o + l;
    return 0;
}

struct tbuf {
    char *s;
    size_t len, cap;
};

static void tb_put(struct tbuf *t, const char *s, size_t n)
{
    if (t->cap == 0)
        return;
    if (n > t->cap - 1 - t->len)
        n = t->cap - 1 - t->len;
    memcpy(t->s + t->len, s, n);
    t->len += n;
    t->s[t->len] = 0;
}

static void tb_puts(struct tbuf *t, const char *s) { tb_put(t, s, strlen(s)); }

static void oid_text(const uint8_t *p, size_t n, struct tbuf *t)
{
    static const struct { const char *der; size_t n; const char *name; } known[] = {
        { "\x55\x04\x03", 3, "CN" }, { "\x55\x04\x06", 3, "C" }, { "\x55\x04\x07", 3, "L" },
        { "\x55\x04\x08", 3, "ST" }, { "\x55\x04\x0a", 3, "O" }, { "\x55\x04\x0b", 3, "OU" },
        { "\x55\x04\x05", 3, "serialNumber" }, { "\x55\x04\x09", 3, "street" },
        { "\x55\x04\x04", 3, "SN" }, { "\x55\x04\x2a", 3, "GN" }, { "\x55\x04\x0c", 3, "title" },
        { "\x55\x04\x11", 3, "postalCode" },
        { "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01", 9, "emailAddress" },
        { "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19", 10, "DC" },
        { "\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01", 10, "UID" },
    };
    char num[24];
    uint64_t v = 0;

    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].n == n && memcmp(known[i].der, p, n) == 0) {
            tb_puts(t, known[i].name);
            return;
        }
    /* dotted form: first arc pair, then the rest */
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (v >> 56) {
            tb_puts(t, "?");
            return;
        }
        v = v << 7 | (p[i] & 0x7f);
        if (p[i] & 0x80)
            continue;
        if (first) {
            unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
            snprintf(num, sizeof(num), "%u.%llu", a, (unsigned long long)(v - 40 * a));
            first = 0;
        } else {
            snprintf(num, sizeof(num), ".%llu", (unsigned long long)v);
        }
        tb_puts(t, num);
        v = 0;
    }
}

static void name_text(const uint8_t *p, size_t off, size_t end, struct tbuf *t)
{
    int n = 0;

    while (off < end) {
        uint8_t tag;
        size_t so, sl;
        if (der_tlv(p, end, &off, &tag, &so, &sl) < 0 || tag != 0x31)
            return;
        size_t o2 = so, e2 = so + sl;
        while (o2 < e2) {
            size_t ao, al, oo, ol, vo, vl;
            uint8_t at, ot, vt;
            if (der_tlv(p, e2, &o2, &at, &ao, &al) < 0 || at != 0x30)
                return;
            size_t o3 = ao;
            if (der_tlv(p, ao + al, &o3, &ot, &oo, &ol) < 0 || ot != 0x06 ||
                der_tlv(p, ao + al, &o3, &vt, &vo, &vl) < 0)
                return;
            if (n++)
                tb_puts(t, ", ");
            oid_text(p + oo, ol, t);
            tb_puts(t, "=");
            if (vt == 0x1e) {           /* BMPString */
                for (size_t i = 0; i + 1 < vl; i += 2) {
                    char c = p[vo + i] ? '?' : (char)p[vo + i + 1];
                    tb_put(t, &c, 1);
                }
            } else {
                tb_put(t, (const char *)p + vo, vl);
            }
        }
    }
}

static int time_text(const uint8_t *p, uint8_t tag, size_t vo, size_t vl, char *out)
{
    const uint8_t *s = p + vo;
    char y[5];
    size_t i = 0;

    if (tag == 0x17 && vl >= 10) {          /* UTCTime YYMMDDHHMM[SS]Z */
        int yy = (s[0] - '0') * 10 + (s[1] - '0');
        snprintf(y, sizeof(y), "%04d", yy < 50 ? 2000 + yy : 1900 + yy);
        i = 2;
    } else if (tag == 0x18 && vl >= 12) {   /* GeneralizedTime YYYYMMDDHHMM[SS]Z */
        memcpy(y, s, 4);
        y[4] = 0;
        i = 4;
    } else {
        return -1;
    }
    for (size_t k = 0; k < i + 8; k++)      /* year..minutes are digits */
        if (s[k] < '0' || s[k] > '9')
            return -1;
    char ss[3] = "00";
    if (vl >= i + 10 && s[i + 8] >= '0' && s[i + 8] <= '9' && s[i + 9] >= '0' && s[i + 9] <= '9') {
        ss[0] = (char)s[i + 8];
        ss[1] = (char)s[i + 9];
    }
    snprintf(out, 24, "%s-%c%c-%c%c" "T%c%c:%c%c:%s", y, s[i], s[i + 1], s[i + 2], s[i + 3],
             s[i + 4], s[i + 5], s[i + 6], s[i + 7], ss);
    return 0;
}

int app_x509_parse(const uint8_t *der, size_t len, int want_fp, struct x509_info *out)
{
    static const char hx[] = "0123456789ABCDEF", lx[] = "0123456789abcdef";
    size_t off = 0, co, cl, to, tl, vo, vl;
    uint8_t tag;
    struct tbuf t;

    memset(out, 0, sizeof(*out));
    uint8_t d[20];
    if (want_fp)
        sha1(der, len, d);
    for (int i = 0; i < 20 && want_fp; i++) {
        out->fingerprint[3 * i] = lx[d[i] >> 4];
        out->fingerprint[3 * i + 1] = lx[d[i] & 15];
        out->fingerprint[3 * i + 2] = i < 19 ? ':' : 0;
    }
    if (der_tlv(der, len, &off, &tag, &co, &cl) < 0 || tag != 0x30)
        return -1;
    off = co;
    if (der_tlv(der, co + cl, &off, &tag, &to, &tl) < 0 || tag != 0x30)
        return -1;
    size_t end = to + tl;
    off = to;
    if (der_tlv(der, end, &off, &tag, &vo, &vl) < 0)
        return -1;
    if (tag == 0xa0 && der_tlv(der, end, &off, &tag, &vo, &vl) < 0)     /* [0] version */
        return -1;
    if (tag != 0x02)
        return -1;
    for (size_t i = 0; i < vl && i < 64; i++) {                        /* serial */
        out->serial[3 * i] = hx[der[vo + i] >> 4];
        out->serial[3 * i + 1] = hx[der[vo + i] & 15];
        out->serial[3 * i + 2] = i + 1 < vl && i + 1 < 64 ? ':' : 0;
    }
    if (der_tlv(der, end, &off, &tag, &vo, &vl) < 0 || tag != 0x30)     /* signature alg */
        return -1;
    if (der_tlv(der, end, &off, &tag, &vo, &vl) < 0 || tag != 0x30)     /* issuer */
        return -1;
    t = (struct tbuf){ out->issuer, 0, sizeof(out->issuer) };
    name_text(der, vo, vo + vl, &t);
    if (der_tlv(der, end, &off, &tag, &vo, &vl) < 0 || tag != 0x30)     /* validity */
        return -1;
    size_t vend = vo + vl, o2 = vo, xo, xl;
    if (der_tlv(der, vend, &o2, &tag, &xo, &xl) < 0 || time_text(der, tag, xo, xl, out->notbefore) < 0)
        return -1;
    if (der_tlv(der, vend, &o2, &tag, &xo, &xl) < 0 || time_text(der, tag, xo, xl, out->notafter) < 0)
        return -1;
    if (der_tlv(der, end, &off, &tag, &vo, &vl) < 0 || tag != 0x30)     /* subject */
        return -1;
    t = (struct tbuf){ out->subject, 0, sizeof(out->subject) };
    name_text(der, vo, vo + vl, &t);
    return 0;
}
