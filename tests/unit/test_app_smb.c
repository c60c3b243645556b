/* test_app_smb.c - the smb parser (app_smb*.c, app_ntlmssp.c) and the
 * dcerpc parser (app_dcerpc.c).
 *
 * The conversations are the TCP payloads of the project's own generated
 * captures (pcaps/app-smb2.pcap, app-smb1.pcap, app-dcerpc.pcap, made by
 * tests/tools/gen_smb_pcaps.py: see there for what each message holds), read
 * with a small pcap reader below, so the test and the golden files see the
 * same bytes. Each runs whole, byte by byte and in random splits (every
 * chunk against a guard page): the transcripts must be identical, and the
 * events carry the fields the generator put in (checked against what
 * Suricata 7.0.10 writes for the same capture, tests/tools/smb_compare.py).
 * Hostile input: every prefix of each conversation, random byte flips,
 * and messages built here to lie (NetBIOS lengths, compound chains that
 * loop, NTLMSSP offsets past the end, DCE/RPC lengths under the header,
 * binds that claim 255 contexts); nothing may crash (ASan), the counters
 * must say what happened, and the memory must come back to zero. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/app/files.h"
#include "app_collect.h"

static struct app_stats st;

#define MAX_SEG 256
struct conv {
    int n;
    int dir[MAX_SEG];
    uint8_t *data[MAX_SEG];
    size_t len[MAX_SEG];
};

static uint32_t rd32le(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }

/* TCP payloads of the first connection to port `sport` in a classic pcap
 * (Ethernet, IPv4). Direction 0: to that port. */
static int load(const char *path, unsigned sport, struct conv *c)
{
    FILE *f = fopen(path, "rb");
    memset(c, 0, sizeof(*c));
    if (!f)
        return -1;
    uint8_t gh[24], rh[16], pkt[65536];
    if (fread(gh, 1, 24, f) != 24) {
        fclose(f);
        return -1;
    }
    while (fread(rh, 1, 16, f) == 16 && c->n < MAX_SEG) {
        uint32_t cl = rd32le(rh + 8);
        if (cl > sizeof(pkt) || fread(pkt, 1, cl, f) != cl)
            break;
        if (cl < 14 + 20 + 20 || pkt[12] != 0x08 || pkt[13] != 0x00 || pkt[23] != 6)
            continue;
        size_t ihl = (size_t)(pkt[14] & 15) * 4, tot = (size_t)pkt[16] << 8 | pkt[17];
        const uint8_t *t = pkt + 14 + ihl;
        size_t thl = (size_t)(t[12] >> 4) * 4;
        unsigned sp = t[0] << 8 | t[1], dp = t[2] << 8 | t[3];
        if (sp != sport && dp != sport)
            continue;
        size_t pl = tot - ihl - thl;
        if (!pl)
            continue;
        c->dir[c->n] = dp == sport ? 0 : 1;
        c->data[c->n] = malloc(pl);
        memcpy(c->data[c->n], t + thl, pl);
        c->len[c->n] = pl;
        c->n++;
    }
    fclose(f);
    return c->n ? 0 : -1;
}

static void conv_free(struct conv *c)
{
    for (int i = 0; i < c->n; i++)
        free(c->data[i]);
    c->n = 0;
}

static void run(const char *parser, const struct conv *cv, int mode, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id(parser), NULL, &st);
    for (int i = 0; i < cv->n; i++)
        coll_feed(a, cv->dir[i], cv->data[i], cv->len[i], mode, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
}

/* The k-th transaction with event=1 (smb or dcerpc events; files apart). */
static const struct ctx_rec *ev(const struct coll *c, int k)
{
    for (int i = 0; i < c->n; i++)
        if (c->tx[i].event && c->tx[i].kind != TX_FILE && k-- == 0)
            return &c->tx[i];
    return NULL;
}
static int nev(const struct coll *c)
{
    int n = 0;
    for (int i = 0; i < c->n; i++)
        n += c->tx[i].event && c->tx[i].kind != TX_FILE;
    return n;
}
static int has(const struct ctx_rec *r, const char *s)
{
    return r && strstr(r->json, s) != NULL;
}
/* The first transaction carrying buffer id, from index *from on. */
static int with_buf(const struct coll *c, int id, int from)
{
    for (int i = from; i < c->n; i++)
        if (coll_nbuf(c, i, id))
            return i;
    return -1;
}

