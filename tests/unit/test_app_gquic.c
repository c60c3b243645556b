/* test_app_gquic.c - Google QUIC in the quic parser (app_quic_gquic.c and
 * its use in app_quic.c): CHLO tag tables read as Suricata 7.0.10 reads
 * them, on packets built here.
 *
 * CYU vectors: Suricata's own (rust/src/quic/cyu.rs tests, taken from
 * Salesforce's gQUIC fingerprinting write-up), the MD5s checked with
 * Python's hashlib:
 *   "43,PAD-SNI-VER-CCS-PDMD-ICSL-MIDS-CFCW-SFCW"          e030dea1f2eea44ac7db5fe4de792acd
 *   "46,PAD-SNI-STK-VER-CCS-NONC-AEAD-UAID-SCID-TCID-PDMD-SMHL-ICSL-NONP-PUBS-MIDS-SCLS-KEXS-
 *    XLCT-CSCT-COPT-CCRT-IRTT-CFCW-SFCW"                      a46560d4548108cf99308319b3b85346
 *   "44," (a CHLO without entries)                            91fd267f24b96870e1579002f28a1c0b
 *
 * Hostile input: the tag table's count and offsets, every cut of a
 * message and of a whole datagram (against a guard page), every flipped
 * byte of a CHLO, more CHLOs in a packet than are kept. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/core/jw.h"
#include "app/app_quic_crypto.h"
#include "app/app_quic_internal.h"
#include "app_collect.h"

static struct app_stats st;

struct b {
    uint8_t d[8192];
    size_t n;
};
static void b8(struct b *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void b16(struct b *b, unsigned v) { b8(b, v >> 8); b8(b, v & 0xff); }
static void b32(struct b *b, uint32_t v) { b16(b, v >> 16); b16(b, v & 0xffff); }
static void b32le(struct b *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b8(b, (v >> (8 * i)) & 0xff);
}
static void bmem(struct b *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }

static const uint8_t cid[8] = { 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8 };

struct tv {
    const char *tag;            /* 4 bytes ("SNI" is "SNI\0") */
    const char *val;
    size_t len;
};

/* A tag message: message tag, count, padding, entries, values. */
static void tag_msg(struct b *m, const char *msg_tag, const struct tv *t, size_t n)
{
    uint32_t end = 0;
    bmem(m, msg_tag, 4);
    b8(m, (unsigned)(n & 0xff)); b8(m, (unsigned)(n >> 8)); b16(m, 0);
    for (size_t i = 0; i < n; i++) {
        end += (uint32_t)t[i].len;
        bmem(m, t[i].tag, 4);
        b32le(m, end);
    }
    for (size_t i = 0; i < n; i++)
        bmem(m, t[i].val, t[i].len);
}

#define TV(t, v) { t, v, sizeof(v) - 1 }
/* Salesforce's Q043 inchoate CHLO tags, with an SNI and no UAID. */
static const struct tv chlo43[] = {
    TV("PAD\0", "\0\0\0\0"), TV("SNI\0", "www.example.org"), TV("VER\0", "Q043"),
    TV("CCS\0", "0123456789abcdef"), TV("PDMD", "X509"), TV("ICSL", "\x1e\0\0\0"),
    TV("MIDS", "d\0\0\0"), TV("CFCW", "\0\0\xf0\0"), TV("SFCW", "\0\0`\0"),
};
/* Salesforce's Q046 full CHLO tags. */
static const struct tv chlo46[] = {
    TV("PAD\0", ""), TV("SNI\0", "q46.example"), TV("STK\0", "stk"), TV("VER\0", "Q046"),
    TV("CCS\0", "c"), TV("NONC", "n"), TV("AEAD", "AESG"), TV("UAID", "Chrome/99 caf\xc3\xa9 \xe2\x82"),
    TV("SCID", "s"), TV("TCID", "t"), TV("PDMD", "X509"), TV("SMHL", "1"), TV("ICSL", "i"),
    TV("NONP", "p"), TV("PUBS", "pub"), TV("MIDS", "m"), TV("SCLS", "c"), TV("KEXS", "C255"),
    TV("XLCT", "x"), TV("CSCT", ""), TV("COPT", "o"), TV("CCRT", "r"), TV("IRTT", "t"),
    TV("CFCW", "w"), TV("SFCW", "w"),
};
#define N(a) (sizeof(a) / sizeof(a[0]))

