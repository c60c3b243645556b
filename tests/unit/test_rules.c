/* test_rules.c - the rule parser: header (actions, protocols, addresses,
 * ports, variables, negations), every keyword, sticky buffers and legacy
 * modifiers, transforms, escapes, metadata, flowbits groups, classification,
 * the error paths (FAILED with a reason) and the unsupported ones (SKIPPED),
 * file loading (continuations, comments, missing file, binary junk), and the
 * address/port/number matchers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/core/compiler.h"
#include "taishi/rules/rules.h"
#include "unit.h"

static char class_path[64];
static struct rule_load_opts opts;
static struct ruleset *cur;

/* Parses text; returns the only rule when it loaded, else NULL. */
static const struct rule *parse(const char *text)
{
    rules_set_free(cur);
    cur = rules_set_parse_string(&opts, text);
    return cur->nrules == 1 ? cur->rules[0] : NULL;
}

static const struct rule *loads(const char *opts_text)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "alert tcp any any -> any any (%s)", opts_text);
    const struct rule *r = parse(buf);
    if (!r)
        fprintf(stderr, "did not load: %s -> %s\n", buf,
                cur->nproblems ? cur->problems[0].reason : "?");
    CHECK(r != NULL);
    return r;
}

static void fails_line(const char *line, const char *reason_part)
{
    const struct rule *r = parse(line);
    CHECK(r == NULL);
    CHECK_EQ_U(cur->failed, 1);
    CHECK(cur->nproblems == 1 && cur->problems[0].status == RS_FAILED);
    if (cur->nproblems == 1 && !strstr(cur->problems[0].reason, reason_part)) {
        fprintf(stderr, "reason '%s' lacks '%s' for: %s\n", cur->problems[0].reason, reason_part, line);
        CHECK(0);
    }
}

static void fails(const char *opts_text, const char *reason_part)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), "alert tcp any any -> any any (%s)", opts_text);
    fails_line(buf, reason_part);
}

static void skipped(const char *line, const char *reason_part)
{
    const struct rule *r = parse(line);
    CHECK(r == NULL);
    CHECK_EQ_U(cur->skipped, 1);
    CHECK(cur->nproblems == 1 && cur->problems[0].status == RS_SKIPPED &&
          strstr(cur->problems[0].reason, reason_part) != NULL);
    if (cur->nproblems == 1 && !strstr(cur->problems[0].reason, reason_part))
        fprintf(stderr, "reason '%s' lacks '%s'\n", cur->problems[0].reason, reason_part);
}

/* Both matchers: the list as parsed and the ranges the detect stage
 * compiles from it must always agree. */
static int both_match(const struct rule_addrs *a, const uint8_t *b, int ver)
{
    struct rule_aranges ar;
    rules_vars_addrs_compile(a, &ar);
    int lin = rules_vars_addrs_match(a, b, ver), bin = rules_vars_aranges_match(&ar, b, ver);
    rules_vars_aranges_free(&ar);
    CHECK_EQ_U(bin, lin);
    return lin;
}

static int addr_in(const struct rule_addrs *a, const char *ip)
{
    uint8_t b[16] = {0};
    unsigned x[4];
    if (sscanf(ip, "%u.%u.%u.%u", &x[0], &x[1], &x[2], &x[3]) == 4) {
        for (int i = 0; i < 4; i++)
            b[i] = (uint8_t)x[i];
        return both_match(a, b, 4);
    }
    b[0] = 0x20; b[1] = 0x01; b[2] = 0x0d; b[3] = 0xb8; b[15] = 1;    /* 2001:db8::1 */
    return both_match(a, b, 6);
}

/* The compiled ranges against the linear matcher on lists of every shape
 * (positive, negated, nested, both families, overlapping, /0 and /32,
 * ::/0), at every list boundary and its neighbours and at random. */
static void test_aranges(void)
{
    static const char *const lists[] = {
        "$HOME_NET", "$EXTERNAL_NET", "any", "[10.0.0.0/8,!10.1.0.0/16]", "!10.0.0.0/8",
        "[1.2.3.4,1.2.3.5,1.2.3.6,9.9.9.0/24,8.0.0.0/7]", "[0.0.0.0/0,!255.255.255.255]",
        "[2001:db8::/32,!2001:db8::1]", "[10.0.0.0/8,2001:db8::/32]", "![10.0.0.0/8,2001:db8::/32]",
        "[!1.1.1.1,![2.2.2.2,3.3.3.3]]", "[192.168.0.0/16,192.168.1.0/24,192.168.1.1]", "::/0",
        "![1.0.0.0/8,::/0]", "[0.0.0.0,255.255.255.255]", "[10.0.0.0/8,!10.1.1.1,2001:db8::/32,!2001:db8::1]",
    };
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
        char line[256];
        snprintf(line, sizeof(line), "alert ip %s any -> any any (sid:%zu;)", lists[i], 100 + i);
        const struct rule *r = parse(line);
        CHECK(r != NULL);
        if (!r)
            continue;
        struct rule_aranges ar;
        rules_vars_addrs_compile(&r->src, &ar);
        unsigned bad = 0;
        for (uint32_t k = 0; k < r->src.n; k++) {       /* each entry's first and last and neighbours */
            const struct rule_cidr *c = &r->src.v[k];
            int nb = c->ver == 4 ? 4 : 16;
            for (int edge = 0; edge < 2; edge++)
                for (int d = -1; d <= 1; d++) {
                    uint8_t b[16] = {0};
                    memcpy(b, c->addr, (size_t)nb);
                    int bits = c->ver == 4 ? 32 : 128;
                    for (int bit = c->prefix; bit < bits && edge; bit++)
                        b[bit / 8] |= (uint8_t)(0x80 >> (bit % 8));
                    int carry = d;                          /* b += d, big-endian */
                    for (int j = nb - 1; j >= 0 && carry; j--) {
                        int v = b[j] + carry;
                        b[j] = (uint8_t)(v & 0xff);
                        carry = v < 0 ? -1 : v > 255 ? 1 : 0;
                    }
                    bad += rules_vars_addrs_match(&r->src, b, c->ver) !=
                           rules_vars_aranges_match(&ar, b, c->ver);
                }
        }
        for (int k = 0; k < 20000; k++) {                   /* random, biased to the lists' networks */
            uint8_t b[16];
            for (int j = 0; j < 16; j++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                b[j] = (uint8_t)(seed >> 56);
            }
            static const uint8_t nets[][2] = { {10, 1}, {192, 168}, {1, 2}, {0x20, 0x01}, {255, 255} };
            if (k % 2)
                memcpy(b, nets[k / 2 % ARRAY_SIZE(nets)], 2);
            if (k % 4 == 1 && b[0] == 0x20)
                b[2] = 0x0d, b[3] = 0xb8;
            int ver = k % 3 ? 4 : 6;
            bad += rules_vars_addrs_match(&r->src, b, ver) != rules_vars_aranges_match(&ar, b, ver);
        }
        CHECK_EQ_U(bad, 0);
        if (bad)
            fprintf(stderr, "aranges disagree on %s: %u addresses\n", lists[i], bad);
        rules_vars_aranges_free(&ar);
    }
}

