/* test_rules_intkw.c - the integer/flag keywords' argument syntax
 * (src/rules/rules_intkw.c), every form and every error, as Suricata 7.0.10
 * takes them (each "accepted"/"refused" below was checked with `suricata -T`
 * on snmp.version, a u32, and mqtt.protocol_version, a u8), and matching
 * against a transaction through a keyword of this file. */
#include "unit.h"

#include "taishi/app/app.h"
#include "taishi/rules/rules.h"

static int uint_ok(const char *s, uint64_t max, int op, uint64_t lo, uint64_t hi)
{
    struct rule_num n;
    if (rules_intkw_uint(s, &n, max) < 0)
        return 0;
    return n.op == op && n.lo == lo && (op != CMP_RANGE || n.hi == hi);
}

static int uint_bad(const char *s, uint64_t max)
{
    struct rule_num n;
    return rules_intkw_uint(s, &n, max) < 0;
}

static void test_uint(void)
{
    const uint64_t U32 = 0xffffffffu;
    CHECK(uint_ok("2", U32, CMP_EQ, 2, 0));
    CHECK(uint_ok("=2", U32, CMP_EQ, 2, 0));
    CHECK(uint_ok("<3", U32, CMP_LT, 3, 0));
    CHECK(uint_ok(">1", U32, CMP_GT, 1, 0));
    CHECK(uint_ok("<=2", U32, CMP_LE, 2, 0));
    CHECK(uint_ok(">=2", U32, CMP_GE, 2, 0));
    CHECK(uint_ok("!2", U32, CMP_NE, 2, 0));
    CHECK(uint_ok("!=2", U32, CMP_NE, 2, 0));
    CHECK(uint_ok("1-3", U32, CMP_RANGE, 1, 3));
    CHECK(uint_ok("1<>3", U32, CMP_RANGE, 1, 3));
    CHECK(uint_ok(" 2", U32, CMP_EQ, 2, 0));
    CHECK(uint_ok("2 ", U32, CMP_EQ, 2, 0));
    CHECK(uint_ok("1 - 3", U32, CMP_RANGE, 1, 3));
    CHECK(uint_ok("4294967295", U32, CMP_EQ, U32, 0));
    CHECK(uint_ok("255", 255, CMP_EQ, 255, 0));
    /* refused by Suricata 7.0.10 */
    CHECK(uint_bad("!1-3", U32));       /* no negated range in 7.0 */
    CHECK(uint_bad("3-1", U32));
    CHECK(uint_bad("2-2", U32));
    CHECK(uint_bad("2<>3", U32));       /* nothing between the ends */
    CHECK(uint_bad("", U32));
    CHECK(uint_bad("x", U32));
    CHECK(uint_bad("0x2", U32));
    CHECK(uint_bad("4294967296", U32));
    CHECK(uint_bad("256", 255));
    CHECK(uint_bad("<0", U32));
    CHECK(uint_bad(">4294967295", U32));
    CHECK(uint_bad("-1", U32));
    CHECK(uint_bad("&3", U32));
    CHECK(uint_bad("1-", U32));
    CHECK(uint_bad("<", U32));
    CHECK(uint_bad("99999999999999999999999", U32));
}

/* A keyword of each syntax, over a fake tx whose meta is the value list. */
struct fake { unsigned n; uint64_t v[4]; };
static unsigned fake_get(const struct app_tx *tx, uint64_t *v, unsigned max)
{
    const struct fake *f = tx->meta;
    unsigned n = 0;
    for (; n < f->n && n < max; n++)
        v[n] = f->v[n];
    return n;
}
static int fake_special(unsigned k, uint64_t v) { return k == 0 && v > 100; }
static const struct app_int_name names[] = {
    { "one", 1 }, { "two", 2 }, { "big", AI_LIST_SPECIAL + 0 }, { NULL, 0 } };
static const struct app_int_name flags[] = { { "a", 1 }, { "b", 2 }, { "c", 4 }, { NULL, 0 } };
static const struct app_int_kw k_uint = { fake_get, AI_UINT, 255, NULL, NULL, NULL, 0, NULL };
static const struct app_int_kw k_eq = { fake_get, AI_EQ, 255, names, fake_special, NULL, 0, NULL };
static const struct app_int_kw k_name = { fake_get, AI_NAME, 0, names, fake_special, NULL, 0, NULL };
static const struct app_int_kw k_flags = { fake_get, AI_FLAGS, 0, flags, NULL, NULL, 0, NULL };
static const struct app_int_kw k_list = { fake_get, AI_LIST, 65535, names, fake_special, NULL, 0, NULL };
static const struct app_int_kw k_bool = { fake_get, AI_BOOL, 1, NULL, NULL, NULL, 0, NULL };
/* Suricata 7.0.10's narrower forms: dcerpc.opnum (no spaces), krb5.ticket_encryption
 * (no ranges, names as written), mqtt.connack.session_present (a value needed) */
