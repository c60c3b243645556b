/* test_app_ike.c - IKE (app_ike.c, app_ike_log.c) on hand-built messages,
 * each datagram placed flush against a guard page:
 *   - IKEv1 main mode: proposals, the responder's chosen transform on later
 *     events, KE/nonce per side, vendor IDs, the rule buffers, an encrypted
 *     message, a 3-byte life duration (hex _raw), an unknown attribute;
 *   - IKEv1 aggressive mode with a pre-shared key: the ike_aggressive_psk risk;
 *   - IKEv2 IKE_SA_INIT both ways with notifies, an encrypted IKE_AUTH, a weak
 *     responder choice (ike_weak_crypto), a refusal with a zero responder SPI
 *     (Suricata turns the flow around), payloads too short for their type;
 *   - NAT-T: the non-ESP marker skipped, ESP and keepalives counted;
 *   - every message cut at every length, and hostile ones (zero payload
 *     lengths, deep SA/proposal nesting, more vendor IDs and transforms than
 *     kept, a KE longer than kept, attribute and proposal lengths that lie,
 *     a first datagram that is not IKE). Memory goes back to zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"
#include "app/app_buf.h"

static struct app_stats st;

static int id_ike(void) { return app_registry_id("ike"); }

/* ---- a byte builder ---- */
struct bb {
    uint8_t d[70000];
    size_t n;
};
static void put(struct bb *b, const void *p, size_t n) { memcpy(b->d + b->n, p, n); b->n += n; }
static void u8(struct bb *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void u16(struct bb *b, unsigned v) { u8(b, v >> 8); u8(b, v & 255); }
static void u32(struct bb *b, uint32_t v) { u16(b, v >> 16); u16(b, v & 0xffff); }
static void u64(struct bb *b, uint64_t v) { u32(b, (uint32_t)(v >> 32)); u32(b, (uint32_t)v); }
/* a generic payload header + body */
static void pl(struct bb *b, unsigned next, const struct bb *body)
{
    u8(b, next);
    u8(b, 0);
    u16(b, (unsigned)(4 + body->n));
    put(b, body->d, body->n);
}
static struct bb *msg(uint64_t i, uint64_t r, unsigned np, unsigned ver, unsigned exch,
                      unsigned flags, uint32_t id, const struct bb *body)
{
    static struct bb m;
    m.n = 0;
    u64(&m, i);
    u64(&m, r);
    u8(&m, np);
    u8(&m, ver);
    u8(&m, exch);
    u8(&m, flags);
    u32(&m, id);
    u32(&m, (uint32_t)(28 + body->n));
    put(&m, body->d, body->n);
    return &m;
}

/* IKEv1 transform attributes */
static void tv(struct bb *b, unsigned t, unsigned v) { u16(b, 0x8000 | t); u16(b, v); }
static void v1_transform(struct bb *b, int last, const struct bb *attrs)
{
    struct bb t = { .n = 0 };
    u8(&t, 1);
    u8(&t, 1);
    u16(&t, 0);
    put(&t, attrs->d, attrs->n);
    pl(b, last ? 0 : 3, &t);
}
static void v1_sa(struct bb *out, const struct bb *const *xf, int nxf)
{
    struct bb p = { .n = 0 }, sa = { .n = 0 };
    u8(&p, 1);
    u8(&p, 1);
    u8(&p, 0);
    u8(&p, (unsigned)nxf);
    for (int i = 0; i < nxf; i++)
        v1_transform(&p, i == nxf - 1, xf[i]);
    u32(&sa, 1);
    u32(&sa, 1);
    pl(&sa, 0, &p);
    *out = sa;
}

static struct coll c;

static void feed(struct app_flow *a, int dir, const struct bb *m, size_t n)
{
    struct app_sink s = coll_sink(&c);
    const uint8_t *g = guard_copy(m->d, n);
    app_flow_feed(a, dir, g, n, &s);
    guard_release(g, n);
}

static const char *json(int i) { return i < c.n ? c.tx[i].json : ""; }

/* builds the four main-mode messages */
static struct bb mm[4];
static void build_main_mode(void)
{
    static struct bb a1, a2, a3, sa, body, ke, nonce, vid;
    a1.n = a2.n = a3.n = 0;
    tv(&a1, 1, 7); tv(&a1, 14, 256); tv(&a1, 2, 4); tv(&a1, 3, 3); tv(&a1, 4, 14);
    tv(&a1, 11, 1);
    u16(&a1, 12); u16(&a1, 4); u32(&a1, 28800);                /* TLV, 4 bytes: a number */
    tv(&a2, 1, 5); tv(&a2, 2, 1); tv(&a2, 3, 1); tv(&a2, 4, 2);
    u16(&a2, 12); u16(&a2, 3); u8(&a2, 0); u8(&a2, 0x46); u8(&a2, 0x50); /* 3 bytes: hex */
    tv(&a2, 17, 9);                                             /* unknown type */
    const struct bb *both[2] = { &a1, &a2 }, *one[1] = { &a1 };
    /* 1: SA (2 transforms) + 2 vendor IDs */
    v1_sa(&sa, both, 2);
    body.n = 0;
    pl(&body, 13, &sa);
    vid.n = 0;
    put(&vid, "\x4a\x13\x1c\x81\x07\x03\x58\x45\x5c\x57\x28\xf2\x0e\x95\x45\x2f", 16);
    pl(&body, 13, &vid);
    vid.n = 0;
    put(&vid, "\x09\x00\x26\x89\xdf\xd6\xb7\x12", 8);
    pl(&body, 0, &vid);
    mm[0] = *msg(0x1122334455667788ull, 0, 1, 0x10, 2, 0, 0, &body);
    /* 2: SA (1 transform) */
    v1_sa(&sa, one, 1);
    body.n = 0;
    pl(&body, 0, &sa);
    mm[1] = *msg(0x1122334455667788ull, 0x99aabbccddeeff00ull, 1, 0x10, 2, 0, 0, &body);
    /* 3: KE + nonce */
    ke.n = nonce.n = 0;
    for (int i = 0; i < 128; i++)
        u8(&ke, (unsigned)i);
    for (int i = 0; i < 16; i++)
        u8(&nonce, 0xa0u + (unsigned)i);
    body.n = 0;
    pl(&body, 10, &ke);
    pl(&body, 0, &nonce);
    mm[2] = *msg(0x1122334455667788ull, 0x99aabbccddeeff00ull, 4, 0x10, 2, 0, 0, &body);
    /* 4: encrypted (ID next) */
    body.n = 0;
    for (int i = 0; i < 40; i++)
        u8(&body, (unsigned)i * 7);
    mm[3] = *msg(0x1122334455667788ull, 0x99aabbccddeeff00ull, 5, 0x10, 2, 1, 0, &body);
    (void)a3;
}

static void test_main_mode(void)
{
    build_main_mode();
    memset(&c, 0, sizeof(c));
    uint64_t m0 = st.memory;
    struct app_flow *a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &mm[0], mm[0].n);
    feed(a, 1, &mm[1], mm[1].n);
    feed(a, 0, &mm[2], mm[2].n);
    feed(a, 1, &mm[3], mm[3].n);
    CHECK_EQ_U(c.n, 4);
    CHECK(strstr(json(0), "{\"ike\":{\"version_major\":1,\"version_minor\":0,\"init_spi\":"
                 "\"1122334455667788\",\"resp_spi\":\"0000000000000000\",\"message_id\":0,"
                 "\"exchange_type\":2,\"payload\":[\"SecurityAssociation\",\"Proposal\","
                 "\"Transform\",\"VendorID\"],\"ikev1\":{\"doi\":1,\"encrypted_payloads\":false,"
                 "\"client\":{\"proposals\":[{\"alg_enc\":\"EncAesCbc\",\"alg_enc_raw\":7,"
                 "\"sa_key_length\":\"Unknown\",\"sa_key_length_raw\":256,\"alg_hash\":"
                 "\"HashSha2_256\",\"alg_hash_raw\":4,\"alg_auth\":\"AuthRsaSignatures\","
                 "\"alg_auth_raw\":3,\"alg_dh\":\"GroupModp2048Bit\",\"alg_dh_raw\":14,"
                 "\"sa_life_type\":\"LifeTypeSeconds\",\"sa_life_type_raw\":1,"
                 "\"sa_life_duration\":\"Unknown\",\"sa_life_duration_raw\":28800},"));
    CHECK(strstr(json(0), "\"sa_life_duration\":\"Unknown\",\"sa_life_duration_raw\":\"004650\","
                 "\"unknown\":\"Unknown\",\"unknown_raw\":9}]},\"server\":{},\"vendor_ids\":"
                 "[\"4a131c81070358455c5728f20e95452f\",\"09002689dfd6b712\"]}}}"));
    CHECK_STR(coll_buf(&c, 0, BUF_IKE_INIT_SPI, 0), "1122334455667788");
    CHECK_STR(coll_buf(&c, 0, BUF_IKE_VENDOR, 1), "09002689dfd6b712");
    /* the responder's message: its transform is the chosen one, on it and after */
    CHECK(strstr(json(1), "\"exchange_type\":2,\"alg_enc\":\"EncAesCbc\",\"alg_enc_raw\":7,"));
    CHECK(strstr(json(1), "\"client\":{},\"server\":{}"));
    CHECK_STR(coll_buf(&c, 1, BUF_IKE_RESP_SPI, 0), "99aabbccddeeff00");
    CHECK(strstr(json(2), "\"alg_enc\":\"EncAesCbc\""));
    CHECK(strstr(json(2), "\"payload\":[\"KeyExchange\",\"Nonce\"]"));
    CHECK(strstr(json(2), "\"client\":{\"key_exchange_payload\":\"000102"));
    CHECK(strstr(json(2), "\"key_exchange_payload_length\":128,\"nonce_payload\":"
                 "\"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf\",\"nonce_payload_length\":16}"));
    CHECK_EQ_U(coll_buflen(&c, 2, BUF_IKE_KEY_EXCHANGE), 128);
    CHECK_EQ_U(coll_buflen(&c, 2, BUF_IKE_NONCE), 16);
    CHECK(strstr(json(3), "\"payload\":[\"Identification\"],\"ikev1\":{\"doi\":1,"
                 "\"encrypted_payloads\":true}}}"));
    CHECK_EQ_U(coll_nbuf(&c, 3, BUF_IKE_KEY_EXCHANGE), 0);
    app_flow_end(a, &(struct app_sink){ coll_tx, &c, NULL });
    app_flow_free(a);
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);
}