static void test_header(void)
{
    const struct rule *r = parse("alert tcp $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (sid:1;)");
    CHECK(r && r->action == RA_ALERT && r->proto == RP_TCP && !r->bidir);
    CHECK(r && addr_in(&r->src, "10.1.2.3") && addr_in(&r->src, "192.168.9.9") &&
          addr_in(&r->src, "172.31.0.1") && !addr_in(&r->src, "8.8.8.8") && !addr_in(&r->src, "v6"));
    /* EXTERNAL_NET = !$HOME_NET: IPv4 outside HOME_NET, no IPv6 (HOME_NET names none), as Suricata */
    CHECK(r && !addr_in(&r->dst, "10.1.2.3") && addr_in(&r->dst, "8.8.8.8") && !addr_in(&r->dst, "v6"));
    CHECK(r && r->dst.n == 4 && r->dst.v[0].neg);          /* 3 negated prefixes and !::/0 */
    CHECK(r && r->src.any == 0 && r->sport.any && r->dport.n == 1 && rules_vars_ports_match(&r->dport, 80) &&
          !rules_vars_ports_match(&r->dport, 81));

    static const struct { const char *a; uint8_t act; } acts[] = {
        { "alert", RA_ALERT }, { "drop", RA_DROP }, { "reject", RA_REJECT }, { "rejectsrc", RA_REJECT },
        { "rejectdst", RA_REJECT }, { "rejectboth", RA_REJECT }, { "pass", RA_PASS },
    };
    for (size_t i = 0; i < ARRAY_SIZE(acts); i++) {
        char b[128];
        snprintf(b, sizeof(b), "%s ip any any -> any any (sid:2;)", acts[i].a);
        r = parse(b);
        CHECK(r && r->action == acts[i].act && r->proto == RP_IP && r->src.any);
    }
    r = parse("alert icmp any any <> any any (sid:3;)");
    CHECK(r && r->proto == RP_ICMP && r->bidir);
    r = parse("alert icmpv6 any any -> any any (sid:3;)");
    CHECK(r && r->proto == RP_ICMPV6);
    r = parse("alert http1 any any -> any any (sid:3;)");
    CHECK(r && r->proto == RP_APP && r->app == RAPP_HTTP);
    r = parse("alert dns any any -> any any (sid:3;)");
    CHECK(r && r->proto == RP_APP && r->app == RAPP_DNS && !strcmp(rules_app_name(r->app), "dns"));
    r = parse("alert tcp-pkt any any -> any any (sid:3;)");
    CHECK(r && r->proto == RP_TCP && (r->flow & RF_NO_STREAM));
    r = parse("alert tcp-stream any any -> any any (sid:3;)");
    CHECK(r && r->proto == RP_TCP && (r->flow & RF_ONLY_STREAM));
    skipped("alert pgsql any any -> any any (sid:3;)", "unsupported protocol 'pgsql'");
    fails_line("alert bogus any any -> any any (sid:3;)", "unknown protocol 'bogus'");
    fails_line("hello tcp any any -> any any (sid:3;)", "unknown action");
    fails_line("alert tcp any any <- any any (sid:3;)", "bad direction");
    fails_line("alert tcp any any -> any (sid:3;)", "header too short");
    fails_line("alert tcp any any -> any any extra (sid:3;)", "extra field");
    fails_line("alert tcp any any -> any any (sid:3;", "does not end with ')'");
    fails_line("alert tcp any any -> any any", "no options");

    /* addresses: lists, nesting, negation of lists and variables, ranges, IPv6 */
    r = parse("alert ip [10.0.0.0/8,!10.1.0.0/16] any -> ![1.2.3.4,5.6.7.0/24] any (sid:4;)");
    CHECK(r && addr_in(&r->src, "10.2.0.1") && !addr_in(&r->src, "10.1.0.1") && !addr_in(&r->src, "11.0.0.1"));
    CHECK(r && !addr_in(&r->dst, "1.2.3.4") && !addr_in(&r->dst, "5.6.7.200") && addr_in(&r->dst, "1.2.3.5"));
    r = parse("alert ip ![10.0.0.0/8,!10.1.0.0/16] any -> !!$HOME_NET any (sid:5;)");
    CHECK(r && !addr_in(&r->src, "10.2.0.1") && addr_in(&r->src, "10.1.0.1") && addr_in(&r->src, "11.0.0.1"));
    CHECK(r && addr_in(&r->dst, "10.0.0.1") && !addr_in(&r->dst, "8.8.8.8"));     /* !! is positive */
    r = parse("alert ip [192.0.2.1-192.0.2.3,[2001:db8::/32]] any -> !$EXTERNAL_NET any (sid:6;)");
    CHECK(r && addr_in(&r->src, "192.0.2.2") && !addr_in(&r->src, "192.0.2.4") && addr_in(&r->src, "v6"));
    CHECK(r && addr_in(&r->dst, "192.168.1.1") && !addr_in(&r->dst, "v6"));
    r = parse("alert ip 10.9.8.7/255.255.0.0 any -> [any,!10.0.0.0/8] any (sid:7;)");
    CHECK(r && addr_in(&r->src, "10.9.1.1") && !addr_in(&r->src, "10.8.1.1"));
    CHECK(r && !addr_in(&r->dst, "10.1.1.1") && addr_in(&r->dst, "11.1.1.1") && addr_in(&r->dst, "v6"));
    r = parse("alert ip [0.0.0.0/0,::/0] any -> any any (sid:8;)");
    CHECK(r && r->src.any);
    fails_line("alert ip $NOPE any -> any any (sid:9;)", "unknown variable $NOPE");
    fails_line("alert ip !any any -> any any (sid:9;)", "negating 'any'");
    fails_line("alert ip [1.2.3.4,!1.2.3.4] any -> any any (sid:9;)", "matches nothing");
    fails_line("alert ip 1.2.3.4/33 any -> any any (sid:9;)", "prefix length");
    fails_line("alert ip 1.2.3 any -> any any (sid:9;)", "bad address");
    fails_line("alert ip [1.2.3.4 any -> any any (sid:9;)", "header too short");   /* '[' runs on */
    fails_line("alert ip [1.2.3.4,[5.6.7.8] any -> any any (sid:9;)", "header too short");
    fails_line("alert ip [1.2.3.4]] any -> any any (sid:9;)", "unexpected");
    fails_line("alert ip $HTTP_PORTS any -> any any (sid:9;)", "unknown variable");   /* port var as address */
    /* deep nesting and long lists: bounded, no quadratic blow-up */
    char *deep = malloc(8192), *p = deep;
    p += sprintf(p, "alert ip ");
    for (int i = 0; i < 40; i++)
        *p++ = '[';
    p += sprintf(p, "1.2.3.4");
    for (int i = 0; i < 40; i++)
        *p++ = ']';
    sprintf(p, " any -> any any (sid:9;)");
    fails_line(deep, "nested too deeply");
    p = deep + sprintf(deep, "alert ip [");
    for (int i = 0; i < 500; i++)
        p += sprintf(p, "%s10.%d.%d.0/24", i ? "," : "", i / 256, i % 256);
    sprintf(p, "] any -> any any (sid:9;)");
    r = parse(deep);
    CHECK(r && r->src.n >= 1 && addr_in(&r->src, "10.1.243.9") && !addr_in(&r->src, "10.1.244.9"));
    free(deep);

    /* ports */
    r = parse("alert tcp any [1024:,!8080] -> any [:1023,$HTTP_PORTS,!22] (sid:10;)");
    CHECK(r && rules_vars_ports_match(&r->sport, 1024) && rules_vars_ports_match(&r->sport, 65535) &&
          !rules_vars_ports_match(&r->sport, 8080) && !rules_vars_ports_match(&r->sport, 80));
    CHECK(r && rules_vars_ports_match(&r->dport, 80) && rules_vars_ports_match(&r->dport, 0) &&
          !rules_vars_ports_match(&r->dport, 22) && !rules_vars_ports_match(&r->dport, 2000));
    r = parse("alert tcp any $SHELLCODE_PORTS -> any 100:200 (sid:11;)");
    CHECK(r && r->sport.n == 1 && r->sport.v[0].neg && !rules_vars_ports_match(&r->sport, 80) &&
          rules_vars_ports_match(&r->sport, 81));
    CHECK(r && rules_vars_ports_match(&r->dport, 100) && rules_vars_ports_match(&r->dport, 200) &&
          !rules_vars_ports_match(&r->dport, 201));
    r = parse("alert tcp any $FILE_DATA_PORTS -> any ![1:65535] (sid:12;)");
    CHECK(r && rules_vars_ports_match(&r->sport, 110) && rules_vars_ports_match(&r->sport, 143) &&
          rules_vars_ports_match(&r->sport, 80) && rules_vars_ports_match(&r->dport, 0) &&
          !rules_vars_ports_match(&r->dport, 1));
    fails_line("alert tcp any 70000 -> any any (sid:13;)", "out of range");
    fails_line("alert tcp any 200:100 -> any any (sid:13;)", "ends before");
    fails_line("alert tcp any !any -> any any (sid:13;)", "negating 'any'");
    fails_line("alert tcp any x -> any any (sid:13;)", "bad port");
    fails_line("alert tcp any $HOME_NET -> any any (sid:13;)", "unknown variable");
}