static const struct app_int_kw k_opnum = { fake_get, AI_LIST, 0xffffffffu, NULL, NULL, NULL,
                                           AIO_NO_SPACE, NULL };
static const struct app_int_kw k_etype = { fake_get, AI_LIST, 255, names, fake_special, NULL,
                                           AIO_NO_RANGE | AIO_CASE, NULL };
static const struct app_int_kw k_need = { fake_get, AI_BOOL, 1, NULL, NULL, NULL, AIO_NEED_VALUE, NULL };

static int parses(const struct app_int_kw *ik, const char *v)
{
    struct rule_appint a;
    char err[160];
    int ok = rules_intkw_parse(ik, v, &a, err, sizeof(err)) == 0;
    rules_intkw_free(&a);
    return ok;
}

/* Does value v (one value in the tx) match argument arg of ik? -1: no parse. */
static int matches(const struct app_int_kw *ik, const char *arg, unsigned n, const uint64_t *v)
{
    struct rule_appint a;
    char err[160];
    if (rules_intkw_parse(ik, arg, &a, err, sizeof(err)) < 0) {
        rules_intkw_free(&a);
        return -1;
    }
    a.parser = 7;
    struct fake f = { n, { 0 } };
    for (unsigned i = 0; i < n && i < 4; i++)
        f.v[i] = v[i];
    struct app_tx tx = { .proto = 7, .meta = &f };
    int r = rules_intkw_match(&a, &tx);
    tx.proto = 8;                           /* another parser's tx: never */
    if (rules_intkw_match(&a, &tx))
        r = -2;
    rules_intkw_free(&a);
    return r;
}
static int m1(const struct app_int_kw *ik, const char *arg, uint64_t v)
{
    return matches(ik, arg, 1, &v);
}

static void test_syntaxes(void)
{
    /* AI_UINT */
    CHECK(m1(&k_uint, "5", 5) == 1 && m1(&k_uint, "5", 6) == 0);
    CHECK(m1(&k_uint, "1<>3", 2) == 1 && m1(&k_uint, "1<>3", 3) == 0 && m1(&k_uint, "1-3", 1) == 0);
    CHECK(m1(&k_uint, "!5", 4) == 1 && m1(&k_uint, "!5", 5) == 0);
    CHECK(m1(&k_uint, ">=5", 5) == 1 && m1(&k_uint, "<5", 5) == 0);
    CHECK(m1(&k_uint, "256", 1) == -1);
    CHECK(!parses(&k_uint, NULL) && !parses(&k_uint, ""));
    /* AI_EQ: one number or a name, nothing else */
    CHECK(m1(&k_eq, "2", 2) == 1 && m1(&k_eq, "two", 2) == 1 && m1(&k_eq, "TWO", 3) == 0);
    CHECK(!parses(&k_eq, ">1") && !parses(&k_eq, "!1") && !parses(&k_eq, "1-3") &&
          !parses(&k_eq, "256") && !parses(&k_eq, "three"));
    /* AI_NAME: names only (a named class through special) */
    CHECK(m1(&k_name, "one", 1) == 1 && m1(&k_name, "One", 2) == 0);
    CHECK(m1(&k_name, "big", 101) == 1 && m1(&k_name, "big", 100) == 0);
    CHECK(!parses(&k_name, "1") && !parses(&k_name, "nope") && !parses(&k_name, "one,two"));
    /* AI_FLAGS */
    CHECK(m1(&k_flags, "a", 1) == 1 && m1(&k_flags, "a", 3) == 1 && m1(&k_flags, "a", 2) == 0);
    CHECK(m1(&k_flags, "a,!b", 1) == 1 && m1(&k_flags, "a,!b", 3) == 0);
    CHECK(m1(&k_flags, "!c", 3) == 1 && m1(&k_flags, "!c", 4) == 0);
    CHECK(m1(&k_flags, " a , b ", 3) == 1);
    CHECK(!parses(&k_flags, "d") && !parses(&k_flags, "a,!a") && !parses(&k_flags, ",") &&
          !parses(&k_flags, "1"));
    /* AI_LIST: numbers, inclusive ranges, names, ! for the whole list */
    CHECK(m1(&k_list, "12,15-18,20", 15) == 1 && m1(&k_list, "12,15-18,20", 18) == 1);
    CHECK(m1(&k_list, "12,15-18,20", 19) == 0 && m1(&k_list, "12,15-18,20", 12) == 1);
    CHECK(m1(&k_list, "one,big", 1) == 1 && m1(&k_list, "one,big", 500) == 1 &&
          m1(&k_list, "one,big", 2) == 0);
    CHECK(m1(&k_list, "!big", 5) == 1 && m1(&k_list, "!big", 500) == 0);
    CHECK(!parses(&k_list, "5-3") && !parses(&k_list, "1-70000") && !parses(&k_list, "x") &&
          !parses(&k_list, ">5") && !parses(&k_list, "1,,2") && !parses(&k_list, "!5"));
    {
        uint64_t vs[3] = { 3, 9, 20 };
        CHECK(matches(&k_list, "20", 3, vs) == 1);      /* any value of a set */
        CHECK(matches(&k_list, "21", 3, vs) == 0);
        CHECK(matches(&k_list, "20", 0, vs) == 0);      /* no value: no match */
    }
    CHECK(m1(&k_opnum, "1-70000", 65536) == 1 && m1(&k_opnum, "65536", 65536) == 1);
    CHECK(!parses(&k_opnum, "1 - 3") && !parses(&k_opnum, " 4 , 5") && !parses(&k_opnum, "!5"));
    CHECK(m1(&k_etype, "one,two", 2) == 1 && m1(&k_etype, "!big", 2) == 1);
    CHECK(!parses(&k_etype, "ONE") && !parses(&k_etype, "1-2") && !parses(&k_etype, "!one"));
    CHECK(!parses(&k_need, NULL) && m1(&k_need, "false", 0) == 1);
    /* AI_BOOL */
    CHECK(m1(&k_bool, NULL, 1) == 1 && m1(&k_bool, NULL, 0) == 0);
    CHECK(m1(&k_bool, "true", 1) == 1 && m1(&k_bool, "yes", 1) == 1);
    CHECK(m1(&k_bool, "false", 0) == 1 && m1(&k_bool, "no", 1) == 0);
    CHECK(!parses(&k_bool, "maybe") && !parses(&k_bool, "1"));
}

