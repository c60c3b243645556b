/* test_app_mqtt.c - MQTT (app_mqtt.c) on messages built here byte by byte:
 * a 3.1.1 session (connect with will and credentials, subscribe, publish at
 * QoS 0, 1 and 2, unsubscribe, ping, disconnect) fed whole, byte by byte and
 * in random splits against a guard page (same transcript every time), the
 * pairing of requests and answers into transactions, MQTT 5 properties,
 * and hostile input: a 5-byte remaining length, strings past their message,
 * a body over the cap (truncated, skipped to its end, the next message still
 * parsed), answers nobody asked for, more open transactions than the cap,
 * a gap, a flow freed mid-message. Memory goes back to zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "app_collect.h"

static struct app_stats st;

struct msg {
    uint8_t b[8192];
    size_t n;
};

static void put(struct msg *m, const void *p, size_t n)
{
    memcpy(m->b + m->n, p, n);
    m->n += n;
}
static void u8(struct msg *m, unsigned v) { m->b[m->n++] = (uint8_t)v; }
static void u16(struct msg *m, unsigned v) { u8(m, v >> 8); u8(m, v & 0xff); }
static void str(struct msg *m, const char *s) { u16(m, (unsigned)strlen(s)); put(m, s, strlen(s)); }

/* Appends a message: fixed header, varint length, then body. */
static void msg(struct msg *out, unsigned type, unsigned flags, const struct msg *body)
{
    u8(out, type << 4 | flags);
    size_t n = body->n;
    do {
        unsigned b = n % 128;
        n /= 128;
        u8(out, b | (n ? 0x80 : 0));
    } while (n);
    put(out, body->b, body->n);
}

static void build_session(struct msg *cs, struct msg *sc)
{
    struct msg b;
    cs->n = sc->n = 0;
    b.n = 0;                                    /* CONNECT 3.1.1, will, user, password */
    str(&b, "MQTT"); u8(&b, 4); u8(&b, 0xc6); u16(&b, 60);
    str(&b, "meter-17"); str(&b, "plant/status"); str(&b, "offline");
    str(&b, "operator"); str(&b, "s3cret");
    msg(cs, 1, 0, &b);
    b.n = 0; u8(&b, 0); u8(&b, 0); msg(sc, 2, 0, &b);               /* CONNACK */
    b.n = 0; u16(&b, 1); str(&b, "plant/+/temp"); u8(&b, 1); str(&b, "a/#"); u8(&b, 0);
    msg(cs, 8, 2, &b);                                              /* SUBSCRIBE */
    b.n = 0; u16(&b, 1); u8(&b, 1); u8(&b, 0); msg(sc, 9, 0, &b);   /* SUBACK */
    b.n = 0; str(&b, "plant/t"); put(&b, "21.5", 4); msg(cs, 3, 0, &b);            /* QoS 0 */
    b.n = 0; str(&b, "plant/p"); u16(&b, 2); put(&b, "4.2", 3); msg(cs, 3, 2, &b); /* QoS 1 */
    b.n = 0; u16(&b, 2); msg(sc, 4, 0, &b);                         /* PUBACK */
    b.n = 0; u16(&b, 9); msg(sc, 5, 0, &b);                         /* PUBREC for nobody */
    b.n = 0; msg(cs, 12, 0, &b);                                    /* PINGREQ */
    msg(sc, 13, 0, &b);                                             /* PINGRESP */
    msg(cs, 14, 0, &b);                                             /* DISCONNECT */
}

static void run(const struct msg *cs, const struct msg *sc, int mode, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id("mqtt"), NULL, &st);
    CHECK(a != NULL);
    coll_feed(a, 0, cs->b, cs->n, mode, &s);
    coll_feed(a, 1, sc->b, sc->n, mode, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
}

static int events(const struct coll *c)
{
    int n = 0;
    for (int i = 0; i < c->n; i++)
        n += c->tx[i].event;
    return n;
}