static void test_vars(void)
{
    char err[256];
    struct rule_vars *v = rules_vars_new();
    struct rule_load_opts o = { .vars = v, .classification_file = class_path };

    CHECK(rules_vars_set(v, 0, "HOME_NET", "[10.0.0.0/8, 2001:db8::/32]", err, sizeof(err)) == 0);
    CHECK(rules_vars_set(v, 1, "HTTP_PORTS", "[80,8080:8090]", err, sizeof(err)) == 0);
    CHECK(rules_vars_set(v, 0, "MY_NET", "[$HOME_NET,!10.1.0.0/16]", err, sizeof(err)) == 0);
    CHECK(rules_vars_set(v, 0, "BAD", "[1.2.3.4", err, sizeof(err)) == -1 && strstr(err, "unterminated"));
    CHECK(rules_vars_set(v, 0, "BAD", "$NOPE", err, sizeof(err)) == -1 && strstr(err, "unknown variable"));
    CHECK(rules_vars_set(v, 0, "b@d", "any", err, sizeof(err)) == -1);
    CHECK(rules_vars_set(v, 1, "BADP", "[80,", err, sizeof(err)) == -1);
    struct ruleset *rs = rules_set_parse_string(&o,
        "alert tcp $MY_NET any -> $EXTERNAL_NET $HTTP_PORTS (sid:1;)\n");
    CHECK_EQ_U(rs->loaded, 1);
    if (rs->nrules) {
        const struct rule *r = rs->rules[0];
        CHECK(addr_in(&r->src, "10.2.3.4") && !addr_in(&r->src, "10.1.3.4") && addr_in(&r->src, "v6"));
        CHECK(!addr_in(&r->dst, "10.2.3.4") && !addr_in(&r->dst, "v6") && addr_in(&r->dst, "192.168.1.1"));
        CHECK(rules_vars_ports_match(&r->dport, 8085) && !rules_vars_ports_match(&r->dport, 8091));
    }
    rules_set_free(rs);
    /* a loop through variables is an error, not a hang */
    CHECK(rules_vars_set(v, 0, "LOOP_A", "any", err, sizeof(err)) == 0);
    CHECK(rules_vars_set(v, 0, "LOOP_B", "$LOOP_A", err, sizeof(err)) == 0);
    CHECK(rules_vars_set(v, 0, "LOOP_A", "$LOOP_B", err, sizeof(err)) == 0);
    rs = rules_set_parse_string(&o, "alert tcp $LOOP_A any -> any any (sid:1;)\n");
    CHECK(rs->failed == 1 && rs->nproblems == 1 && strstr(rs->problems[0].reason, "nested too deeply"));
    rules_set_free(rs);
    rules_vars_free(v);
    rules_vars_free(NULL);
}

static void test_meta(void)
{
    const struct rule *r = loads("msg:\"a \\\"quoted\\\" \\; msg\"; sid:123; rev:4; gid:2; "
                                 "classtype:trojan-activity; reference:url,example.org/a; "
                                 "reference:cve,2024-1; metadata:created_at 2024_01_01, deployment "
                                 "Perimeter,  tag   Two Words ,flag; target:dest_ip;");
    if (r) {
        CHECK_STR(r->msg, "a \"quoted\" ; msg");
        CHECK(r->sid == 123 && r->rev == 4 && r->gid == 2);
        CHECK_STR(r->classtype, "trojan-activity");
        CHECK_STR(r->category, "A Network Trojan was detected");
        CHECK_EQ_U(r->priority, 1);
        CHECK(r->nreferences == 2 && !strcmp(r->references[0], "url,example.org/a"));
        CHECK_EQ_U(r->nmetadata, 4);
        if (r->nmetadata == 4) {
            CHECK_STR(r->metadata[0].key, "created_at");
            CHECK_STR(r->metadata[0].value, "2024_01_01");
            CHECK_STR(r->metadata[1].value, "Perimeter");
            CHECK_STR(r->metadata[2].key, "tag");
            CHECK_STR(r->metadata[2].value, "Two Words");
            CHECK_STR(r->metadata[3].key, "flag");
            CHECK_STR(r->metadata[3].value, "");
        }
        CHECK_STR(r->target, "dest_ip");
        CHECK(!r->noalert);
        CHECK(strstr(r->text, "sid:123") != NULL && r->line == 1);
    }
    r = loads("priority:2; classtype:trojan-activity; sid:1;");        /* priority wins over class */
    CHECK(r && r->priority == 2);
    r = loads("classtype:trojan-activity; priority:4; sid:1;");
    CHECK(r && r->priority == 4);
    r = loads("sid:1;");
    CHECK(r && r->priority == 3 && r->gid == 1 && !r->classtype && !r->category && !r->msg);
    r = loads("msg:\"ends in \\\\\"; sid:1;");      /* an escaped backslash before the quote */
    CHECK(r && !strcmp(r->msg, "ends in \\"));
    fails("msg:\"open \\\"; sid:1;", "msg: bad quoting");
    r = loads("noalert; sid:1;");
    CHECK(r && r->noalert);
    fails("msg:\"x\";", "no sid");
    fails("sid:0;", "must not be 0");
    fails("sid:x;", "sid: bad value");
    fails("sid:1; sid:2;", "given twice");
    fails("classtype:no-such-class; sid:1;", "unknown classtype 'no-such-class'");
    fails("priority:0; sid:1;", "priority");
    fails("reference:nocomma; sid:1;", "reference");
    fails("target:both; sid:1;", "target");
    fails("msg; sid:1;", "needs a value");
    fails("noalert:1; sid:1;", "takes no value");
    fails("sid:1; d@pth:3;", "invalid keyword");
    fails("sid:1; content:\"x\"", "not terminated");
    skipped("alert tcp any any -> any any (sid:1; xbits:set,a,track ip_src;)", "unsupported keyword 'xbits'");
    skipped("alert tcp any any -> any any (sid:1; asn1:oversize_length 100;)", "unsupported keyword 'asn1'");
    /* a keyword Suricata does not know either is an error, with the nearest known one */
    fails("sid:1; conten:\"abc\";", "unknown keyword 'conten' (did you mean 'content'?)");
    fails("sid:1; http.ur1; content:\"abc\";", "unknown keyword 'http.ur1' (did you mean 'http.uri'?)");
    fails("sid:1; flowbit:set,x;", "(did you mean 'flowbits'?)");
    fails("sid:1; zzqqxxyy;", "unknown keyword 'zzqqxxyy'");
    fails_line("alert tcp any any -> any any (sid:1; zzqqxxyy;)", "unknown keyword 'zzqqxxyy'");
    /* legacy aliases Suricata's keyword list does not show stay "unsupported" when not ours */
    skipped("alert tcp any any -> any any (sid:1; ftpbounce;)", "unsupported keyword 'ftpbounce'");
    /* the alert keyword (a pass rule that is logged) */
    {
        const struct rule *pr = parse("pass tcp any any -> any any (sid:1; content:\"x\"; alert;)");
        CHECK(pr && pr->alert == 1 && pr->action == RA_PASS);
        fails("sid:1; alert:yes;", "alert: takes no value");
    }
    {   /* stream_size: side, operator, value */
        const struct rule *q = loads("sid:1; stream_size:server,<,5;");
        CHECK(q && (q->has & RH_STREAMSIZE) && q->ss_which == SS_SERVER &&
              q->stream_size.op == CMP_LT && q->stream_size.lo == 5);
        q = loads("sid:1; stream_size: either , >= , 100;");
        CHECK(q && q->ss_which == SS_EITHER && q->stream_size.op == CMP_GE && q->stream_size.lo == 100);
        q = loads("sid:1; stream_size:both,!=,0;");
        CHECK(q && q->ss_which == SS_BOTH && q->stream_size.op == CMP_NE);
        fails("sid:1; stream_size:sideways,<,5;", "stream_size");
        fails("sid:1; stream_size:server,<>,5;", "stream_size");
        fails("sid:1; stream_size:server,<;", "stream_size");
        fails("sid:1; stream_size:server,<,5,6;", "stream_size");
    }
    /* a FAILED reason wins over an earlier unsupported keyword */
    fails("sid:1; tag:session,5,packets; nocase;", "nocase: no content before it");

    /* without a classification file any classtype is accepted */
    struct rule_load_opts o = { .vars = NULL, .classification_file = NULL };
    struct ruleset *rs = rules_set_parse_string(&o, "alert tcp any any -> any any (classtype:whatever; sid:1;)");
    CHECK(rs->loaded == 1 && rs->nclasses == 0 && rs->rules[0]->category == NULL &&
          rs->rules[0]->priority == 3);
    rules_set_free(rs);
    /* a classification file that does not exist is one problem, not a crash */
    o.classification_file = "/nonexistent/classification.config";
    rs = rules_set_parse_string(&o, "alert tcp any any -> any any (sid:1;)");
    CHECK(rs->loaded == 1 && rs->nproblems == 1 && strstr(rs->problems[0].reason, "classification"));
    rules_set_free(rs);
}