static int count_kind(int kind)
{
    int n = 0;
    for (int i = 0; i < c.n; i++)
        n += c.tx[i].kind == kind;
    for (int i = 0; i < c.nside; i++)      /* risks are kept apart (app_collect.h) */
        n += c.side[i].kind == kind;
    return n;
}

static void test_aggressive(void)
{
    static struct bb at, sa, body, ke;
    at.n = 0;
    tv(&at, 1, 5); tv(&at, 2, 1); tv(&at, 3, 1); tv(&at, 4, 2);
    const struct bb *one[1] = { &at };
    v1_sa(&sa, one, 1);
    ke.n = 0;
    for (int i = 0; i < 64; i++)
        u8(&ke, 1);
    body.n = 0;
    pl(&body, 4, &sa);
    pl(&body, 0, &ke);
    struct bb m1 = *msg(7, 0, 1, 0x10, 4, 0, 0, &body);
    struct bb m2 = *msg(7, 8, 1, 0x10, 4, 0, 0, &body);
    memset(&c, 0, sizeof(c));
    uint64_t w0 = app_stats_get(&st, "ike", "weak_crypto");
    struct app_flow *a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &m1, m1.n);
    feed(a, 1, &m2, m2.n);
    CHECK_EQ_U(count_kind(TX_IKE), 2);
    CHECK_EQ_U(count_kind(TX_RISK), 1);      /* one per flow */
    CHECK(c.nside >= 1 && c.side[0].kind == TX_RISK);
    CHECK(strstr(c.log, "ike_aggressive_psk"));
    CHECK_EQ_U(app_stats_get(&st, "ike", "weak_crypto"), w0 + 1);
    app_flow_free(a);
    coll_reset(&c);
}