static void three_ways(const char *parser, const struct conv *cv, struct coll *whole)
{
    struct coll b = { 0 }, r = { 0 };
    run(parser, cv, 0, whole);
    run(parser, cv, 1, &b);
    CHECK(b.log && whole->log && !strcmp(whole->log, b.log));
    for (int k = 0; k < 5; k++) {
        run(parser, cv, 2, &r);
        CHECK(r.log && !strcmp(whole->log, r.log));
        coll_reset(&r);
    }
    coll_reset(&b);
    CHECK_EQ_U(st.memory, 0);
}

static void test_smb2(void)
{
    struct conv cv;
    struct coll c = { 0 };
    CHECK(load("pcaps/app-smb2.pcap", 445, &cv) == 0);
    three_ways("smb", &cv, &c);
    CHECK_EQ_U(nev(&c), 15);
    CHECK(has(ev(&c, 0), "\"command\":\"SMB2_COMMAND_NEGOTIATE_PROTOCOL\""));
    CHECK(has(ev(&c, 0), "\"dialect\":\"3.02\""));
    CHECK(has(ev(&c, 0), "\"client_dialects\":[\"2.02\",\"2.10\",\"3.00\",\"3.02\"]"));
    CHECK(has(ev(&c, 0), "\"client_guid\":\"13121110-1514-1716-1918-1b1a1f1e1d1c\""));
    CHECK(has(ev(&c, 0), "\"max_read_size\":8388608"));
    CHECK(has(ev(&c, 1), "\"status\":\"STATUS_MORE_PROCESSING_REQUIRED\",\"status_code\":\"0xc0000016\""));
    CHECK(!has(ev(&c, 1), "ntlmssp"));
    CHECK(has(ev(&c, 2), "\"ntlmssp\":{\"domain\":\"CORP\",\"user\":\"alice\",\"host\":\"WS-042\","
                         "\"version\":\"10.0 build 19041 rev 15\"}"));
    CHECK(has(ev(&c, 2), "\"session_id\":17592186044481"));
    CHECK(has(ev(&c, 3), "\"share\":\"\\\\\\\\10.30.0.5\\\\data\",\"share_type\":\"FILE\""));
    CHECK(has(ev(&c, 4), "\"filename\":\"reports\\\\q3.txt\",\"disposition\":\"FILE_OPEN\""));
    CHECK(has(ev(&c, 4), "\"created\":1577836800,\"accessed\":1577836801"));
    CHECK(has(ev(&c, 4), "\"size\":680,\"fuid\":\"00001001-0000-0000-2001-000000000000\""));
    CHECK(has(ev(&c, 5), "\"command\":\"SMB2_COMMAND_READ\",\"status\":\"STATUS_SUCCESS\""));
    CHECK(has(ev(&c, 5), "\"share\":\"\\\\\\\\10.30.0.5\\\\data\""));
    CHECK(has(ev(&c, 7), "\"directory\":\"reports\""));
    CHECK(has(ev(&c, 9), "\"status\":\"STATUS_OBJECT_NAME_NOT_FOUND\""));
    CHECK(has(ev(&c, 9), "\"size\":0,\"fuid\":\"\""));
    CHECK(has(ev(&c, 10), "\"named_pipe\":\"\\\\\\\\10.30.0.5\\\\IPC$\",\"share_type\":\"PIPE\""));
    CHECK(has(ev(&c, 12), "\"command\":\"SMB2_COMMAND_WRITE\""));
    CHECK(has(ev(&c, 12), "\"dcerpc\":{\"request\":\"BIND\",\"response\":\"BINDACK\",\"interfaces\":"
                          "[{\"uuid\":\"4b324fc8-1670-01d3-1278-5a47bf6ee188\",\"version\":\"3.0\","
                          "\"ack_result\":0,\"ack_reason\":0}],\"call_id\":2}"));
    CHECK(has(ev(&c, 13), "\"opnum\":15,\"req\":{\"frag_cnt\":1,\"stub_data_size\":28}"));
    CHECK(has(ev(&c, 13), "\"res\":{\"frag_cnt\":1,\"stub_data_size\":24},\"call_id\":3"));
    CHECK(has(ev(&c, 14), "\"command\":\"SMB2_COMMAND_CLOSE\""));
    /* the file read: one fileinfo (TX_FILE) before the READ's smb event,
     * with the smb object of its transaction as the parent (app_file.c) */
    int fi = -1;
    for (int k = 0; k < c.n; k++)
        if (c.tx[k].kind == TX_FILE && c.tx[k].event)
            fi = k;
    CHECK(fi >= 0 && c.tx[fi].dir == APP_DIR_TOCLIENT);
    CHECK(fi >= 0 && strstr(c.tx[fi].json, "\"smb\":{\"id\":6,") != NULL);
    CHECK(fi >= 0 && strstr(c.tx[fi].json, "\"filename\":\"reports\\\\q3.txt\",") != NULL);
    CHECK(fi >= 0 && strstr(c.tx[fi].json, "\"state\":\"CLOSED\"") != NULL);
    CHECK(fi >= 0 && strstr(c.tx[fi].json, "\"size\":680,\"tx_id\":5") != NULL);
    /* rule buffers: the shares, and the stubs of the pipe's request and response */
    int i = with_buf(&c, BUF_SMB_SHARE, 0);
    CHECK_STR(coll_buf(&c, i, BUF_SMB_SHARE, 0), "\\\\10.30.0.5\\data");
    CHECK(c.tx[i].dir == APP_DIR_TOSERVER);
    i = with_buf(&c, BUF_SMB_NAMED_PIPE, 0);
    CHECK_STR(coll_buf(&c, i, BUF_SMB_NAMED_PIPE, 0), "\\\\10.30.0.5\\IPC$");
    i = with_buf(&c, BUF_DCERPC_STUB_DATA, 0);
    CHECK(i >= 0 && c.tx[i].dir == APP_DIR_TOSERVER && coll_buflen(&c, i, BUF_DCERPC_STUB_DATA) == 28);
    i = with_buf(&c, BUF_DCERPC_STUB_DATA, i + 1);
    CHECK(i >= 0 && c.tx[i].dir == APP_DIR_TOCLIENT && coll_buflen(&c, i, BUF_DCERPC_STUB_DATA) == 24);
    CHECK_EQ_U(app_stats_get(&st, "smb", "parse_errors"), 0);
    coll_reset(&c);

    /* Without a ruleset no buffers are built, the events stay the same. */
    struct app_limits lim;
    app_limits_default(&lim);
    lim.rule_bufs = 0;
    struct app_sink s = coll_sink(&c);
    struct app_flow *a = app_flow_new(app_registry_id("smb"), &lim, &st);
    for (int k = 0; k < cv.n; k++)
        coll_feed(a, cv.dir[k], cv.data[k], cv.len[k], 0, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
    CHECK_EQ_U(nev(&c), 15);
    CHECK(with_buf(&c, BUF_SMB_SHARE, 0) < 0 && with_buf(&c, BUF_DCERPC_STUB_DATA, 0) < 0);
    /* assets: the negotiate's dialect and signing, the challenge's domain;
     * SMB2 with signing enabled is no risk */
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"dialect\":\"3.02\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"signing\":\"enabled\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"domain\":\"CORP\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"risk\""), 0);
    coll_reset(&c);
    conv_free(&cv);
}