static const struct ctx_rec *event_with(const struct coll *c, const char *needle)
{
    for (int i = 0; i < c->n; i++)
        if (c->tx[i].event && strstr(c->tx[i].json, needle))
            return &c->tx[i];
    return NULL;
}

static void test_session(void)
{
    struct msg cs, sc;
    char *ref = NULL;
    build_session(&cs, &sc);
    for (int mode = 0; mode < 3; mode++) {
        for (int rep = 0; rep < (mode == 2 ? 20 : 1); rep++) {
            struct coll c;
            memset(&c, 0, sizeof(c));
            uint64_t m0 = st.memory;
            /* the client's side first, then the server's: the answers pair
             * with the requests still pending */
            run(&cs, &sc, mode, &c);
            CHECK_EQ_U(st.memory, m0);
            CHECK_EQ_U(events(&c), 8);      /* connect, subscribe, pub0, pub1, pubrec,
                                             * pingreq, pingresp, disconnect */
            const struct ctx_rec *t = event_with(&c, "\"connect\"");
            CHECK(t && strstr(t->json, "\"client_id\":\"meter-17\"") &&
                  strstr(t->json, "\"username\":\"operator\"") &&
                  strstr(t->json, "\"will\":{\"topic\":\"plant/status\",\"message\":\"offline\"}") &&
                  strstr(t->json, "\"connack\":{\"qos\":0,\"retain\":false,\"dup\":false,"
                                  "\"session_present\":false,\"return_code\":0}"));
            t = event_with(&c, "\"subscribe\"");
            CHECK(t && strstr(t->json, "\"topics\":[{\"topic\":\"plant/+/temp\",\"qos\":1},"
                                       "{\"topic\":\"a/#\",\"qos\":0}]") &&
                  strstr(t->json, "\"qos_granted\":[1,0]"));
            t = event_with(&c, "\"puback\"");
            CHECK(t && strstr(t->json, "\"publish\":{\"qos\":1,\"retain\":false,\"dup\":false,"
                                       "\"topic\":\"plant/p\",\"message_id\":2,\"message\":\"4.2\"}"));
            t = event_with(&c, "\"pubrec\"");
            CHECK(t && !strstr(t->json, "publish") && strstr(t->json, "\"message_id\":9"));
            /* the buffers of the messages */
            int clientid = 0, user = 0, subtopics = 0, pubtopic = 0;
            for (int i = 0; i < c.n; i++) {
                const char *v = coll_buf(&c, i, BUF_MQTT_CLIENTID, 0);
                clientid += v && !strcmp(v, "meter-17");
                v = coll_buf(&c, i, BUF_MQTT_USERNAME, 0);
                user += v && !strcmp(v, "operator");
                subtopics += coll_nbuf(&c, i, BUF_MQTT_SUBSCRIBE_TOPIC);
                v = coll_buf(&c, i, BUF_MQTT_PUBLISH_TOPIC, 0);
                pubtopic += v && !strcmp(v, "plant/p") &&
                            !strcmp(coll_buf(&c, i, BUF_MQTT_PUBLISH_MESSAGE, 0), "4.2");
            }
            CHECK_EQ_U(clientid, 1);
            CHECK_EQ_U(user, 1);
            CHECK_EQ_U(subtopics, 2);
            CHECK_EQ_U(pubtopic, 1);
            if (!ref)
                ref = strdup(c.log);
            else
                CHECK(strcmp(ref, c.log) == 0);
            coll_reset(&c);
        }
    }
    free(ref);
    CHECK(app_stats_get(&st, "mqtt", "messages") > 0);
}