/* IKEv2 */
static void v2_sa(struct bb *out, const unsigned (*t)[2], int n)
{
    struct bb p = { .n = 0 };
    u8(&p, 0);
    u8(&p, 0);
    u16(&p, (unsigned)(8 + 8 * n));
    u8(&p, 1);
    u8(&p, 1);
    u8(&p, 0);
    u8(&p, (unsigned)n);
    for (int i = 0; i < n; i++) {
        u8(&p, i == n - 1 ? 0 : 3);
        u8(&p, 0);
        u16(&p, 8);
        u8(&p, t[i][0]);
        u8(&p, 0);
        u16(&p, t[i][1]);
    }
    *out = p;
}
static void notify(struct bb *b, unsigned type, size_t datalen)
{
    b->n = 0;
    u8(b, 0);
    u8(b, 0);
    u16(b, type);
    for (size_t i = 0; i < datalen; i++)
        u8(b, (unsigned)i);
}

static struct bb v2m[4];
static void build_v2(const unsigned (*resp)[2], int nresp)
{
    static const unsigned init[4][2] = { { 1, 12 }, { 2, 5 }, { 3, 12 }, { 4, 19 } };
    static struct bb sa, ke, nonce, n1, n2, body;
    ke.n = nonce.n = 0;
    u16(&ke, 19); u16(&ke, 0);
    for (int i = 0; i < 64; i++)
        u8(&ke, (unsigned)i);
    for (int i = 0; i < 32; i++)
        u8(&nonce, (unsigned)i);
    notify(&n1, 16388, 20);
    notify(&n2, 16389, 20);
    v2_sa(&sa, init, 4);
    body.n = 0;
    pl(&body, 34, &sa); pl(&body, 40, &ke); pl(&body, 41, &nonce); pl(&body, 41, &n1);
    pl(&body, 0, &n2);
    v2m[0] = *msg(0xa1, 0, 33, 0x20, 34, 0x08, 0, &body);
    v2_sa(&sa, resp, nresp);
    body.n = 0;
    pl(&body, 34, &sa); pl(&body, 40, &ke); pl(&body, 41, &nonce); notify(&n1, 16404, 0);
    pl(&body, 0, &n1);
    v2m[1] = *msg(0xa1, 0xb1, 33, 0x20, 34, 0x20, 0, &body);
    /* IKE_AUTH: SK whose first inner payload is IDi */
    body.n = 0;
    u8(&body, 35); u8(&body, 0); u16(&body, 4 + 64);
    for (int i = 0; i < 64; i++)
        u8(&body, (unsigned)i * 3);
    v2m[2] = *msg(0xa1, 0xb1, 46, 0x20, 35, 0x08, 1, &body);
    /* a refusal: INVALID_KE_PAYLOAD, responder SPI zero */
    notify(&n1, 17, 2);
    body.n = 0;
    pl(&body, 0, &n1);
    v2m[3] = *msg(0xa1, 0, 41, 0x20, 34, 0x20, 0, &body);
}