static void test_smb1(void)
{
    struct conv cv;
    struct coll c = { 0 };
    CHECK(load("pcaps/app-smb1.pcap", 139, &cv) == 0);
    three_ways("smb", &cv, &c);
    CHECK_EQ_U(nev(&c), 3);
    CHECK(has(ev(&c, 0), "\"dialect\":\"NT LM 0.12\",\"command\":\"SMB1_COMMAND_NEGOTIATE_PROTOCOL\""));
    CHECK(has(ev(&c, 0), "\"client_dialects\":[\"PC NETWORK PROGRAM 1.0\",\"LANMAN1.0\",\"NT LM 0.12\"]"));
    CHECK(has(ev(&c, 1), "\"request\":{\"native_os\":\"Unix\",\"native_lm\":\"Samba\"}"));
    CHECK(has(ev(&c, 1), "\"response\":{\"native_os\":\"Windows Server 2003 3790\""));
    CHECK(has(ev(&c, 1), "\"session_id\":2048"));
    CHECK(has(ev(&c, 2), "\"named_pipe\":\"\\\\\\\\FILESRV\\\\IPC$\",\"service\":{\"request\":\"?????\","
                         "\"response\":\"IPC\"}"));
    /* the server answers in SMB1 without signing: both risks, once each */
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"names\":[\"smb1_in_use\"],\"detail\":\"NT LM 0.12\""), 1);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"names\":[\"smb_signing_disabled\"]"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"dialect\":\"NT LM 0.12\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"signing\":\"disabled\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"native_os\":\"Windows Server 2003 3790\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"native_lm\":\"Windows Server 2003 5.2\"}}}"), 1);
    coll_reset(&c);
    conv_free(&cv);
}