static unsigned fake_iface(const struct app_tx *tx, struct app_dce_iface *out, unsigned max)
{
    static const uint8_t u[16] = { 0x4b, 0x32, 0x4f, 0xc8, 0x16, 0x70, 0x01, 0xd3,
                                   0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88 };
    const struct fake *f = tx->meta;
    if (!max)
        return 0;
    memcpy(out[0].uuid, u, 16);
    out[0].ver = (uint16_t)f->v[0];
    out[0].first_frag = (uint8_t)f->v[1];
    return 1;
}
static const struct app_int_kw k_iface = { NULL, AI_DCE_IFACE, 0, NULL, NULL, fake_iface, 0, NULL };

static void test_iface(void)
{
    const char *u = "4b324fc8-1670-01d3-1278-5a47bf6ee188";
    uint64_t v[2] = { 3, 1 }, frag[2] = { 3, 0 };
    char a[128];
    CHECK(matches(&k_iface, u, 2, v) == 1);
    CHECK(matches(&k_iface, "4B324FC8-1670-01D3-1278-5A47BF6EE188", 2, v) == 1);
    CHECK(matches(&k_iface, "4b324fc8-1670-01d3-1278-5a47bf6ee189", 2, v) == 0);
    snprintf(a, sizeof(a), "%s,=3", u);
    CHECK(matches(&k_iface, a, 2, v) == 1);
    snprintf(a, sizeof(a), "%s,>3", u);
    CHECK(matches(&k_iface, a, 2, v) == 0);
    snprintf(a, sizeof(a), "%s,<4", u);
    CHECK(matches(&k_iface, a, 2, v) == 1);
    snprintf(a, sizeof(a), "%s,!3", u);
    CHECK(matches(&k_iface, a, 2, v) == 0);
    CHECK(matches(&k_iface, u, 2, frag) == 0);          /* not the first fragment */
    snprintf(a, sizeof(a), "%s,any_frag", u);
    CHECK(matches(&k_iface, a, 2, frag) == 1);
    snprintf(a, sizeof(a), "%s,>2,any_frag", u);
    CHECK(matches(&k_iface, a, 2, frag) == 1);
    /* errors */
    CHECK(!parses(&k_iface, "4b324fc8-1670-01d3-1278-5a47bf6ee18"));
    CHECK(!parses(&k_iface, "4b324fc8-1670-01d3-1278x5a47bf6ee188"));
    CHECK(!parses(&k_iface, "zb324fc8-1670-01d3-1278-5a47bf6ee188"));
    snprintf(a, sizeof(a), "%s,any_frag,>2", u);
    CHECK(!parses(&k_iface, a));
    snprintf(a, sizeof(a), "%s,>=3", u);              /* every comparison, or a bare number */
    CHECK(matches(&k_iface, a, 2, v) == 1);
    snprintf(a, sizeof(a), "%s,3", u);
    CHECK(matches(&k_iface, a, 2, v) == 1);
    snprintf(a, sizeof(a), "%s,2,any_frag", u);
    CHECK(matches(&k_iface, a, 2, frag) == 0);
    snprintf(a, sizeof(a), "%s,foo", u);
    CHECK(!parses(&k_iface, a));
    snprintf(a, sizeof(a), "%s,>70000", u);
    CHECK(!parses(&k_iface, a));
    CHECK(!parses(&k_iface, ""));
}

int main(void)
{
    test_uint();
    test_syntaxes();
    test_iface();
    return unit_done("rules_intkw");
}