static void test_ikev2(void)
{
    static const unsigned good[4][2] = { { 1, 12 }, { 2, 5 }, { 3, 12 }, { 4, 19 } };
    static const unsigned weak[4][2] = { { 1, 3 }, { 2, 2 }, { 3, 2 }, { 4, 2 } };
    build_v2(good, 4);
    memset(&c, 0, sizeof(c));
    uint64_t m0 = st.memory;
    struct app_flow *a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &v2m[0], v2m[0].n);
    feed(a, 1, &v2m[1], v2m[1].n);
    feed(a, 0, &v2m[2], v2m[2].n);
    CHECK_EQ_U(c.n, 3);
    CHECK(strstr(json(0), "\"exchange_type\":34,\"role\":\"initiator\",\"payload\":"
                 "[\"SecurityAssociation\",\"KeyExchange\",\"Nonce\",\"Notify\",\"Notify\","
                 "\"NoNextPayload\"],\"ikev2\":{\"errors\":0,\"notify\":"
                 "[\"NAT_DETECTION_SOURCE_IP\",\"NAT_DETECTION_DESTINATION_IP\"]}}}"));
    CHECK(strstr(json(1), "\"role\":\"responder\",\"alg_enc\":\"ENCR_AES_CBC\",\"alg_auth\":"
                 "\"AUTH_HMAC_SHA2_256_128\",\"alg_prf\":\"PRF_HMAC_SHA2_256\",\"alg_dh\":"
                 "\"Ecp256\",\"alg_esn\":\"NoESN\""));
    CHECK(strstr(json(1), "\"notify\":[\"MULTIPLE_AUTH_SUPPORTED\"]"));
    CHECK(strstr(json(2), "\"message_id\":1,\"exchange_type\":35,\"role\":\"initiator\","
                 "\"payload\":[\"EncryptedAndAuthenticated\",\"IdentInitiator\"]"));
    CHECK_EQ_U(count_kind(TX_RISK), 0);
    app_flow_free(a);
    coll_reset(&c);

    /* a weak choice */
    build_v2(weak, 4);
    memset(&c, 0, sizeof(c));
    a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &v2m[0], v2m[0].n);
    feed(a, 1, &v2m[1], v2m[1].n);
    CHECK_EQ_U(count_kind(TX_RISK), 1);
    CHECK(strstr(c.log, "ike_weak_crypto") && strstr(c.log, "3DES modp1024"));
    CHECK(strstr(json(1), "\"alg_enc\":\"ENCR_3DES\""));
    app_flow_free(a);
    coll_reset(&c);

    /* a refusal with a zero responder SPI: the client's next SA counts as the
     * responder's (Suricata turned the flow around) */
    build_v2(good, 4);
    memset(&c, 0, sizeof(c));
    a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &v2m[0], v2m[0].n);
    feed(a, 1, &v2m[3], v2m[3].n);
    feed(a, 0, &v2m[0], v2m[0].n);
    feed(a, 1, &v2m[3], v2m[3].n);
    CHECK_EQ_U(c.n, 4);
    CHECK(strstr(json(1), "\"alg_enc\":\"ENCR_NULL\",\"alg_auth\":\"NONE\",\"alg_prf\":"
                 "\"PRF_NULL\",\"alg_dh\":\"None\""));
    CHECK(strstr(json(1), "\"ikev2\":{\"errors\":1,\"notify\":[\"INVALID_KE_PAYLOAD\"]}"));
    CHECK(strstr(json(3), "\"alg_enc\":\"ENCR_AES_CBC\""));
    app_flow_free(a);
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);

    /* payloads too short for their type: no payload listed (Suricata: []) */
    struct bb body = { .n = 0 }, ke1 = { .n = 0 };
    u8(&ke1, 0);
    pl(&body, 0, &ke1);
    struct bb bad = *msg(0xa2, 0, 34, 0x20, 34, 0x08, 0, &body);
    memset(&c, 0, sizeof(c));
    a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &bad, bad.n);
    CHECK_EQ_U(c.n, 1);
    CHECK(strstr(json(0), "\"role\":\"initiator\",\"ikev2\":{\"errors\":0}}}"));
    app_flow_free(a);
    coll_reset(&c);
}