/* STREAM frame: type 0xa0 (length present, no offset, 1-byte stream id). */
static void stream(struct b *f, unsigned sid, const struct b *m)
{
    b8(f, 0xa0); b8(f, sid); b16(f, (unsigned)m->n); bmem(f, m->d, m->n);
}

/* Q043 public header (flags 0x09: version, 8-byte cid, 1-byte packet
 * number), the 12-byte hash, frames, PADDING to `pad` bytes of frames. */
static void q043(struct b *dg, const struct b *frames, size_t pad)
{
    b8(dg, 0x09); bmem(dg, cid, 8); bmem(dg, "Q043", 4); b8(dg, 1);
    for (int i = 0; i < 12; i++) b8(dg, 0x77);
    bmem(dg, frames->d, frames->n);
    for (size_t i = frames->n; i < pad; i++) b8(dg, 0);
}

/* Q044-Q046 long header: first byte, version, 0x50, cid, 4-byte pn, hash. */
static void qlong(struct b *dg, unsigned first, const char *ver, const struct b *frames)
{
    b8(dg, first); bmem(dg, ver, 4); b8(dg, 0x50); bmem(dg, cid, 8); b32(dg, 1);
    for (int i = 0; i < 12; i++) b8(dg, 0x77);
    bmem(dg, frames->d, frames->n);
}

static struct app_flow *qflow(void)
{
    return app_flow_new(app_registry_id("quic"), NULL, &st);
}

static void feed(struct app_flow *a, int dir, const struct b *dg, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    coll_feed(a, dir, dg->d, dg->n, 0, &s);         /* one datagram, against a guard page */
}

/* The tag table alone: valid, every cut, hostile counts and offsets. */
static void test_tag_table(void)
{
    struct b m = { .n = 0 };
    tag_msg(&m, "CHLO", chlo43, N(chlo43));
    CHECK(gquic_tag_msg(m.d, m.n) == (int)N(chlo43));
    for (size_t cut = 0; cut < m.n; cut++) {        /* the values must end exactly at the end */
        const uint8_t *g = guard_copy(m.d, cut);
        CHECK(gquic_tag_msg(g, cut) == -1);
        guard_release(g, cut);
    }
    struct b t = m;
    b8(&t, 0);                                      /* a byte after the values */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    t = m;
    memcpy(t.d, "REJ\0", 4);                        /* a message tag Suricata does not know */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    t = m;
    memcpy(t.d, "PAD\0", 4);                        /* ... one it knows, though not a message */
    CHECK(gquic_tag_msg(t.d, t.n) == (int)N(chlo43));
    t = m;
    memcpy(t.d + 8 + 8 * 3, "SRBF", 4);             /* an entry's tag it does not know */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    t = m;
    t.d[4] = 0xff; t.d[5] = 0xff;                   /* 65535 entries */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    t = m;
    t.d[4] = 0; t.d[5] = 0;                         /* no entries: the values are left over */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    CHECK(gquic_tag_msg((const uint8_t *)"CHLO\0\0\0\0", 8) == 0);
    t = m;
    memcpy(t.d + 12, "\xff\xff\xff\xff", 4);        /* the first end offset 4 GiB: goes back after */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    t = m;
    memcpy(t.d + 12 + 8 * (N(chlo43) - 1), "\xff\xff\xff\xff", 4);   /* the last one past the end */
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    t = m;                                          /* two entries' offsets swapped */
    uint8_t o1[4], o2[4];
    memcpy(o1, t.d + 12 + 8, 4); memcpy(o2, t.d + 12 + 16, 4);
    memcpy(t.d + 12 + 8, o2, 4); memcpy(t.d + 12 + 16, o1, 4);
    CHECK(gquic_tag_msg(t.d, t.n) == -1);
    CHECK(gquic_tag_msg(m.d, 0) == -1 && gquic_tag_msg(m.d, 7) == -1);
}