static const struct rule_match *m_at(const struct rule *r, uint32_t i)
{
    return r && i < r->nm ? &r->m[i] : NULL;
}

static void test_content(void)
{
    const struct rule *r = loads("content:\"ab|0d 0A|c\\;\\\"\\\\d\\:\"; nocase; offset:1; depth:20; sid:1;");
    const struct rule_match *m = m_at(r, 0);
    CHECK(m && m->type == RM_CONTENT && m->buf == BUF_PACKET);
    CHECK(m && m->u.c.len == 10 && !memcmp(m->u.c.pat, "ab\r\nc;\"\\d:", 10));
    CHECK(m && (m->flags & M_NOCASE) && (m->flags & M_OFFSET) && (m->flags & M_DEPTH) &&
          m->u.c.offset.v == 1 && m->u.c.depth.v == 20 && m->u.c.offset.var == -1);
    r = loads("content:!\"x\"; content:\"yz\"; distance:-2; within:5; fast_pattern; sid:1;");
    CHECK(m_at(r, 0) && (m_at(r, 0)->flags & M_NEGATED));
    m = m_at(r, 1);
    CHECK(m && (m->flags & M_RELATIVE) && (m->flags & M_DISTANCE) && (m->flags & M_WITHIN) &&
          (m->flags & M_FAST_PATTERN) && m->u.c.distance.v == -2 && m->u.c.within.v == 5);
    r = loads("content:\"abcdef\"; fast_pattern:2,3; startswith; endswith; sid:1;");
    m = m_at(r, 0);
    CHECK(m && (m->flags & M_FP_CHOP) && m->u.c.fp_off == 2 && m->u.c.fp_len == 3 &&
          (m->flags & M_STARTSWITH) && (m->flags & M_ENDSWITH));
    r = loads("content:\"abc\"; fast_pattern:only; rawbytes; sid:1;");
    CHECK(m_at(r, 0) && (m_at(r, 0)->flags & M_FP_ONLY) && (m_at(r, 0)->flags & M_RAWBYTES));
    r = loads("content:unquoted; sid:1;");
    CHECK(m_at(r, 0) && m_at(r, 0)->u.c.len == 8);
    fails("content:\"\"; sid:1;", "content: empty pattern");
    fails("content:\"|4|\"; sid:1;", "bad hex");
    fails("content:\"|41 4G|\"; sid:1;", "bad hex");
    fails("content:\"|41\"; sid:1;", "unterminated hex");
    fails("content:\"a\\x\"; sid:1;", "invalid escape");
    fails("content:\"a\"b\"; sid:1;", "unescaped");
    fails("content:\"abc; sid:1;", "unterminated quote");
    fails("nocase; sid:1;", "nocase: no content before it");
    fails("depth:3; sid:1;", "depth: no content before it");
    fails("content:\"x\"; nocase; nocase; sid:1;", "used twice");
    fails("content:\"abcd\"; depth:3; sid:1;", "depth: 3 smaller than content length 4");
    fails("content:\"abcd\"; within:3; sid:1;", "within: 3 smaller");
    fails("content:\"ab\"; offset:-1; sid:1;", "negative");
    fails("content:\"ab\"; depth:4; depth:5; sid:1;", "used twice");
    fails("content:\"ab\"; offset:1; distance:2; sid:1;", "cannot mix absolute");
    fails("content:\"ab\"; within:4; depth:2; sid:1;", "cannot mix absolute");
    fails("content:\"ab\"; startswith; offset:1; sid:1;", "startswith");
    fails("content:\"ab\"; depth:2; startswith; sid:1;", "startswith");
    fails("content:\"ab\"; fast_pattern; content:\"cd\"; fast_pattern; sid:1;", "more than one");
    fails("content:\"ab\"; fast_pattern:1,5; sid:1;", "beyond content length");
    fails("content:\"ab\"; fast_pattern:x; sid:1;", "fast_pattern: bad value");
    fails("content:\"ab\"; fast_pattern:only; offset:1; sid:1;", "fast_pattern:only");
    fails("content:\"ab\"; distance:foo; sid:1;", "not a number or byte_extract variable");
    /* uricontent goes to http.uri */
    r = loads("uricontent:\"/x\"; sid:1;");
    CHECK(m_at(r, 0) && m_at(r, 0)->buf == BUF_HTTP_URI);
}