/* SMB1 files: NT_CREATE_ANDX names them, READ_ANDX / WRITE_ANDX feed them
 * (no transaction of their own), CLOSE ends them; the third one is still
 * open when the flow ends (TRUNCATED, no sha256). Whole, byte by byte and in
 * random splits: three_ways. */
static void test_smb1_files(void)
{
    struct conv cv;
    struct coll c = { 0 };
    CHECK(load("pcaps/app-smb1-files.pcap", 445, &cv) == 0);
    three_ways("smb", &cv, &c);
    CHECK_EQ_U(nev(&c), 11);
    CHECK(has(ev(&c, 3), "\"command\":\"SMB1_COMMAND_NT_CREATE_ANDX\""));
    CHECK(has(ev(&c, 3), "\"filename\":\"\\\\report.txt\",\"disposition\":\"FILE_OPEN\",\"access\":\"normal\","
                         "\"created\":1492193385,"));
    CHECK(has(ev(&c, 3), "\"size\":4096,\"fuid\":\"4001\""));
    CHECK(has(ev(&c, 4), "\"id\":5,\"dialect\":\"NT LM 0.12\",\"command\":\"SMB1_COMMAND_READ_ANDX\","
                         "\"session_id\":0,\"tree_id\":0,\"filename\":\"\\\\report.txt\""));
    CHECK(has(ev(&c, 5), "\"command\":\"SMB1_COMMAND_CLOSE\""));
    CHECK(has(ev(&c, 7), "\"command\":\"SMB1_COMMAND_WRITE_ANDX\""));
    const char *want[3][2] = { { "\"size\":1600,\"tx_id\":4}", "\"state\":\"CLOSED\"" },
                               { "\"size\":1100,\"tx_id\":7}", "\"state\":\"CLOSED\"" },
                               { "\"size\":700,\"tx_id\":10}", "\"state\":\"TRUNCATED\"" } };
    int nf = 0;
    for (int k = 0; k < c.n; k++) {
        if (c.tx[k].kind != TX_FILE || !c.tx[k].event)
            continue;
        CHECK(nf < 3 && strstr(c.tx[k].json, want[nf][0]) && strstr(c.tx[k].json, want[nf][1]));
        CHECK_EQ_U(c.tx[k].dir, nf == 1 ? APP_DIR_TOSERVER : APP_DIR_TOCLIENT);
        CHECK((strstr(c.tx[k].json, "\"sha256\"") != NULL) == (nf < 2));
        nf++;
    }
    CHECK_EQ_U(nf, 3);
    coll_reset(&c);
    conv_free(&cv);
}

static void test_dcerpc(void)
{
    struct conv cv;
    struct coll c = { 0 };
    CHECK(load("pcaps/app-dcerpc.pcap", 49667, &cv) == 0);
    three_ways("dcerpc", &cv, &c);
    CHECK_EQ_U(nev(&c), 2);
    CHECK(has(ev(&c, 0), "\"request\":\"BIND\",\"interfaces\":[{\"uuid\":\"12345778-1234-7856-1234-"
                         "567890abcdef\",\"version\":\"0.0\",\"ack_result\":0},{\"uuid\":\"33221100-5544-"
                         "7766-8899-aabbccddeeff\",\"version\":\"1.2\",\"ack_result\":2}],\"response\":\"BINDACK\""));
    CHECK(has(ev(&c, 1), "\"req\":{\"opnum\":44,\"frag_cnt\":2,\"stub_data_size\":512}"));
    CHECK(has(ev(&c, 1), "\"res\":{\"frag_cnt\":1,\"stub_data_size\":40},\"call_id\":8,\"rpc_version\":\"5.0\""));
    int i = with_buf(&c, BUF_DCERPC_STUB_DATA, 0);
    CHECK(i >= 0 && coll_buflen(&c, i, BUF_DCERPC_STUB_DATA) == 512);
    const char *stub = coll_buf(&c, i, BUF_DCERPC_STUB_DATA, 0);
    CHECK(stub && (uint8_t)stub[299] == 43 && (uint8_t)stub[300] == 44);     /* both fragments, in order */
    coll_reset(&c);
    conv_free(&cv);
    CHECK(load("pcaps/app-dcerpc.pcap", 135, &cv) == 0);
    three_ways("dcerpc", &cv, &c);
    CHECK_EQ_U(nev(&c), 2);
    CHECK(has(ev(&c, 0), "\"uuid\":\"e1af8308-5d1f-11c9-91a4-08002b14a0fa\",\"version\":\"3.0\""));
    CHECK(has(ev(&c, 1), "\"req\":{\"opnum\":3,\"frag_cnt\":1,\"stub_data_size\":76}"));
    coll_reset(&c);
    conv_free(&cv);
}