static void test_v5(void)
{
    struct msg cs, sc, b;
    struct coll c;
    memset(&c, 0, sizeof(c));
    cs.n = sc.n = 0;
    b.n = 0;
    str(&b, "MQTT"); u8(&b, 5); u8(&b, 0x02); u16(&b, 30);
    u8(&b, 5); u8(&b, 0x11); u16(&b, 0); u16(&b, 3600);     /* properties: 5 bytes */
    str(&b, "v5");
    msg(&cs, 1, 0, &b);
    b.n = 0; str(&b, "t"); u16(&b, 4); u8(&b, 0); put(&b, "hi", 2);
    msg(&cs, 3, 2, &b);
    b.n = 0; u8(&b, 0); u8(&b, 0); u8(&b, 0); msg(&sc, 2, 0, &b);
    b.n = 0; u16(&b, 4); u8(&b, 0x10); msg(&sc, 4, 0, &b);  /* PUBACK, reason 16 */
    run(&cs, &sc, 0, &c);
    const struct ctx_rec *t = event_with(&c, "\"connect\"");
    CHECK(t && strstr(t->json, "\"protocol_version\":5") && strstr(t->json, "\"client_id\":\"v5\""));
    t = event_with(&c, "\"puback\"");
    CHECK(t && strstr(t->json, "\"message\":\"hi\"") && strstr(t->json, "\"reason_code\":16"));
    coll_reset(&c);
}

static void test_hostile(void)
{
    struct msg cs, sc, b;
    struct coll c;
    uint64_t e0;

    /* a remaining length of five bytes: framing error, that side stops */
    memset(&c, 0, sizeof(c));
    cs.n = sc.n = 0;
    static const uint8_t bad_len[] = { 0x30, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 1, 'x' };
    put(&cs, bad_len, sizeof(bad_len));
    e0 = app_stats_get(&st, "mqtt", "parse_errors");
    run(&cs, &sc, 1, &c);
    CHECK_EQ_U(c.n, 0);
    CHECK_EQ_U(app_stats_get(&st, "mqtt", "parse_errors"), e0 + 1);
    coll_reset(&c);

    /* a topic longer than its message, then a good message: the bad one is
     * counted, the next one still parsed */
    memset(&c, 0, sizeof(c));
    cs.n = 0;
    b.n = 0; u16(&b, 200); put(&b, "abc", 3); msg(&cs, 3, 0, &b);
    b.n = 0; str(&b, "ok"); msg(&cs, 3, 0, &b);
    b.n = 0; msg(&cs, 0, 0, &b);                /* type 0 is reserved */
    e0 = app_stats_get(&st, "mqtt", "parse_errors");
    run(&cs, &sc, 2, &c);
    CHECK_EQ_U(c.n, 1);
    CHECK(c.n == 1 && strstr(c.tx[0].json, "\"topic\":\"ok\",\"message\":\"\""));
    CHECK_EQ_U(app_stats_get(&st, "mqtt", "parse_errors"), e0 + 2);
    coll_reset(&c);

    /* a body over the cap: one truncated transaction, skipped to its end */
    memset(&c, 0, sizeof(c));
    size_t big = 70000;
    uint8_t *bb = calloc(1, big + 16);
    size_t k = 0;
    bb[k++] = 0x30;
    size_t n = big - 5;
    do {
        unsigned x = n % 128;
        n /= 128;
        bb[k++] = (uint8_t)(x | (n ? 0x80 : 0));
    } while (n);
    size_t total = k + big - 5;
    bb[k] = 0; bb[k + 1] = 1; bb[k + 2] = 'z';
    static const uint8_t ping[] = { 0xc0, 0x00 };
    memcpy(bb + total, ping, 2);
    struct app_sink s = coll_sink(&c);
    struct app_flow *a = app_flow_new(app_registry_id("mqtt"), NULL, &st);
    coll_feed(a, 0, bb, total + 2, 2, &s);
    app_flow_free(a);
    CHECK_EQ_U(c.n, 2);
    char want[64];
    snprintf(want, sizeof(want), "\"skipped_length\":%zu", total);   /* header and body */
    CHECK(strstr(c.tx[0].json, "\"truncated\":true") && strstr(c.tx[0].json, want));
    CHECK(c.n == 2 && strstr(c.tx[1].json, "\"pingreq\""));
    free(bb);
    coll_reset(&c);

    /* more open QoS 1 publishes than the cap: the oldest are written
     * unanswered, the rest at the end; every one once */
    memset(&c, 0, sizeof(c));
    cs.n = 0;
    for (unsigned i = 1; i <= 40; i++) {
        b.n = 0; str(&b, "q"); u16(&b, i); put(&b, "v", 1); msg(&cs, 3, 2, &b);
    }
    e0 = app_stats_get(&st, "mqtt", "unanswered");
    uint64_t m0 = st.memory;
    run(&cs, &sc, 0, &c);
    CHECK_EQ_U(events(&c), 40);
    CHECK_EQ_U(app_stats_get(&st, "mqtt", "unanswered"), e0 + 40);
    CHECK_EQ_U(st.memory, m0);
    coll_reset(&c);

    /* a gap: that direction stops, the other goes on */
    memset(&c, 0, sizeof(c));
    build_session(&cs, &sc);
    s = coll_sink(&c);
    a = app_flow_new(app_registry_id("mqtt"), NULL, &st);
    app_flow_feed(a, 0, cs.b, 3, &s);
    app_flow_gap(a, 0, 100, &s);
    app_flow_feed(a, 0, cs.b + 3, cs.n - 3, &s);
    app_flow_feed(a, 1, sc.b, sc.n, &s);
    CHECK(c.n > 0 && !event_with(&c, "\"connect\""));
    CHECK(event_with(&c, "\"pingresp\"") != NULL);
    app_flow_free(a);                           /* freed mid-way, no end */
    coll_reset(&c);

    /* every prefix of the session, flow freed without end: no crash, no leak */
    build_session(&cs, &sc);
    m0 = st.memory;
    for (size_t cut = 0; cut <= cs.n; cut++) {
        memset(&c, 0, sizeof(c));
        s = coll_sink(&c);
        a = app_flow_new(app_registry_id("mqtt"), NULL, &st);
        coll_feed(a, 0, cs.b, cut, 0, &s);
        app_flow_free(a);
        coll_reset(&c);
    }
    CHECK_EQ_U(st.memory, m0);
}

