/* test_app_registry.c - the parser registry (app/app_registry.c): the real
 * table passes its start-up check, half-filled or clashing entries are
 * refused with the field named, look-ups by name and by nDPI protocol, the
 * rule protocols of protocols without a parser, the rule keywords of the
 * parsers, and the event types the parsers add to config's (their numbers,
 * names and Kafka family). */
#include <ndpi/ndpi_protocol_ids.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/buffers.h"
#include "taishi/config/config.h"
#include "unit.h"

static void *fake_create(const struct app_limits *l, struct app_stats *s, int id)
{
    (void)l; (void)s; (void)id;
    return NULL;
}
static void fake_feed(void *st, int dir, const uint8_t *d, size_t n, const struct app_sink *s)
{
    (void)st; (void)dir; (void)d; (void)n; (void)s;
}
static void fake_gap(void *st, int dir, size_t n, const struct app_sink *s)
{
    (void)st; (void)dir; (void)n; (void)s;
}
static void fake_end(void *st, const struct app_sink *s)
{
    (void)st; (void)s;
}
static void fake_destroy(void *st)
{
    (void)st;
}
static void fake_body(struct jw *w, const struct app_tx *tx)
{
    (void)w; (void)tx;
}

static const struct app_parser good = {
    .name = "fake", .rule_proto = "fake", .event_type = "fake", .event_id = 20,
    .transports = APP_TCP, .ndpi = (const uint16_t[]){ 9999, 0 },
    .counters = (const char *const[]){ "messages", NULL },
    .create = fake_create, .feed = fake_feed, .gap = fake_gap, .end = fake_end,
    .destroy = fake_destroy, .event_body = fake_body,
};

/* The check refuses t and names `field` in its message. */
static void refused(const struct app_parser *p, const char *field)
{
    const struct app_parser *t[] = { &good, p };
    char err[256] = "";
    int rc = app_registry_check_table(t, 2, err, sizeof(err));
    CHECK(rc < 0);
    if (rc < 0 && !strstr(err, field))
        UNIT_FAIL_("check: \"%s\" does not name %s\n", err, field);
}