/* Every prefix of each direction's stream, and random byte flips: no crash,
 * every event body valid (app_collect writes it), memory back to zero. */
static void hostile_conv(const char *parser, const char *path, unsigned port)
{
    struct conv cv;
    CHECK(load(path, port, &cv) == 0);
    size_t total = 0;
    for (int i = 0; i < cv.n; i++)
        total += cv.len[i];
    for (size_t cut = 0; cut < total; cut += 7) {
        struct coll c = { 0 };
        struct app_sink s = coll_sink(&c);
        struct app_flow *a = app_flow_new(app_registry_id(parser), NULL, &st);
        size_t left = cut;
        for (int i = 0; i < cv.n && left; i++) {
            size_t k = cv.len[i] < left ? cv.len[i] : left;
            coll_feed(a, cv.dir[i], cv.data[i], k, 0, &s);
            left -= k;
        }
        app_flow_end(a, &s);
        app_flow_free(a);
        coll_reset(&c);
    }
    for (int round = 0; round < 300; round++) {
        struct coll c = { 0 };
        struct app_sink s = coll_sink(&c);
        struct app_flow *a = app_flow_new(app_registry_id(parser), NULL, &st);
        for (int i = 0; i < cv.n; i++) {
            uint8_t *m = malloc(cv.len[i]);
            memcpy(m, cv.data[i], cv.len[i]);
            for (int f = 0; f < 3; f++)
                if (coll_rand() % 4 == 0)
                    m[coll_rand() % cv.len[i]] = (uint8_t)coll_rand();
            coll_feed(a, cv.dir[i], m, cv.len[i], 2, &s);
            free(m);
        }
        app_flow_end(a, &s);
        app_flow_free(a);
        for (int i = 0; i < c.n; i++)
            CHECK(c.tx[i].json[0] == 0 || c.tx[i].json[0] == '{');
        coll_reset(&c);
    }
    CHECK_EQ_U(st.memory, 0);
    conv_free(&cv);
}

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, v & 0xffff); put16(p + 2, v >> 16); }

static void feed1(const char *parser, int dir, const uint8_t *m, size_t n, struct coll *c)
{
    struct app_sink s = coll_sink(c);
    struct app_flow *a = app_flow_new(app_registry_id(parser), NULL, &st);
    coll_feed(a, dir, m, n, 0, &s);
    app_flow_end(a, &s);
    app_flow_free(a);
}