static void test_buffers(void)
{
    const struct rule *r = parse("alert http any any -> any any (flow:to_server; http.uri; content:\"/a\"; "
                                 "http.host; dotprefix; to_lowercase; content:\".x.test\"; endswith; "
                                 "bsize:>5; pkt_data; content:\"GET\"; sid:1;)");
    CHECK(r && r->nm == 4);
    CHECK(m_at(r, 0) && m_at(r, 0)->buf == BUF_HTTP_URI && m_at(r, 0)->ntr == 0);
    const struct rule_match *m = m_at(r, 1);
    CHECK(m && m->buf == BUF_HTTP_HOST && m->ntr == 2 && m->tr[0] == TR_DOTPREFIX && m->tr[1] == TR_TO_LOWERCASE);
    m = m_at(r, 2);
    CHECK(m && m->type == RM_BSIZE && m->buf == BUF_HTTP_HOST && m->u.n.op == CMP_GT && m->u.n.lo == 5);
    CHECK(m_at(r, 3) && m_at(r, 3)->buf == BUF_PACKET && m_at(r, 3)->ntr == 0);

    /* legacy modifiers move the content before them */
    r = parse("alert http any any -> any any (content:\"GET\"; http_method; content:\"/x\"; http_uri; "
              "content:\"h\"; http_raw_header; content:\"b\"; http_client_body; content:\"ua\"; "
              "http_user_agent; content:\"c\"; http_cookie; content:\"raw\"; http_raw_uri; sid:1;)");
    static const uint8_t want[] = { BUF_HTTP_METHOD, BUF_HTTP_URI, BUF_HTTP_HEADER_RAW,
                                    BUF_HTTP_REQUEST_BODY, BUF_HTTP_USER_AGENT, BUF_HTTP_COOKIE,
                                    BUF_HTTP_URI_RAW };
    CHECK(r && r->nm == ARRAY_SIZE(want));
    for (size_t i = 0; r && i < ARRAY_SIZE(want) && i < r->nm; i++)
        CHECK_EQ_U(r->m[i].buf, want[i]);

    /* both spellings of sticky buffers */
    static const struct { const char *kw; uint8_t buf; } st[] = {
        { "file.data", BUF_FILE_DATA }, { "file_data", BUF_FILE_DATA },
        { "http.header", BUF_HTTP_HEADER }, { "http.header.raw", BUF_HTTP_HEADER_RAW },
        { "http_content_type", BUF_HTTP_CONTENT_TYPE }, { "http.start", BUF_HTTP_START },
        { "http.header_names", BUF_HTTP_HEADER_NAMES }, { "http.request_line", BUF_HTTP_REQUEST_LINE },
        { "http.referer", BUF_HTTP_REFERER }, { "http.accept_lang", BUF_HTTP_ACCEPT_LANG },
        { "http.protocol", BUF_HTTP_PROTOCOL }, { "http.connection", BUF_HTTP_CONNECTION },
        { "http.content_len", BUF_HTTP_CONTENT_LEN }, { "http.request_body", BUF_HTTP_REQUEST_BODY },
    };
    for (size_t i = 0; i < ARRAY_SIZE(st); i++) {
        char b[256];
        snprintf(b, sizeof(b), "alert http any any -> any any (%s; content:\"x\"; sid:1;)", st[i].kw);
        r = parse(b);
        CHECK(m_at(r, 0) && m_at(r, 0)->buf == st[i].buf);
        CHECK_STR(buffers_name((enum buf_id)st[i].buf), strchr(st[i].kw, '.') && st[i].buf != BUF_HTTP_CONTENT_TYPE
                  ? st[i].kw : buffers_name((enum buf_id)st[i].buf));
    }
    static const struct { const char *line; uint8_t buf; } st2[] = {
        { "alert dns any any -> any any (dns_query; content:\"x\"; sid:1;)", BUF_DNS_QUERY },
        { "alert dns any any -> any any (dns.query; content:\"x\"; sid:1;)", BUF_DNS_QUERY },
        { "alert tls any any -> any any (tls_sni; content:\"x\"; sid:1;)", BUF_TLS_SNI },
        { "alert tls any any -> any any (tls.cert_subject; content:\"x\"; sid:1;)", BUF_TLS_CERT_SUBJECT },
        { "alert tls any any -> any any (tls_cert_issuer; content:\"x\"; sid:1;)", BUF_TLS_CERT_ISSUER },
        { "alert tls any any -> any any (tls.certs; content:\"x\"; sid:1;)", BUF_TLS_CERTS },
        { "alert tls any any -> any any (ja3_hash; content:\"x\"; sid:1;)", BUF_JA3_HASH },
        { "alert tls any any -> any any (ja3.string; content:\"x\"; sid:1;)", BUF_JA3_STRING },
        { "alert tls any any -> any any (ja3s.hash; content:\"x\"; sid:1;)", BUF_JA3S_HASH },
        { "alert ssh any any -> any any (ssh_proto; content:\"x\"; sid:1;)", BUF_SSH_PROTO },
        { "alert ssh any any -> any any (ssh.software; content:\"x\"; sid:1;)", BUF_SSH_SOFTWARE },
        { "alert tcp any any -> any any (http.stat_code; content:\"200\"; sid:1;)", BUF_HTTP_STAT_CODE },
    };
    for (size_t i = 0; i < ARRAY_SIZE(st2); i++) {
        r = parse(st2[i].line);
        CHECK(m_at(r, 0) && m_at(r, 0)->buf == st2[i].buf);
    }
    CHECK(buffers_direction(BUF_HTTP_URI) == BUF_DIR_TOSERVER && buffers_direction(BUF_HTTP_STAT_CODE) == BUF_DIR_TOCLIENT &&
          buffers_direction(BUF_FILE_DATA) == BUF_DIR_ANY && buffers_direction(BUF_MAX) == BUF_DIR_ANY);
    CHECK_STR(buffers_name(BUF_MAX), "?");

    /* transforms: xor key, applied to the whole buffer, errors */
    r = parse("alert http any any -> any any (http.request_body; xor:\"0d0a\"; content:\"abc\"; sid:1;)");
    m = m_at(r, 0);
    CHECK(m && m->ntr == 1 && m->tr[0] == TR_XOR && m->xor_len == 2 && m->xor_key[0] == 0x0d);
    r = parse("alert dns any any -> any any (dns.query; content:\"a\"; dotprefix; content:\".b\"; sid:1;)");
    CHECK(m_at(r, 0) && m_at(r, 0)->ntr == 1 && m_at(r, 1) && m_at(r, 1)->ntr == 1);
    r = parse("alert http any any -> any any (http.header; strip_whitespace; compress_whitespace; "
              "url_decode; to_sha256; content:\"x\"; sid:1;)");
    CHECK(m_at(r, 0) && m_at(r, 0)->ntr == 4 && m_at(r, 0)->tr[3] == TR_SHA256);
    skipped("alert http any any -> any any (http.header; xor:\"01\"; xor:\"02\"; content:\"x\"; sid:1;)",
            "two xor");
    fails("dotprefix; content:\"x\"; sid:1;", "transform without a sticky buffer");
    fails_line("alert http any any -> any any (http.header; xor:\"0d0\"; content:\"x\"; sid:1;)", "even");
    fails_line("alert http any any -> any any (http.uri; content:\"x\"; http_uri; sid:1;)",
               "after sticky buffer");
    fails_line("alert http any any -> any any (content:\"x\"; http_uri; http_header; sid:1;)", "already");
    fails_line("alert http any any -> any any (http.uri; content:\"x\"; rawbytes; sid:1;)", "rawbytes");
    fails_line("alert http any any -> any any (http.uri; bsize:1; content:\"ab\"; sid:1;)", "never fit");
    fails("bsize:5; sid:1;", "sticky buffer");
    fails_line("alert dns any any -> any any (http.uri; content:\"x\"; sid:1;)", "http buffer in a dns rule");
    /* JA3/JA4 buffers (the tls parser's keywords) also in quic rules, as Suricata; not tls.sni */
    CHECK(parse("alert quic any any -> any any (ja4.hash; content:\"q13d\"; sid:1;)") != NULL &&
          cur->rules[0]->m[0].buf == BUF_JA4_HASH);
    CHECK(parse("alert quic any any -> any any (ja3s.hash; content:\"f4\"; sid:1;)") != NULL);
    CHECK(parse("alert quic any any -> any any (quic.sni; content:\"a\"; quic.version; content:\"|00|\"; sid:1;)") != NULL);
    fails_line("alert quic any any -> any any (tls.sni; content:\"x\"; sid:1;)", "tls buffer in a quic rule");
    fails_line("alert http any any -> any any (flow:to_server; http.stat_code; content:\"2\"; sid:1;)",
               "to-client but rule is to_server");
    fails_line("alert http any any -> any any (flow:to_client; http.uri; content:\"2\"; sid:1;)",
               "to-server but rule is to_client");
    fails_line("alert http any any -> any any (http.uri; content:\"a\"; http.stat_code; content:\"2\"; sid:1;)",
               "mixes to-server");
    fails("http.uri:1; sid:1;", "takes no value");
    fails_line("alert http any any -> any any (http.uri; http.host; content:\"x\"; sid:1;)",
               "sticky buffer http.uri has no match after it");
    fails_line("alert http any any -> any any (content:\"x\"; http.uri; urilen:5; sid:1;)",
               "sticky buffer http.uri has no match after it");
    fails_line("alert http any any -> any any (http.uri; pkt_data; content:\"x\"; sid:1;)", "no match");
    /* an unknown sticky buffer skips the rule; what follows cannot FAIL it */
    skipped("alert http2 any any -> any any (http2.header_name; content:\"x\"; bsize:1; sid:1;)",
            "unsupported keyword 'http2.header_name'");
}