int main(void)
{
    char err[256];
    int n = app_registry_count();

    /* the real table */
    CHECK_EQ_U(app_registry_check(err, sizeof(err)), 0);
    CHECK_EQ_U(config_event_types_check(err, sizeof(err)), 0);
    CHECK(n >= 4 && n <= APP_PARSERS_MAX);
    for (int id = 1; id <= n; id++) {
        const struct app_parser *p = app_registry_get(id);
        CHECK(p != NULL);
        CHECK_EQ_U(app_registry_id(p->name), id);
        CHECK_STR(config_event_name((enum event_type)p->event_id), p->event_type);
        CHECK_EQ_U(config_kafka_family((enum event_type)p->event_id), KF_APP);
        CHECK_EQ_U(app_registry_for_ndpi(p->ndpi[0]), id);
        CHECK(config_events_all() & (1u << p->event_id));
    }
    CHECK(app_registry_get(0) == NULL && app_registry_get(n + 1) == NULL);
    CHECK_EQ_U(app_registry_id("nonesuch"), 0);
    /* nDPI ids: a parser's, one of several for a parser, one with a rule
     * protocol but no parser, one rules cannot name */
    CHECK_EQ_U(app_registry_for_ndpi(NDPI_PROTOCOL_HTTP_PROXY), app_registry_id("http"));
    CHECK_STR(app_registry_rule_proto(NDPI_PROTOCOL_HTTP_CONNECT), "http");
    CHECK_EQ_U(app_registry_for_ndpi(NDPI_PROTOCOL_MAIL_SMTP), app_registry_id("smtp"));
    CHECK_STR(app_registry_rule_proto(NDPI_PROTOCOL_MAIL_SMTP), "smtp");
    CHECK_EQ_U(app_registry_for_ndpi(NDPI_PROTOCOL_FTP_CONTROL), app_registry_id("ftp"));
    CHECK_EQ_U(app_registry_for_ndpi(NDPI_PROTOCOL_MAIL_IMAP), 0);
    CHECK_STR(app_registry_rule_proto(NDPI_PROTOCOL_MAIL_IMAP), "imap");
    CHECK_STR(app_registry_rule_proto(NDPI_PROTOCOL_SMBV23), "smb");
    CHECK(app_registry_rule_proto(NDPI_PROTOCOL_UNKNOWN) == NULL);
    CHECK(app_registry_rule_proto(NDPI_PROTOCOL_BITTORRENT) == NULL);
    /* the events the sensor had before the registry keep their numbers */
    CHECK_EQ_U(config_event_type("dns"), 4);
    CHECK_EQ_U(config_event_type("tls"), 5);
    CHECK_EQ_U(config_event_type("http"), 6);
    CHECK_EQ_U(config_event_type("ssh"), 9);
    CHECK_EQ_U(config_event_type("risk"), ET_RISK);
    CHECK(config_event_type("fake") < 0);
    /* counters by name */
    struct app_stats st;
    memset(&st, 0, sizeof(st));
    app_stats_row(&st, app_registry_id("tls"))[1] = 7;
    CHECK_EQ_U(app_stats_get(&st, "tls", "parse_errors"), 7);
    CHECK_EQ_U(app_stats_get(&st, "tls", "nonesuch"), 0);
    CHECK_EQ_U(app_stats_get(&st, "nonesuch", "parse_errors"), 0);

    /* rule keywords through the registry, with the parser's rule protocol */
    const char *rp = NULL;
    const struct app_keyword *kw = app_registry_keyword("HTTP.URI", &rp);
    CHECK(kw && kw->buf == BUF_HTTP_URI && !kw->modifier && rp && !strcmp(rp, "http"));
    kw = app_registry_keyword("http_uri", &rp);
    CHECK(kw && kw->buf == BUF_HTTP_URI && kw->modifier);
    kw = app_registry_keyword("ja3s.hash", &rp);
    CHECK(kw && kw->buf == BUF_JA3S_HASH && !strcmp(rp, "tls"));
    CHECK(app_registry_keyword("file.data", &rp) == NULL);          /* no parser's own */
    CHECK(app_registry_keyword("nonesuch", &rp) == NULL);

    /* a good extra entry passes; half-filled or clashing ones do not */
    const struct app_parser *ok[] = { &good };
    CHECK_EQ_U(app_registry_check_table(ok, 1, err, sizeof(err)), 0);
    struct app_parser p;
    p = good; p.name = NULL; refused(&p, "name");
    p = good; p.name = "fake2"; p.feed = NULL; refused(&p, "feed");
    /* a UDP parser with per-flow state needs the stateful functions, not datagram */
    p = good; p.name = "fake2"; p.event_type = "fake2"; p.event_id = 21;
    p.ndpi = (const uint16_t[]){ 9998, 0 };
    p.transports = APP_UDP_FLOW;
    const struct app_parser *uf[] = { &good, &p };
    CHECK_EQ_U(app_registry_check_table(uf, 2, err, sizeof(err)), 0);
    p.destroy = NULL; refused(&p, "destroy");
    /* quic is such a parser, and the quic rule protocol is no longer "unparsed" */
    CHECK(app_registry_get(app_registry_id("quic")) &&
          (app_registry_get(app_registry_id("quic"))->transports & APP_UDP_FLOW));
    CHECK_EQ_U(app_registry_for_ndpi(NDPI_PROTOCOL_QUIC), app_registry_id("quic"));
    CHECK_STR(app_registry_rule_proto(NDPI_PROTOCOL_QUIC), "quic");
    CHECK_EQ_U(config_event_type("quic"), 17);
    p = good; p.name = "fake2"; p.destroy = NULL; refused(&p, "destroy");
    p = good; p.name = "fake2"; p.event_body = NULL; refused(&p, "event_body");
    p = good; p.name = "fake2"; p.ndpi = (const uint16_t[]){ 0 }; refused(&p, "ndpi");
    p = good; p.name = "fake2"; p.transports = APP_UDP; refused(&p, "datagram");
    p = good; p.name = "fake2"; p.event_id = 0; refused(&p, "event_id");
    p = good; p.name = "fake2"; p.counters = (const char *const[]){ "a", "b", "c", "d", "e", "f", "g", NULL };
    refused(&p, "counters");
    p = good; refused(&p, "name");                                  /* the same name */
    p = good; p.name = "fake2"; p.event_type = "fake2"; refused(&p, "event id");
    p = good; p.name = "fake2"; p.event_type = "fake2"; p.event_id = 21; refused(&p, "nDPI");
    p = good; p.name = "fake2"; p.keywords = (const struct app_keyword[]){
        APP_STICKY("fake.x", BUF_MAX), APP_KEYWORDS_END };
    refused(&p, "buffer");
    /* an integer keyword needs its getter, and only it may use BUF_APP_TX */
    static const struct app_int_kw no_get = { .syntax = AI_UINT, .max = 9 };
    static const struct app_int_kw no_iface = { .syntax = AI_DCE_IFACE };
    p = good; p.name = "fake2"; p.keywords = (const struct app_keyword[]){
        APP_INT("fake.n", &no_get), APP_KEYWORDS_END };
    refused(&p, "getter");
    p.keywords = (const struct app_keyword[]){ APP_INT("fake.i", &no_iface), APP_KEYWORDS_END };
    refused(&p, "getter");
    p.keywords = (const struct app_keyword[]){ APP_STICKY("fake.t", BUF_APP_TX), APP_KEYWORDS_END };
    refused(&p, "buffer");
    /* the registry's own integer keywords: found, with their parser */
    {
        const char *proto = NULL;
        const struct app_keyword *k = app_registry_keyword("mqtt.type", &proto);
        CHECK(k && k->ik && k->buf == BUF_APP_TX && proto && !strcmp(proto, "mqtt"));
        CHECK_EQ_U(app_registry_parser_of(k), app_registry_id("mqtt"));
        k = app_registry_keyword("DCE_IFACE", &proto);
        CHECK(k && k->ik && k->ik->syntax == AI_DCE_IFACE && !strcmp(k->ik->also, "smb"));
        CHECK_EQ_U(app_registry_parser_of(NULL), 0);
    }
    p = good; p.name = "fake2"; p.event_type = "fake2"; p.event_id = 21;
    p.ndpi = (const uint16_t[]){ 9998, 0 };
    p.keywords = (const struct app_keyword[]){ APP_STICKY("http.uri", BUF_HTTP_URI), APP_KEYWORDS_END };
    const struct app_parser *clash[] = { app_registry_get(app_registry_id("http")), &p };
    CHECK(app_registry_check_table(clash, 2, err, sizeof(err)) < 0 && strstr(err, "rule keyword"));
    p.keywords = NULL;
    const struct app_parser *two[] = { &good, &p };
    CHECK_EQ_U(app_registry_check_table(two, 2, err, sizeof(err)), 0);
    return unit_done("app_registry");
}