static void test_lies(void)
{
    static uint8_t m[200000];
    struct coll c = { 0 };
    uint64_t e0, cut0;

    /* A NetBIOS message of 0x1ffff bytes (the 17-bit maximum) of SMB2 with
     * a WRITE: parsed from its first 64 KiB, counted as cut. */
    memset(m, 0, sizeof(m));
    m[1] = 1; m[2] = 0xff; m[3] = 0xff;
    memcpy(m + 4, "\xfeSMB", 4);
    put16(m + 8, 64);
    put16(m + 16, 9);                       /* WRITE */
    cut0 = app_stats_get(&st, "smb", "cut");
    feed1("smb", 0, m, 4 + 0x1ffff, &c);
    CHECK_EQ_U(app_stats_get(&st, "smb", "cut") - cut0, 1);
    coll_reset(&c);

    /* Not NetBIOS at all: the direction is given up, counted. */
    e0 = app_stats_get(&st, "smb", "parse_errors");
    feed1("smb", 0, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, &c);
    CHECK(app_stats_get(&st, "smb", "parse_errors") > e0);
    CHECK_EQ_U(c.n, 0);
    coll_reset(&c);

    /* A compound whose NextCommand points at itself (64) for ever: the chain
     * stops at 64 commands; 64 ECHO requests, none answered. */
    size_t n = 4 + 64 * 64;
    memset(m, 0, n);
    m[2] = (uint8_t)((n - 4) >> 8); m[3] = (uint8_t)(n - 4);
    for (int i = 0; i < 64; i++) {
        uint8_t *h = m + 4 + 64 * i;
        memcpy(h, "\xfeSMB", 4);
        put16(h + 4, 64);
        put16(h + 12, 13);
        put32(h + 20, 64);
        put32(h + 24, (uint32_t)i);
    }
    uint64_t tx0 = app_stats_get(&st, "smb", "tx");
    feed1("smb", 0, m, n, &c);
    CHECK_EQ_U(app_stats_get(&st, "smb", "tx") - tx0, 64);
    CHECK_EQ_U(c.n, 0);
    coll_reset(&c);

    /* A session setup whose blob is "NTLMSSP\0" type 3 with every offset
     * past the end: the tx has empty names, nothing read outside. */
    uint8_t blob[64 + 8];
    memset(blob, 0, sizeof(blob));
    memcpy(blob, "NTLMSSP", 8);
    put32(blob + 8, 3);
    for (int f = 0; f < 6; f++) {
        put16(blob + 12 + 8 * f, 0xffff);
        put32(blob + 16 + 8 * f, 0xfffffff0u);
    }
    put32(blob + 60, 0x02000001);
    n = 4 + 64 + 24 + sizeof(blob);
    memset(m, 0, n);
    m[3] = (uint8_t)(n - 4);
    memcpy(m + 4, "\xfeSMB", 4);
    put16(m + 8, 64);
    put16(m + 16, 1);
    put16(m + 68, 25);
    put16(m + 68 + 12, 64 + 24);
    put16(m + 68 + 14, sizeof(blob));
    memcpy(m + 4 + 64 + 24, blob, sizeof(blob));
    /* and its response */
    size_t rn = 4 + 64 + 8;
    uint8_t *r = m + n;
    memset(r, 0, rn);
    r[3] = (uint8_t)(rn - 4);
    memcpy(r + 4, "\xfeSMB", 4);
    put16(r + 8, 64);
    put16(r + 16, 1);
    put32(r + 20, 1);                       /* SMB2_FLAGS_SERVER_TO_REDIR */
    {
        struct app_sink s = coll_sink(&c);
        struct app_flow *a = app_flow_new(app_registry_id("smb"), NULL, &st);
        coll_feed(a, 0, m, n, 1, &s);
        coll_feed(a, 1, r, rn, 1, &s);
        app_flow_end(a, &s);
        app_flow_free(a);
    }
    CHECK_EQ_U(nev(&c), 1);
    CHECK(has(ev(&c, 0), "\"ntlmssp\":{\"domain\":\"\",\"user\":\"\",\"host\":\"\",\"version\":\"0.0 build 0 rev 0\"}"));
    coll_reset(&c);

    /* DCE/RPC: a frag_length under the header's 16 bytes ends the direction;
     * a bind claiming 255 contexts with none present makes a tx with none. */
    uint8_t d[16 + 12];
    memset(d, 0, sizeof(d));
    d[0] = 5; d[2] = 11; d[3] = 3; d[4] = 0x10;
    put16(d + 8, 8);
    e0 = app_stats_get(&st, "dcerpc", "parse_errors");
    feed1("dcerpc", 0, d, 16, &c);
    CHECK(app_stats_get(&st, "dcerpc", "parse_errors") > e0);
    coll_reset(&c);
    put16(d + 8, sizeof(d));
    d[16 + 8] = 255;
    tx0 = app_stats_get(&st, "dcerpc", "tx");
    feed1("dcerpc", 0, d, sizeof(d), &c);
    CHECK_EQ_U(app_stats_get(&st, "dcerpc", "tx") - tx0, 1);
    coll_reset(&c);
    /* a gap: the direction is given up */
    {
        struct app_sink s = coll_sink(&c);
        struct app_flow *a = app_flow_new(app_registry_id("dcerpc"), NULL, &st);
        e0 = app_stats_get(&st, "dcerpc", "parse_errors");
        app_flow_gap(a, 0, 100, &s);
        coll_feed(a, 0, d, sizeof(d), 0, &s);
        CHECK(app_stats_get(&st, "dcerpc", "parse_errors") == e0 + 1);
        app_flow_end(a, &s);
        app_flow_free(a);
    }
    coll_reset(&c);
    CHECK_EQ_U(st.memory, 0);
}