static void test_pcre(void)
{
    const struct rule *r = loads("pcre:\"/a\\;b[\"']c/smixAEGR\"; sid:1;");
    const struct rule_match *m = m_at(r, 0);
    CHECK(m && m->type == RM_PCRE && !strcmp(m->u.p.re, "a\\;b[\"']c") && m->u.p.anchored_rel &&
          (m->flags & M_RELATIVE) && m->u.p.opts);
    r = loads("pcre:!\"/x/Ui\"; sid:1;");
    m = m_at(r, 0);
    CHECK(m && (m->flags & M_NEGATED) && m->buf == BUF_HTTP_URI);
    static const struct { char c; uint8_t buf; } f[] = {
        { 'I', BUF_HTTP_URI_RAW }, { 'P', BUF_HTTP_REQUEST_BODY }, { 'Q', BUF_HTTP_RESPONSE_BODY },
        { 'H', BUF_HTTP_HEADER }, { 'D', BUF_HTTP_HEADER_RAW }, { 'M', BUF_HTTP_METHOD },
        { 'C', BUF_HTTP_COOKIE }, { 'S', BUF_HTTP_STAT_CODE }, { 'Y', BUF_HTTP_STAT_MSG },
        { 'V', BUF_HTTP_USER_AGENT }, { 'W', BUF_HTTP_HOST }, { 'Z', BUF_HTTP_HOST_RAW },
    };
    for (size_t i = 0; i < ARRAY_SIZE(f); i++) {
        char b[128];
        snprintf(b, sizeof(b), "pcre:\"/x/%c\"; sid:1;", f[i].c);
        r = loads(b);
        CHECK(m_at(r, 0) && m_at(r, 0)->buf == f[i].buf);
    }
    r = loads("pcre:\"/x/B\"; sid:1;");
    CHECK(m_at(r, 0) && (m_at(r, 0)->flags & M_RAWBYTES));
    /* the same buffer letter after its sticky buffer keeps the transforms */
    r = parse("alert http any any -> any any (http.uri; to_lowercase; pcre:\"/x/U\"; sid:1;)");
    CHECK(m_at(r, 0) && m_at(r, 0)->buf == BUF_HTTP_URI && m_at(r, 0)->ntr == 1);
    fails("pcre:\"/(/\"; sid:1;", "pcre: missing closing parenthesis at offset 1");
    fails("pcre:\"/a/q\"; sid:1;", "unknown modifier 'q'");
    fails("pcre:\"/a/UH\"; sid:1;", "more than one buffer");
    fails("pcre:\"a\"; sid:1;", "quoted");
    fails("pcre:/a/; sid:1;", "quoted");
    fails_line("alert http any any -> any any (http.header; pcre:\"/a/U\"; sid:1;)", "another sticky buffer");
}

static void test_bytes(void)
{
    const struct rule *r = loads("content:\"x\"; byte_extract:2,1,len,relative,little,multiplier 4; "
                                 "byte_test:4,!&,0x80000000,len,relative,string,hex; "
                                 "byte_jump:2,0,relative,align,from_beginning,post_offset -3,bitmask 0x3fff; "
                                 "isdataat:!len,relative; content:\"y\"; distance:len; within:10; sid:1;");
    CHECK(r && r->nm == 6 && r->nvars == 1);
    const struct rule_match *m = m_at(r, 1);
    CHECK(m && m->type == RM_BYTE_EXTRACT && m->u.b.nbytes == 2 && m->u.b.store == 0 &&
          (m->u.b.flags & BY_LITTLE) && (m->u.b.flags & BY_RELATIVE) && m->u.b.multiplier == 4 &&
          m->u.b.offset.v == 1);
    m = m_at(r, 2);
    CHECK(m && m->type == RM_BYTE_TEST && m->u.b.op == BYOP_AND && (m->u.b.flags & BY_NEGATE) &&
          m->u.b.value.v == 0x80000000LL && m->u.b.offset.var == 0 && (m->u.b.flags & BY_STRING) &&
          m->u.b.base == 16);
    m = m_at(r, 3);
    CHECK(m && m->type == RM_BYTE_JUMP && (m->u.b.flags & BY_ALIGN) && (m->u.b.flags & BY_FROM_BEGIN) &&
          m->u.b.post_offset == -3 && (m->u.b.flags & BY_BITMASK) && m->u.b.bitmask == 0x3fff);
    m = m_at(r, 4);
    CHECK(m && m->type == RM_ISDATAAT && (m->flags & M_NEGATED) && (m->flags & M_RELATIVE) &&
          m->u.d.pos.var == 0);
    m = m_at(r, 5);
    CHECK(m && m->u.c.distance.var == 0 && m->u.c.within.var == -1 && m->u.c.within.v == 10);
    r = loads("byte_test:1,<,5,0; byte_test:0,=,0,0,string,dec; byte_test:2,>=,1,0,bitmask fc; sid:1;");
    CHECK(m_at(r, 0) && m_at(r, 0)->u.b.op == BYOP_LT && m_at(r, 1) && m_at(r, 1)->u.b.nbytes == 0 &&
          m_at(r, 2) && m_at(r, 2)->u.b.bitmask == 0xfc);
    fails("byte_test:9,=,1,0; sid:1;", "binary: 1 to 8");
    fails("byte_test:11,=,1,0,string,dec; sid:1;", "string: 1 to 10");
    fails("byte_test:4,~,1,0; sid:1;", "bad operator");
    fails("byte_test:4,=,1; sid:1;", "at least 4");
    fails("byte_jump:4,0,wat; sid:1;", "unknown option");
    fails("byte_jump:4,0,hex; sid:1;", "without 'string'");
    fails("byte_extract:2,0,1x; sid:1;", "bad variable name");
    fails("byte_extract:2,0,v; byte_extract:2,0,v; sid:1;", "defined twice");
    fails("isdataat:x; sid:1;", "not a number");
    fails("isdataat:5,sideways; sid:1;", "unknown option");
    skipped("alert tcp any any -> any any (byte_test:4,=,1,0,dce; sid:1;)", "unsupported byte_test option 'dce'");
}