static void test_natt(void)
{
    build_v2((const unsigned[1][2]){ { 1, 12 } }, 1);
    static struct bb m;
    m.n = 0;
    u32(&m, 0);
    put(&m, v2m[2].d, v2m[2].n);
    memset(&c, 0, sizeof(c));
    uint64_t n0 = app_stats_get(&st, "ike", "not_ike");
    struct app_flow *a = app_flow_new(id_ike(), NULL, &st);
    feed(a, 0, &m, m.n);
    struct bb esp = { .n = 0 }, ka = { .n = 0 };
    u32(&esp, 0xc0ffee01);
    u32(&esp, 1);
    for (int i = 0; i < 60; i++)
        u8(&esp, (unsigned)i);
    u8(&ka, 0xff);
    feed(a, 0, &esp, esp.n);
    feed(a, 1, &ka, ka.n);
    feed(a, 1, &m, m.n);
    CHECK_EQ_U(c.n, 2);
    CHECK(strstr(json(0), "\"init_spi\":\"00000000000000a1\""));
    CHECK(strstr(json(0), "\"payload\":[\"EncryptedAndAuthenticated\",\"IdentInitiator\"]"));
    CHECK_EQ_U(app_stats_get(&st, "ike", "not_ike"), n0 + 2);
    app_flow_free(a);
    coll_reset(&c);
}