/* Q043 and Q046 CHLOs through the parser: event and buffers. */
static void test_chlo(void)
{
    struct b m = { .n = 0 }, f = { .n = 0 }, dg = { .n = 0 };
    struct coll c;
    uint64_t m0 = st.memory, h0 = app_stats_get(&st, "quic", "hellos");
    memset(&c, 0, sizeof(c));
    struct app_flow *a = qflow();
    tag_msg(&m, "CHLO", chlo43, N(chlo43));
    stream(&f, 1, &m);
    q043(&dg, &f, 1300);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(c.tx[0].json, "{\"quic\":{\"version\":\"Q043\",\"sni\":\"www.example.org\",\"cyu\":"
              "[{\"hash\":\"e030dea1f2eea44ac7db5fe4de792acd\","
              "\"string\":\"43,PAD-SNI-VER-CCS-PDMD-ICSL-MIDS-CFCW-SFCW\"}]}}\n");
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_SNI, 0), "www.example.org");
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_CYU_HASH, 0), "e030dea1f2eea44ac7db5fe4de792acd");
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_CYU_STRING, 0), "43,PAD-SNI-VER-CCS-PDMD-ICSL-MIDS-CFCW-SFCW");
    CHECK(coll_buf(&c, 0, BUF_QUIC_UA, 0) == NULL);
    CHECK(memcmp(coll_buf(&c, 0, BUF_QUIC_VERSION, 0), "Q043", 4) == 0);
    /* the same flow again: gQUIC has no TLS hello, every versioned packet is an event */
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 2);
    /* a packet without the version flag: no event */
    dg.n = 0;
    b8(&dg, 0x08); bmem(&dg, cid, 8); b8(&dg, 2); for (int i = 0; i < 40; i++) b8(&dg, 0x55);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 2);
    app_flow_free(a);
    coll_reset(&c);
    memset(&c, 0, sizeof(c));

    /* Q046 long header (0xc3: Initial), the full CHLO, a UA not all UTF-8 */
    a = qflow();
    m.n = f.n = dg.n = 0;
    tag_msg(&m, "CHLO", chlo46, N(chlo46));
    stream(&f, 1, &m);
    qlong(&dg, 0xc3, "Q046", &f);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(c.tx[0].json, "{\"quic\":{\"version\":\"Q046\",\"sni\":\"q46.example\","
              "\"ua\":\"Chrome/99 caf\xc3\xa9 \xef\xbf\xbd\","
              "\"cyu\":[{\"hash\":\"a46560d4548108cf99308319b3b85346\","
              "\"string\":\"46,PAD-SNI-STK-VER-CCS-NONC-AEAD-UAID-SCID-TCID-PDMD-SMHL-ICSL-NONP-"
              "PUBS-MIDS-"
              "SCLS-KEXS-XLCT-CSCT-COPT-CCRT-IRTT-CFCW-SFCW\"}]}}\n");
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_UA, 0), "Chrome/99 caf\xc3\xa9 \xe2\x82");   /* raw bytes */
    app_flow_free(a);
    coll_reset(&c);
    memset(&c, 0, sizeof(c));

    /* Q044 (0xff: Initial) with an empty CHLO: cyu "44,"; 0xc3 is no Q044 type: no event */
    a = qflow();
    m.n = f.n = dg.n = 0;
    tag_msg(&m, "CHLO", NULL, 0);
    stream(&f, 1, &m);
    qlong(&dg, 0xff, "Q044", &f);
    feed(a, 0, &dg, &c);
    dg.d[0] = 0xc3;
    feed(a, 0, &dg, &c);
    dg.d[0] = 0xfd;                                 /* Handshake: version only */
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_STR(c.tx[0].json, "{\"quic\":{\"version\":\"Q044\","
              "\"cyu\":[{\"hash\":\"91fd267f24b96870e1579002f28a1c0b\","
              "\"string\":\"44,\"}]}}\n");
    CHECK_STR(c.tx[1].json, "{\"quic\":{\"version\":\"Q044\"}}\n");
    app_flow_free(a);
    coll_reset(&c);
    memset(&c, 0, sizeof(c));

    /* Q035 (no CYU for it) with only an empty SNI: "sni":"", no buffer */
    a = qflow();
    m.n = f.n = dg.n = 0;
    static const struct tv empty[] = { { "SNI\0", "", 0 } };
    tag_msg(&m, "CHLO", empty, 1);
    stream(&f, 1, &m);
    b8(&dg, 0x09); bmem(&dg, cid, 8); bmem(&dg, "Q035", 4); b8(&dg, 1);
    for (int i = 0; i < 12; i++) b8(&dg, 0x77);
    bmem(&dg, f.d, f.n);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(c.tx[0].json, "{\"quic\":{\"version\":\"51303335\",\"sni\":\"\"}}\n");
    CHECK(coll_buf(&c, 0, BUF_QUIC_SNI, 0) == NULL);
    app_flow_free(a);
    coll_reset(&c);
    CHECK_EQ_U(app_stats_get(&st, "quic", "hellos"), h0 + 5);
    CHECK_EQ_U(st.memory, m0);
}