static void test_other(void)
{
    const struct rule *r = loads("flow:established,to_server,only_stream; sid:1;");
    CHECK(r && r->flow == (RF_ESTABLISHED | RF_TO_SERVER | RF_ONLY_STREAM));
    r = loads("flow:from_server,not_established,no_frag; sid:1;");
    CHECK(r && r->flow == (RF_TO_CLIENT | RF_NOT_ESTABLISHED | RF_NO_FRAG));
    fails("flow:established,not_established; sid:1;", "conflicting");
    fails("flow:to_server,from_server; sid:1;", "conflicting");
    fails("flow:only_stream,no_stream; sid:1;", "conflicting");
    fails("flow:stateless,established; sid:1;", "conflicting");
    fails("flow:sideways; sid:1;", "unknown option");
    fails_line("alert tcp-pkt any any -> any any (flow:only_stream; sid:1;)", "conflicting");

    r = loads("flowbits:set,a; flowbits:isset,b|c; flowbits:isnotset,a&b; flowbits:noalert; sid:1;");
    CHECK(r && r->nflowbits == 3 && r->noalert && cur->nflowbits == 3);
    if (r && r->nflowbits == 3) {
        CHECK(r->flowbits[0].op == FB_SET && r->flowbits[0].n == 1 &&
              !strcmp(cur->flowbit_names[r->flowbits[0].ids[0]], "a"));
        CHECK(r->flowbits[1].op == FB_ISSET && r->flowbits[1].group == FB_OR && r->flowbits[1].n == 2 &&
              !strcmp(cur->flowbit_names[r->flowbits[1].ids[1]], "c"));
        CHECK(r->flowbits[2].op == FB_ISNOTSET && r->flowbits[2].group == FB_AND &&
              r->flowbits[2].ids[0] == r->flowbits[0].ids[0]);
    }
    fails("flowbits:set,a|b; sid:1;", "only with isset");
    fails("flowbits:isset,a|b&c; sid:1;", "mix");
    fails("flowbits:isset; sid:1;", "needs a name");
    fails("flowbits:bogus,a; sid:1;", "unknown command");
    fails("flowbits:noalert,a; sid:1;", "takes no name");
    fails("flowbits:isset,a b; sid:1;", "bad name");

    r = loads("flowint:cnt,+,2; flowint:cnt,>=,other; flowint:x,notset; sid:1;");
    CHECK(r && r->nflowints == 3 && r->flowints[0].op == FI_ADD && r->flowints[0].value == 2 &&
          r->flowints[1].op == FI_GE && r->flowints[1].other >= 0 && r->flowints[2].op == FI_NOTSET &&
          cur->nflowints == 3);
    fails("flowint:cnt,~,1; sid:1;", "unknown operator");
    fails("flowint:cnt,+; sid:1;", "needs a value");
    fails("flowint:cnt,isset,1; sid:1;", "takes no");

    r = loads("threshold: type both, track by_dst, count 3, seconds 60; sid:1;");
    CHECK(r && (r->has & RH_THRESH) && r->threshold.type == TH_BOTH && r->threshold.track == TRACK_BY_DST &&
          r->threshold.count == 3 && r->threshold.seconds == 60);
    r = loads("detection_filter:track by_src, count 10, seconds 5; sid:1;");
    CHECK(r && (r->has & RH_DFILTER) && r->dfilter.type == TH_DETECTION_FILTER && r->dfilter.count == 10);
    fails("threshold:type limit, track by_src, count 1; sid:1;", "needs");
    fails("threshold:type often, track by_src, count 1, seconds 1; sid:1;", "bad type");
    fails("threshold:type limit, track by_src, count 1, seconds 1; detection_filter:track by_src, count 1, "
          "seconds 1; sid:1;", "only one");

    r = loads("dsize:10<>20; ttl:<5; itype:>3; icode:!1; ip_proto:gre; sid:1;");
    CHECK(r && r->dsize.op == CMP_RANGE && r->dsize.lo == 10 && r->dsize.hi == 20 && r->ttl.op == CMP_LT &&
          r->itype.op == CMP_GT && r->icode.op == CMP_NE && r->ip_proto.lo == 47 &&
          r->has == (RH_DSIZE | RH_TTL | RH_ITYPE | RH_ICODE | RH_IPPROTO));
    r = loads("ip_proto:!6; dsize:>=3; sid:1;");
    CHECK(r && r->ip_proto.op == CMP_NE && r->ip_proto.lo == 6 && r->dsize.op == CMP_GE);
    fails("dsize:20<>10; sid:1;", "dsize: bad value");
    fails("dsize:1; dsize:2; sid:1;", "used twice");
    fails("ttl:300; sid:1;", "bad value");
    fails("ip_proto:nosuch; sid:1;", "bad value");
    skipped("alert ip any any -> any any (ip_proto:!1; ip_proto:!2; sid:1;)", "more than once");

    r = loads("flags:SA+,12; sid:1;");
    CHECK(r && r->tcpflags.bits == 0x12 && r->tcpflags.mode == TF_PLUS && r->tcpflags.ignore == 0xc0);
    r = loads("flags:!R; sid:1;");
    CHECK(r && r->tcpflags.bits == 0x04 && r->tcpflags.mode == TF_NOT);
    r = loads("flags:*FU; sid:1;");
    CHECK(r && r->tcpflags.bits == 0x21 && r->tcpflags.mode == TF_ANY);
    r = loads("flags:0; sid:1;");
    CHECK(r && r->tcpflags.bits == 0 && (r->has & RH_FLAGS));
    fails("flags:SX; sid:1;", "unknown flag");

    r = parse("alert tls any any -> any any (tls.version:1.2; sid:1;)");
    CHECK(r && (r->has & RH_TLSVER) && r->tls_versions == 1u << 3);
    r = parse("alert tls any any -> any any (ssl_version:sslv3,tls1.3; sid:1;)");
    CHECK(r && r->tls_versions == (1u << 0 | 1u << 4));
    fails_line("alert tls any any -> any any (tls.version:9.9; sid:1;)", "bad version");
    skipped("alert tls any any -> any any (ssl_version:!tls1.0; sid:1;)", "negation");
    r = loads("app-layer-protocol:!dns; sid:1;");
    CHECK(r && r->app == RAPP_DNS && r->app_neg && (r->has & RH_APPLAYER));
    fails("app-layer-protocol:nonsense; sid:1;", "unknown protocol");
    skipped("alert tcp any any -> any any (app-layer-protocol:failed; sid:1;)", "unsupported");

    /* urilen: a bsize on http.uri (raw: http.uri.raw), the sticky buffer stays */
    r = parse("alert http any any -> any any (http.header; urilen:>10; content:\"x\"; urilen:5<>9,raw; sid:1;)");
    CHECK(m_at(r, 0) && m_at(r, 0)->type == RM_BSIZE && m_at(r, 0)->buf == BUF_HTTP_URI &&
          m_at(r, 0)->u.n.op == CMP_GT);
    CHECK(m_at(r, 1) && m_at(r, 1)->buf == BUF_HTTP_HEADER);
    CHECK(m_at(r, 2) && m_at(r, 2)->buf == BUF_HTTP_URI_RAW && m_at(r, 2)->u.n.op == CMP_RANGE);
    fails("urilen:5,weird; sid:1;", "raw or norm");
}

static void test_num(void)
{
    struct rule_num n = { CMP_RANGE, 10, 20 };
    CHECK(!rules_vars_num_match(&n, 10) && rules_vars_num_match(&n, 11) &&
          rules_vars_num_match(&n, 19) && !rules_vars_num_match(&n, 20));
    n.op = CMP_LE;
    CHECK(rules_vars_num_match(&n, 10) && !rules_vars_num_match(&n, 11));
    n.op = CMP_NE;
    CHECK(!rules_vars_num_match(&n, 10) && rules_vars_num_match(&n, 9));
    n.op = CMP_GE;
    CHECK(rules_vars_num_match(&n, 10) && !rules_vars_num_match(&n, 9));
    n.op = CMP_EQ;
    CHECK(rules_vars_num_match(&n, 10) && !rules_vars_num_match(&n, 11));
}