/* Every message cut at every length, each on a fresh flow after the
 * messages before it: no read past the end (guard page), no leak. */
static void test_truncations(void)
{
    static const unsigned good[4][2] = { { 1, 12 }, { 2, 5 }, { 3, 12 }, { 4, 19 } };
    build_main_mode();
    build_v2(good, 4);
    const struct bb *all[8] = { &mm[0], &mm[1], &mm[2], &mm[3], &v2m[0], &v2m[1], &v2m[2],
                                &v2m[3] };
    uint64_t m0 = st.memory;
    for (int k = 0; k < 8; k++)
        for (size_t n = 0; n <= all[k]->n; n++) {
            memset(&c, 0, sizeof(c));
            struct app_flow *a = app_flow_new(id_ike(), NULL, &st);
            for (int j = (k < 4 ? 0 : 4); j < k; j++)
                feed(a, j & 1, all[j], all[j]->n);
            feed(a, k & 1, all[k], n);
            app_flow_free(a);
            coll_reset(&c);
        }
    CHECK_EQ_U(st.memory, m0);
}

static void test_hostile(void)
{
    static struct bb body, p, sa;
    uint64_t cap0 = app_stats_get(&st, "ike", "capped");
    uint64_t e0 = app_stats_get(&st, "ike", "parse_errors");
    memset(&c, 0, sizeof(c));
    struct app_flow *a = app_flow_new(id_ike(), NULL, &st);

    /* 600 vendor IDs (more than kept), then zero-length payloads */
    body.n = 0;
    for (int i = 0; i < 600; i++) {
        struct bb v = { .n = 0 };
        for (int k = 0; k < 16; k++)
            u8(&v, (unsigned)i);
        pl(&body, i == 599 ? 13 : 13, &v);
    }
    for (int i = 0; i < 50; i++) {
        u8(&body, 13); u8(&body, 0); u16(&body, 0);
    }
    feed(a, 0, msg(1ull << 40, 0, 13, 0x10, 2, 0, 0, &body), 28 + body.n);
    CHECK_EQ_U(c.n, 1);
    CHECK_EQ_U(coll_nbuf(&c, 0, BUF_IKE_VENDOR), TXB_MAX - 4);     /* the tx's room */
    CHECK(app_stats_get(&st, "ike", "capped") > cap0);

    /* SA -> proposal -> SA -> ... nested 2000 deep: followed 8 levels */
    body.n = 0;
    size_t depth = 2000;
    uint8_t *nest = calloc(depth * 12 + 16, 1);
    size_t len = 0;
    /* built from the inside out: each level = payload header + SA/proposal fields */
    for (size_t i = 0; i < depth; i++) {
        int is_sa = (int)(i & 1);
        size_t hdr = is_sa ? 12 : 8;
        memmove(nest + hdr, nest, len);
        memset(nest, 0, hdr);
        nest[0] = is_sa ? 2 : 1;            /* next payload of the level inside */
        size_t tot = hdr + len;
        nest[2] = (uint8_t)(tot >> 8);
        nest[3] = (uint8_t)tot;
        if (is_sa) {
            nest[7] = 1;                    /* DOI 1 */
            nest[11] = 1;                   /* situation */
        }
        len = tot > 0xffff ? 0 : tot;
        if (tot > 60000)
            break;
    }
    p.n = 0;
    put(&p, nest, len);
    free(nest);
    feed(a, 0, msg(2ull << 40, 0, 1, 0x10, 2, 0, 0, &p), 28 + p.n);

    /* more transforms than kept, a KE longer than kept, an attribute that lies */
    struct bb at = { .n = 0 }, big = { .n = 0 };
    tv(&at, 1, 7);
    u16(&at, 12); u16(&at, 60000); u8(&at, 1);
    const struct bb *xf[20];
    for (int i = 0; i < 20; i++)
        xf[i] = &at;
    v1_sa(&sa, xf, 20);
    for (int i = 0; i < 2000; i++)
        u8(&big, (unsigned)i);
    body.n = 0;
    pl(&body, 4, &sa);
    pl(&body, 0, &big);
    feed(a, 1, msg(3ull << 40, 9, 1, 0x10, 2, 0, 0, &body), 28 + body.n);
    CHECK(strstr(json(c.n - 1), "\"server_proposals\":[{\"alg_enc\":\"EncAesCbc\","
                 "\"alg_enc_raw\":7}"));
    CHECK(strstr(json(c.n - 1), "\"key_exchange_payload_length\":1024"));

    /* an SA too short for its DOI: a parse error, no event */
    int n0 = c.n;
    body.n = 0;
    struct bb two = { .n = 0 };
    u16(&two, 0);
    pl(&body, 0, &two);
    feed(a, 0, msg(4ull << 40, 0, 1, 0x10, 2, 0, 0, &body), 28 + body.n);
    CHECK_EQ_U(c.n, n0);
    CHECK_EQ_U(app_stats_get(&st, "ike", "parse_errors"), e0 + 1);
    /* a proposal whose SPI size runs past it */
    p.n = 0;
    u32(&p, 1); u32(&p, 1);
    u8(&p, 0); u8(&p, 0); u16(&p, 8); u8(&p, 1); u8(&p, 1); u8(&p, 200); u8(&p, 1);
    body.n = 0;
    pl(&body, 0, &p);
    feed(a, 0, msg(5ull << 40, 0, 1, 0x10, 2, 0, 0, &body), 28 + body.n);
    CHECK_EQ_U(c.n, n0);
    CHECK_EQ_U(app_stats_get(&st, "ike", "parse_errors"), e0 + 2);
    app_flow_free(a);
    coll_reset(&c);

    /* a flow whose first datagram is IKE-like but fails Suricata's probe
     * (IKEv2 minor version 1): nothing on the flow is parsed */
    memset(&c, 0, sizeof(c));
    a = app_flow_new(id_ike(), NULL, &st);
    body.n = 0;
    feed(a, 0, msg(6ull << 40, 0, 0, 0x21, 34, 0x08, 0, &body), 28);
    feed(a, 0, &mm[0], mm[0].n);
    CHECK_EQ_U(c.n, 0);
    app_flow_free(a);
    coll_reset(&c);
}

int main(void)
{
    (void)coll_feed;                    /* datagrams: fed whole, never split */
    test_main_mode();
    test_aggressive();
    test_ikev2();
    test_natt();
    test_truncations();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_ike");
}