/* mqtt_cleartext_credentials: a CONNECT with a password (detail the user
 * name, never the password); none without one. The broker's protocol
 * version is an asset fact once its CONNACK answers. */
static void test_risk(void)
{
    struct msg cs, sc, b;
    struct coll c;

    build_session(&cs, &sc);
    memset(&c, 0, sizeof(c));
    run(&cs, &sc, 0, &c);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "{\"risk\":{\"source\":\"app\",\"protocol\":\"mqtt\","
                                      "\"names\":[\"mqtt_cleartext_credentials\"],"
                                      "\"detail\":\"operator\"}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "s3cret"), 0);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"mqtt\":{\"protocol_version\":4}}}"), 1);
    coll_reset(&c);

    cs.n = sc.n = b.n = 0;                      /* user name, no password: no risk */
    str(&b, "MQTT"); u8(&b, 4); u8(&b, 0x82); u16(&b, 60);
    str(&b, "meter-18"); str(&b, "viewer");
    msg(&cs, 1, 0, &b);
    b.n = 0; u8(&b, 0); u8(&b, 0); msg(&sc, 2, 0, &b);
    memset(&c, 0, sizeof(c));
    run(&cs, &sc, 0, &c);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"risk\""), 0);
    coll_reset(&c);

    cs.n = b.n = 0;                             /* a password without a user name (3.1.1 */
    str(&b, "MQTT"); u8(&b, 4); u8(&b, 0x42); u16(&b, 60);   /* forbids it; 5 allows it) */
    str(&b, "meter-19"); str(&b, "pw");
    msg(&cs, 1, 0, &b);
    memset(&c, 0, sizeof(c));
    run(&cs, &sc, 0, &c);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"names\":[\"mqtt_cleartext_credentials\"],\"detail\":\"\"}"), 1);
    coll_reset(&c);
}

int main(void)
{
    test_session();
    test_risk();
    test_v5();
    test_hostile();
    CHECK_EQ_U(st.memory, 0);
    return unit_done("test_app_mqtt");
}