/* Frames: two CHLOs in one packet (the SNI/UA rule), the rest after an
 * unknown frame type, ACK and PING, CRYPTO 0x08, more CHLOs than kept. */
static void test_frames(void)
{
    struct b m1 = { .n = 0 }, m2 = { .n = 0 }, f = { .n = 0 }, dg = { .n = 0 };
    struct coll c;
    memset(&c, 0, sizeof(c));
    struct app_flow *a = qflow();
    static const struct tv first[] = { TV("SNI\0", "first"), TV("UAID", "ua1") };
    static const struct tv second[] = { TV("PAD\0", ""), TV("SNI\0", "second"), TV("UAID", "ua2"),
                                        TV("VER\0", "Q043") };
    tag_msg(&m1, "CHLO", first, 2);
    tag_msg(&m2, "CHLO", second, 4);
    b8(&f, 0x01);                                   /* PING */
    b8(&f, 0x02); bmem(&f, "\x05\x00\x01\x00\x01\x01", 6);                      /* ACK, 1 range */
    stream(&f, 1, &m1);
    b8(&f, 0x08); b8(&f, 0); b16(&f, 0x4000 | (unsigned)m2.n);    /* CRYPTO 0x08: offset 0, length */
    bmem(&f, m2.d, m2.n);
    b8(&f, 0x1e); bmem(&f, "\x99\x98\x97", 3);      /* unknown type: the rest of the packet */
    q043(&dg, &f, 0);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 1);
    /* the first message gave both: the second's first tag (PAD) is read, then the walk stops */
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_SNI, 0), "first");
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_UA, 0), "ua1");
    CHECK_EQ_U(coll_nbuf(&c, 0, BUF_QUIC_CYU_HASH), 2);
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_CYU_STRING, 1), "43,PAD-SNI-UAID-VER");
    /* more tag messages than GQUIC_CYU_MAX in one packet: the first ones kept */
    f.n = dg.n = 0;
    for (int i = 0; i < GQUIC_CYU_MAX + 3; i++)
        stream(&f, 1, &m1);
    q043(&dg, &f, 0);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 2);
    CHECK_EQ_U(coll_nbuf(&c, 1, BUF_QUIC_CYU_HASH), GQUIC_CYU_MAX);
    /* a frame that does not parse (ACK cut short) loses the packet's CHLOs */
    uint64_t p0 = app_stats_get(&st, "quic", "parse_errors");
    f.n = dg.n = 0;
    stream(&f, 1, &m1);
    b8(&f, 0x02); b8(&f, 0x40);
    q043(&dg, &f, 0);
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 3);
    CHECK_STR(c.tx[2].json, "{\"quic\":{\"version\":\"Q043\"}}\n");
    CHECK_EQ_U(app_stats_get(&st, "quic", "parse_errors"), p0 + 1);
    app_flow_free(a);
    coll_reset(&c);
}

/* Q050: an IETF long header, the Initial sealed with Q050's salt, the CHLO
 * in a CRYPTO (0x08) frame: sni and ua, no cyu (Suricata has none for it). */