/* One NetBIOS message holding an SMB2 header (command cmd, message id mid,
 * response or not) and body; returns its length. */
static size_t smb2_msg(uint8_t *m, int cmd, int resp, uint64_t mid, const uint8_t *body, size_t bl)
{
    memset(m, 0, 4 + 64);
    m[1] = (uint8_t)((64 + bl) >> 16);
    m[2] = (uint8_t)((64 + bl) >> 8);
    m[3] = (uint8_t)(64 + bl);
    memcpy(m + 4, "\xfeSMB", 4);
    put16(m + 8, 64);
    put16(m + 16, (unsigned)cmd);
    put32(m + 20, resp ? 1 : 0);
    put32(m + 28, (uint32_t)mid);
    memcpy(m + 68, body, bl);
    return 4 + 64 + bl;
}

static size_t utf16(uint8_t *p, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        p[n++] = (uint8_t)*s;
        p[n++] = 0;
    }
    return n;
}

/* The asset facts and risks of constructed negotiates and a challenge. */
static void test_assets(void)
{
    static uint8_t m[4096], b[1024];
    struct coll c = { 0 };
    struct app_sink s = coll_sink(&c);
    struct app_flow *a = app_flow_new(app_registry_id("smb"), NULL, &st);
    size_t n;

    /* negotiate 3.1.1, signing required: facts, no risk */
    memset(b, 0, sizeof(b));
    put16(b, 36);
    put16(b + 2, 1);
    put16(b + 36, 0x311);
    n = smb2_msg(m, 0, 0, 1, b, 38);
    coll_feed(a, 0, m, n, 0, &s);
    memset(b, 0, sizeof(b));
    put16(b, 65);
    b[2] = 3;                               /* SIGNING_ENABLED | SIGNING_REQUIRED */
    put16(b + 4, 0x311);
    n = smb2_msg(m, 0, 1, 1, b, 64);
    coll_feed(a, 1, m, n, 0, &s);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"dialect\":\"3.1.1\"}}}") +
               coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"dialect\":\"3.11\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "\"signing\":\"required\""), 1);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"risk\""), 0);

    /* a session setup whose challenge carries the target info: the names */
    memset(b, 0, sizeof(b));
    put16(b, 25);
    n = smb2_msg(m, 1, 0, 2, b, 24);
    coll_feed(a, 0, m, n, 0, &s);
    uint8_t tok[512], ti[256];
    size_t tl = 0, t = 0;
    uint8_t v[64];
    const struct { int id; const char *s; } av[] = {
        { 2, "CORP" }, { 1, "FS01" }, { 4, "corp.example" }, { 3, "fs01.corp.example" },
    };
    for (size_t i = 0; i < sizeof(av) / sizeof(av[0]); i++) {
        size_t vl = utf16(v, av[i].s);
        put16(ti + tl, (unsigned)av[i].id);
        put16(ti + tl + 2, (unsigned)vl);
        memcpy(ti + tl + 4, v, vl);
        tl += 4 + vl;
    }
    put32(ti + tl, 0);                      /* MsvAvEOL */
    tl += 4;
    memset(tok, 0, sizeof(tok));
    memcpy(tok, "NTLMSSP\0", 8);
    put32(tok + 8, 2);
    put32(tok + 20, 1);                     /* NEGOTIATE_UNICODE */
    put16(tok + 40, (unsigned)tl);
    put16(tok + 42, (unsigned)tl);
    put32(tok + 44, 56);
    memcpy(tok + 56, ti, tl);
    t = 56 + tl;
    memset(b, 0, sizeof(b));
    put16(b, 9);
    put16(b + 4, 64 + 8);
    put16(b + 6, (unsigned)t);
    memcpy(b + 8, tok, t);
    n = smb2_msg(m, 1, 1, 2, b, 8 + t);
    put32(m + 12, 0xc0000016);              /* STATUS_MORE_PROCESSING_REQUIRED */
    coll_feed(a, 1, m, n, 0, &s);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"server_name\":\"FS01\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"dns_name\":\"fs01.corp.example\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"domain\":\"CORP\"}}}"), 1);
    CHECK_EQ_U(coll_side(&c, TX_ASSET, "{\"asset\":{\"smb\":{\"dns_domain\":\"corp.example\"}}}"), 1);
    /* an AV pair whose length runs past the target info: nothing read past it */
    app_flow_end(a, &s);
    app_flow_free(a);
    coll_reset(&c);

    /* negotiate with neither signing bit: smb_signing_disabled, once */
    a = app_flow_new(app_registry_id("smb"), NULL, &st);
    for (int k = 0; k < 2; k++) {
        memset(b, 0, sizeof(b));
        put16(b, 36);
        put16(b + 2, 1);
        put16(b + 36, 0x202);
        n = smb2_msg(m, 0, 0, 10 + (uint64_t)k, b, 38);
        coll_feed(a, 0, m, n, 0, &s);
        memset(b, 0, sizeof(b));
        put16(b, 65);
        put16(b + 4, 0x202);
        n = smb2_msg(m, 0, 1, 10 + (uint64_t)k, b, 64);
        coll_feed(a, 1, m, n, 0, &s);
    }
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"names\":[\"smb_signing_disabled\"],\"detail\":\"2.02\""), 2);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "smb1_in_use"), 0);
    app_flow_end(a, &s);
    app_flow_free(a);
    coll_reset(&c);

    /* the multi-protocol negotiate: an SMB1 request offering SMB2, answered
     * in SMB2, is no SMB1 in use; an SMB1 command after it is */
    static const char dl[] = "\2NT LM 0.12\0\2SMB 2.002\0\2SMB 2.???";
    a = app_flow_new(app_registry_id("smb"), NULL, &st);
    memset(m, 0, 4 + 35);
    n = 4 + 32 + 3 + sizeof(dl);
    m[3] = (uint8_t)(n - 4);
    memcpy(m + 4, "\xffSMB", 4);
    m[8] = 0x72;
    put16(m + 4 + 33, sizeof(dl));
    memcpy(m + 4 + 35, dl, sizeof(dl));
    coll_feed(a, 0, m, n, 0, &s);
    memset(b, 0, sizeof(b));
    put16(b, 65);
    b[2] = 1;
    put16(b + 4, 0x2ff);
    n = smb2_msg(m, 0, 1, 0, b, 64);
    coll_feed(a, 1, m, n, 0, &s);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"risk\""), 0);
    memset(m, 0, 4 + 35);                   /* SMB1 ECHO */
    m[3] = 35;
    memcpy(m + 4, "\xffSMB", 4);
    m[8] = 0x2b;
    coll_feed(a, 0, m, 4 + 35, 0, &s);
    CHECK_EQ_U(coll_side(&c, TX_RISK, "\"names\":[\"smb1_in_use\"],\"detail\":\"SMB1_COMMAND_ECHO\""), 1);
    app_flow_end(a, &s);
    app_flow_free(a);
    coll_reset(&c);
}

int main(void)
{
    char err[256];
    struct files_config fc;
    files_config_default(&fc);                  /* file tracking on, as the sensor's default */
    st.files = files_worker_new(&fc, 0, 1, err, sizeof(err));
    CHECK(st.files != NULL);
    CHECK(app_registry_check(err, sizeof(err)) == 0);
    CHECK(app_registry_id("smb") > 0 && app_registry_id("dcerpc") > 0);
    test_smb2();
    test_smb1();
    test_smb1_files();
    test_dcerpc();
    hostile_conv("smb", "pcaps/app-smb2.pcap", 445);
    hostile_conv("smb", "pcaps/app-smb1.pcap", 139);
    hostile_conv("smb", "pcaps/app-smb1-files.pcap", 445);
    hostile_conv("dcerpc", "pcaps/app-dcerpc.pcap", 49667);
    test_lies();
    test_assets();
    CHECK_EQ_U(st.memory, 0);
    files_worker_free(st.files);
    return unit_done("test_app_smb");
}