static void test_files(void)
{
    char rpath[64];
    snprintf(rpath, sizeof(rpath), "/tmp/taishi-rules-%d.rules", (int)getpid());
    static const char content[] =
        "# a comment \\\n"
        "#alert tcp any any -> any any (msg:\"disabled\"; sid:99;)\n"
        "\n"
        "alert tcp any any -> any any (msg:\"one\"; \\\n"
        "   content:\"x\"; \\\n"
        "   sid:1;)\r\n"
        "alert tcp any any -> any any (msg:\"two\"; sid:1;)\n"
        "alert tcp any any -> any any (msg:\"gid 3\"; gid:3; sid:1;)\n"
        "  alert tcp any any -> any any (xbits:x; sid:2;)\n"
        "alert tcp any any -> any any (msg:\"nul\0\"; sid:4;)\n"
        "\x01\x02\x03\xff\n"
        "junk\0junk\n";
    FILE *f = fopen(rpath, "w");
    fwrite(content, 1, sizeof(content) - 1, f);
    fclose(f);
    const char *files[] = { rpath, "/nonexistent/x.rules" };
    struct ruleset *rs = rules_set_load(&opts, files, 2);
    CHECK_EQ_U(rs->loaded, 2);
    CHECK_EQ_U(rs->skipped, 1);
    CHECK_EQ_U(rs->failed, 4);                  /* duplicate, NUL, junk, junk with NUL */
    CHECK_EQ_U(rs->nproblems, 6);               /* + the missing file */
    if (rs->nrules == 2) {
        CHECK(rs->rules[0]->line == 4 && rs->rules[0]->nm == 1 && !strcmp(rs->rules[0]->msg, "one"));
        CHECK(rs->rules[1]->gid == 3 && rs->rules[1]->index == 1);
        CHECK(strstr(rs->rules[0]->file, "taishi-rules-") != NULL);
    }
    int dup = 0, missing = 0;
    for (uint32_t i = 0; i < rs->nproblems; i++) {
        if (strstr(rs->problems[i].reason, "duplicate sid 1") && rs->problems[i].line == 7)
            dup = 1;
        if (rs->problems[i].line == 0 && strstr(rs->problems[i].file, "nonexistent"))
            missing = 1;
    }
    CHECK(dup && missing);
    char *out = NULL;
    size_t outlen = 0;
    FILE *m = open_memstream(&out, &outlen);
    rules_set_print_problems(rs, m);
    rules_set_top_reasons(rs, m, 10);
    fclose(m);
    CHECK(strstr(out, ":7: sid 1: duplicate sid 1") != NULL);
    CHECK(strstr(out, "skipped: ") && strstr(out, "unsupported keyword 'xbits'"));
    CHECK(strstr(out, "       1  skipped unsupported keyword 'xbits'") != NULL);
    free(out);
    rules_set_free(rs);

    /* a comment ending in a backslash does not swallow the next line */
    rs = rules_set_parse_string(&opts, "# note \\\nalert tcp any any -> any any (sid:5;)\n"
                                     "  # indented \\\n\talert tcp any any -> any any (sid:6;)");
    CHECK(rs->loaded == 2 && rs->nproblems == 0 && rs->nrules == 2 && rs->rules[1]->line == 4);
    rules_set_free(rs);

    /* a rule longer than 64 KiB is one FAILED line; the next line still loads */
    size_t big = 70000;
    char *text = malloc(big + 200);
    strcpy(text, "alert tcp any any -> any any (msg:\"");
    memset(text + strlen(text), 'a', big);
    strcpy(text + 35 + big, "\"; sid:1;)\nalert tcp any any -> any any (sid:2;)\n");
    rs = rules_set_parse_string(&opts, text);
    CHECK(rs->loaded == 1 && rs->failed == 1 && rs->nproblems == 1 &&
          strstr(rs->problems[0].reason, "longer than"));
    rules_set_free(rs);
    free(text);
    unlink(rpath);
    rules_set_free(NULL);
}

/* The file keywords (rules_file.c). */
static void test_file_keywords(void)
{
    const struct rule *r = loads("fileext:\"exe\"; sid:1;");
    if (r && r->nm == 1) {
        CHECK_EQ_U(r->m[0].buf, BUF_FILE_NAME);
        CHECK(r->m[0].u.c.len == 4 && !memcmp(r->m[0].u.c.pat, ".exe", 4));
        CHECK((r->m[0].flags & (M_NOCASE | M_ENDSWITH)) == (M_NOCASE | M_ENDSWITH));
    }
    r = loads("filemagic:!\"PE32\"; sid:1;");
    CHECK(r && r->nm == 1 && r->m[0].buf == BUF_FILE_MAGIC && (r->m[0].flags & M_NEGATED));
    /* legacy keywords leave the sticky buffer where it was */
    r = loads("http.uri; content:\"a\"; filename:\"b\"; content:\"c\"; sid:1;");
    CHECK(r && r->nm == 3 && r->m[1].buf == BUF_FILE_NAME && r->m[2].buf == BUF_HTTP_URI);
    r = loads("file.name; content:\"x\"; file.magic; content:\"y\"; sid:1;");
    CHECK(r && r->nm == 2 && r->m[0].buf == BUF_FILE_NAME && r->m[1].buf == BUF_FILE_MAGIC);
    r = loads("file.name:\"z\"; sid:1;");
    CHECK(r && r->nm == 1 && r->m[0].buf == BUF_FILE_NAME && (r->m[0].flags & M_NOCASE));
    r = loads("filesize:>100; filestore; sid:1;");
    CHECK(r && r->nm == 1 && r->m[0].type == RM_FILESIZE && r->m[0].buf == BUF_FILE_SIZE);
    fails("fileext:; sid:1;", "fileext");
    fails("filesize:abc; sid:1;", "filesize");

    /* hash lists: relative to the rule file's directory, sorted, any case */
    char dir[] = "/tmp/taishi-fk-XXXXXX", p1[128], p2[128];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(p1, sizeof(p1), "%s/list.md5", dir);
    FILE *f = fopen(p1, "w");
    fputs("# two\nFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n00000000000000000000000000000001\n", f);
    fclose(f);
    snprintf(p2, sizeof(p2), "%s/r.rules", dir);
    f = fopen(p2, "w");
    fputs("alert http any any -> any any (filemd5:list.md5; sid:1;)\n"
          "alert http any any -> any any (filesha1:!list.md5; sid:2;)\n"
          "alert http any any -> any any (filemd5:nothere.md5; sid:3;)\n", f);
    fclose(f);
    const char *files[] = { p2 };
    struct ruleset *rs = rules_set_load(&opts, files, 1);
    CHECK_EQ_U(rs->loaded, 1);
    CHECK_EQ_U(rs->failed, 2);                  /* md5s are no sha1s; a missing list */
    if (rs->nrules == 1) {
        const struct rule_match *m = &rs->rules[0]->m[0];
        CHECK(m->type == RM_HASHLIST && m->buf == BUF_FILE_MD5 && m->u.h.n == 2 && m->u.h.len == 32);
        CHECK(!memcmp(m->u.h.hex, "00000000000000000000000000000001", 32));
        CHECK(!memcmp(m->u.h.hex + 32, "ffffffffffffffffffffffffffffffff", 32));
    }
    int saw_open = 0, saw_hex = 0;
    for (uint32_t i = 0; i < rs->nproblems; i++) {
        saw_open |= strstr(rs->problems[i].reason, "cannot open") != NULL;
        saw_hex |= strstr(rs->problems[i].reason, "not a 40-digit hex hash") != NULL;
    }
    CHECK(saw_open && saw_hex);
    rules_set_free(rs);
    unlink(p1);
    unlink(p2);
    rmdir(dir);
}

int main(void)
{
    snprintf(class_path, sizeof(class_path), "/tmp/taishi-class-%d.config", (int)getpid());
    FILE *f = fopen(class_path, "w");
    fputs("# classes\nconfig classification: trojan-activity,A Network Trojan was detected,1\n"
          "config classification: misc-activity,Misc activity,3\n"
          "config classification: broken line\n", f);
    fclose(f);
    opts.classification_file = class_path;

    test_header();
    test_vars();
    test_aranges();
    test_meta();
    test_content();
    test_buffers();
    test_pcre();
    test_bytes();
    test_other();
    test_num();
    test_files();
    test_file_keywords();
    CHECK_EQ_U(cur ? cur->nclasses : 0, 2);
    rules_set_free(cur);
    unlink(class_path);
    return unit_done("rules");
}