static void test_q050(void)
{
    struct b m = { .n = 0 }, pl = { .n = 0 }, h = { .n = 0 }, dg = { .n = 0 };
    struct coll c;
    static const struct tv t[] = { TV("PAD\0", ""), TV("SNI\0", "q50.example"), TV("UAID", "ua50"),
                                   TV("VER\0", "Q050") };
    tag_msg(&m, "CHLO", t, 4);
    b8(&pl, 0x08); b8(&pl, 0); b16(&pl, 0x4000 | (unsigned)m.n); bmem(&pl, m.d, m.n);
    while (pl.n < 1200)
        b8(&pl, 0);
    b8(&h, 0xc3); b32(&h, QUIC_Q050); b8(&h, 8); bmem(&h, cid, 8); b8(&h, 0); b8(&h, 0);
    b16(&h, 0x4000 | (unsigned)(4 + pl.n + 16)); b32(&h, 1);
    struct quic_keys k;
    CHECK(quic_version_known(QUIC_Q050));
    CHECK(quic_initial_keys(QUIC_Q050, cid, 8, 0, &k) == 0);
    long n = quic_seal(&k, h.d, h.n, 4, 1, pl.d, pl.n, dg.d, sizeof(dg.d));
    CHECK(n > 0);
    dg.n = n > 0 ? (size_t)n : 0;
    memset(&c, 0, sizeof(c));
    struct app_flow *a = qflow();
    feed(a, 0, &dg, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(c.tx[0].json,
              "{\"quic\":{\"version\":\"51303530\",\"sni\":\"q50.example\",\"ua\":\"ua50\"}}\n");
    CHECK_EQ_U(coll_nbuf(&c, 0, BUF_QUIC_CYU_HASH), 0);
    app_flow_free(a);
    coll_reset(&c);
}

/* Every cut of a Q043 datagram and every flipped byte of its CHLO, against
 * a guard page: no crash, an event only once the header is whole, the SNI
 * only once the STREAM frame is whole; memory back. */
static void test_hostile(void)
{
    struct b m = { .n = 0 }, f = { .n = 0 }, dg = { .n = 0 }, t;
    struct coll c;
    uint64_t m0 = st.memory;
    tag_msg(&m, "CHLO", chlo46, N(chlo46));
    stream(&f, 1, &m);
    q043(&dg, &f, f.n + 40);
    size_t hdr = 1 + 8 + 4 + 1 + 12, frame_end = hdr + f.n;
    memset(&c, 0, sizeof(c));
    int bad = 0;
    for (size_t cut = 0; cut <= dg.n; cut++) {
        struct app_flow *a = qflow();
        t = dg;
        t.n = cut;
        feed(a, 0, &t, &c);
        int want_ev = cut >= hdr, want_sni = cut >= frame_end;
        if (c.n != want_ev || (want_ev && (coll_buf(&c, 0, BUF_QUIC_SNI, 0) != NULL) != want_sni))
            bad++;
        app_flow_free(a);
        coll_reset(&c);
        memset(&c, 0, sizeof(c));
    }
    CHECK_EQ_U(bad, 0);
    for (size_t i = 0; i < dg.n; i++) {
        struct app_flow *a = qflow();
        t = dg;
        t.d[i] ^= (uint8_t)(0x5a + i);
        feed(a, 0, &t, &c);
        app_flow_free(a);
        coll_reset(&c);
        memset(&c, 0, sizeof(c));
    }
    /* the diversification nonce form (0x04 without 0x08), cut and whole */
    t.n = 0;
    b8(&t, 0x05); for (int i = 0; i < 32; i++) b8(&t, 0x11);
    bmem(&t, "Q043", 4); b8(&t, 1); bmem(&t, f.d, f.n);
    struct app_flow *a = qflow();
    feed(a, 0, &t, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK_STR(coll_buf(&c, 0, BUF_QUIC_SNI, 0), "q46.example");
    t.n = 36;
    feed(a, 0, &t, &c);
    CHECK_EQ_U(c.n, 1);
    app_flow_free(a);
    coll_reset(&c);
    CHECK_EQ_U(st.memory, m0);
}

/* jw_strn_lossy: one U+FFFD per maximal ill-formed subsequence. */
static void test_lossy(void)
{
    static const struct { const char *in; size_t n; const char *out; } v[] = {
        { "a\xff" "b", 3, "\"a\xef\xbf\xbd" "b\"" },
        { "\xe2\x82", 2, "\"\xef\xbf\xbd\"" },                     /* cut 3-byte: one */
        { "\xe2\x82" "A", 3, "\"\xef\xbf\xbd" "A\"" },
        { "\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" }, /* surrogate: three */
        { "\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"" },         /* valid 4-byte */
        { "\xf0\x9f\x98", 3, "\"\xef\xbf\xbd\"" },
        { "\xc0\xaf", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"" },         /* overlong */
        { "\"\x01", 2, "\"\\\"\\u0001\"" },
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        char buf[64];
        struct jw w;
        jw_init(&w, buf, sizeof(buf));
        jw_strn_lossy(&w, v[i].in, v[i].n);
        buf[w.len] = 0;
        CHECK_STR(buf, v[i].out);
    }
}

int main(void)
{
    test_tag_table();
    test_chlo();
    test_frames();
    test_q050();
    test_hostile();
    test_lossy();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_gquic");
}
