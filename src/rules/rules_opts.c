/* rules_opts.c - one handler per rule keyword other than the payload ones
 * (those are in rules_payload.c): meta (msg, sid, rev, gid, classtype,
 * priority, reference, metadata, target), flow, flowbits, flowint,
 * threshold, detection_filter, noalert, ip_proto, ttl, flags, itype, icode,
 * tls.version, ssl_version, app-layer-protocol; the dispatcher; and the
 * checks at the end of a rule.
 *
 * Keywords Suricata has that are not implemented here make the rule
 * SKIPPED with "unsupported keyword 'NAME'" (a stable prefix, so reasons
 * group); a keyword Suricata does not know either is an error that names
 * the nearest known one (rules_known.c). On a skip, rp->lenient is then set so that checks depending on buffer state
 * (which an unknown sticky buffer would have changed) cannot FAIL the rule.
 *
 * Ownership: strings and arrays hang off the rule (rules_set.c frees it
 * with them). */
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/core/util.h"

static int kw_msg(struct rparse *rp, const char *name, char *value)
{
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rules_util_unquote(value) < 0)
        return rules_util_fail(rp, "msg: bad quoting");
    free(rp->r->msg);
    rp->r->msg = xstrdup(value);
    return 0;
}

static int kw_u32(struct rparse *rp, const char *name, char *value)
{
    uint64_t v;
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rules_util_parse_u64(value, &v) < 0 || v > UINT32_MAX)
        return rules_util_fail(rp, "%s: bad value '%.40s'", name, value);
    if (!strcmp(name, "sid")) {
        if (rp->have_sid)
            return rules_util_fail(rp, "sid: given twice");
        if (!v)
            return rules_util_fail(rp, "sid: must not be 0");
        rp->r->sid = (uint32_t)v;
        rp->have_sid = 1;
    } else if (!strcmp(name, "rev")) {
        rp->r->rev = (uint32_t)v;
    } else {
        rp->r->gid = (uint32_t)v;
    }
    return 0;
}

static int kw_classtype(struct rparse *rp, const char *name, char *value)
{
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rp->r->classtype)
        return rules_util_fail(rp, "classtype: given twice");
    for (char *p = value; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return rules_util_fail(rp, "classtype: bad name '%.40s'", value);
    const struct rule_class *c = rules_class_find(rp->rs, value);
    if (!c && rp->rs->nclasses)
        return rules_util_fail(rp, "classtype: unknown classtype '%.40s'", value);
    rp->r->classtype = xstrdup(value);
    if (c) {
        rp->r->category = c->desc;
        if (!rp->have_priority)
            rp->r->priority = c->priority;
    }
    return 0;
}

static int kw_priority(struct rparse *rp, const char *name, char *value)
{
    uint64_t v;
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rules_util_parse_u64(value, &v) < 0 || v < 1 || v > 255)
        return rules_util_fail(rp, "priority: bad value '%.40s' (1 to 255)", value);
    rp->r->priority = (int)v;
    rp->have_priority = 1;
    return 0;
}

static int kw_reference(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    char *comma = strchr(value, ',');
    if (!comma || comma == value || !*rules_util_trim(comma + 1))
        return rules_util_fail(rp, "reference: needs 'type,value'");
    if (r->nreferences == rp->cap_refs) {
        rp->cap_refs = rp->cap_refs ? rp->cap_refs * 2 : 4;
        r->references = xreallocarray(r->references, rp->cap_refs, sizeof(*r->references));
    }
    r->references[r->nreferences++] = xstrdup(value);
    return 0;
}

static int kw_metadata(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    for (char *p = value, *item; (item = rules_util_next_item(&p));) {
        if (!*item)
            continue;
        char *sp = item;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        char *val = *sp ? rules_util_trim(sp + 1) : sp;
        *sp = 0;
        if (r->nmetadata == rp->cap_meta) {
            rp->cap_meta = rp->cap_meta ? rp->cap_meta * 2 : 8;
            r->metadata = xreallocarray(r->metadata, rp->cap_meta, sizeof(*r->metadata));
        }
        r->metadata[r->nmetadata].key = xstrdup(item);
        r->metadata[r->nmetadata].value = xstrdup(val);
        r->nmetadata++;
    }
    return 0;
}

static int kw_target(struct rparse *rp, const char *name, char *value)
{
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (strcmp(value, "src_ip") && strcmp(value, "dest_ip"))
        return rules_util_fail(rp, "target: must be src_ip or dest_ip");
    free(rp->r->target);
    rp->r->target = xstrdup(value);
    return 0;
}

static int kw_noalert(struct rparse *rp, const char *name, char *value)
{
    (void)name;
    if (value)
        return rules_util_fail(rp, "noalert: takes no value");
    rp->r->noalert = 1;
    return 0;
}

/* alert: (Suricata 7) a pass rule whose match is also logged. */
static int kw_alert(struct rparse *rp, const char *name, char *value)
{
    (void)name;
    if (value)
        return rules_util_fail(rp, "alert: takes no value");
    rp->r->alert = 1;
    return 0;
}

static int kw_flow(struct rparse *rp, const char *name, char *value)
{
    static const struct { const char *n; uint16_t f; } words[] = {
        { "established", RF_ESTABLISHED }, { "not_established", RF_NOT_ESTABLISHED },
        { "stateless", RF_STATELESS }, { "to_server", RF_TO_SERVER }, { "from_client", RF_TO_SERVER },
        { "to_client", RF_TO_CLIENT }, { "from_server", RF_TO_CLIENT },
        { "only_stream", RF_ONLY_STREAM }, { "no_stream", RF_NO_STREAM },
        { "only_frag", RF_ONLY_FRAG }, { "no_frag", RF_NO_FRAG },
    };
    static const uint16_t conflicts[][2] = {
        { RF_ESTABLISHED, RF_NOT_ESTABLISHED }, { RF_ESTABLISHED, RF_STATELESS },
        { RF_NOT_ESTABLISHED, RF_STATELESS }, { RF_TO_SERVER, RF_TO_CLIENT },
        { RF_ONLY_STREAM, RF_NO_STREAM }, { RF_ONLY_FRAG, RF_NO_FRAG },
    };
    uint16_t f = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    for (char *p = value, *w; (w = rules_util_next_item(&p));) {
        size_t i;
        for (i = 0; i < ARRAY_SIZE(words); i++)
            if (!strcasecmp(words[i].n, w))
                break;
        if (i == ARRAY_SIZE(words))
            return rules_util_fail(rp, "flow: unknown option '%.30s'", w);
        if (f & words[i].f)
            return rules_util_fail(rp, "flow: '%s' given twice", w);
        f |= words[i].f;
    }
    f |= rp->r->flow;
    for (size_t i = 0; i < ARRAY_SIZE(conflicts); i++)
        if ((f & conflicts[i][0]) && (f & conflicts[i][1]))
            return rules_util_fail(rp, "flow: conflicting options");
    rp->r->flow = f;
    return 0;
}

/* The id of a flowbit or flowint name in the ruleset's table (names, n),
 * added when new; UINT16_MAX when the table is full. */
static uint16_t intern_name(char ***names, uint32_t *n, const char *name, size_t len)
{
    for (uint32_t i = 0; i < *n; i++)
        if (strlen((*names)[i]) == len && !memcmp((*names)[i], name, len))
            return (uint16_t)i;
    if (*n >= UINT16_MAX)
        return UINT16_MAX;                      /* caller fails the rule */
    *names = xreallocarray(*names, *n + 1, sizeof(**names));
    char *s = xmalloc(len + 1);
    memcpy(s, name, len);
    s[len] = 0;
    (*names)[*n] = s;
    return (uint16_t)(*n)++;
}

static int valid_var_name(const char *s, size_t n)
{
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_-.:/", s[i]))
            return 0;
    return 1;
}

static int kw_flowbits(struct rparse *rp, const char *name, char *value)
{
    static const struct { const char *n; uint8_t op; } ops[] = {
        { "set", FB_SET }, { "unset", FB_UNSET }, { "toggle", FB_TOGGLE }, { "isset", FB_ISSET },
        { "isnotset", FB_ISNOTSET }, { "noalert", FB_NOALERT },
    };
    struct rule *r = rp->r;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    char *comma = strchr(value, ',');
    if (comma)
        *comma = 0;
    char *op = rules_util_trim(value), *names = comma ? rules_util_trim(comma + 1) : NULL;
    size_t i;
    for (i = 0; i < ARRAY_SIZE(ops); i++)
        if (!strcmp(ops[i].n, op))
            break;
    if (i == ARRAY_SIZE(ops))
        return rules_util_fail(rp, "flowbits: unknown command '%.30s'", op);
    if (ops[i].op == FB_NOALERT) {
        if (names)
            return rules_util_fail(rp, "flowbits: noalert takes no name");
        r->noalert = 1;
        return 0;
    }
    if (!names || !*names)
        return rules_util_fail(rp, "flowbits: %s needs a name", op);
    int has_or = strchr(names, '|') != NULL, has_and = strchr(names, '&') != NULL;
    if (has_or && has_and)
        return rules_util_fail(rp, "flowbits: cannot mix '|' and '&'");
    if (has_or && ops[i].op != FB_ISSET && ops[i].op != FB_ISNOTSET)
        return rules_util_fail(rp, "flowbits: '|' only with isset or isnotset");
    struct rule_flowbit fb = { .op = ops[i].op, .group = has_and ? FB_AND : FB_OR };
    char sep = has_and ? '&' : '|';
    for (char *p = names; p;) {
        char *c = strchr(p, sep);
        if (c)
            *c = 0;
        char *n = rules_util_trim(p);
        p = c ? c + 1 : NULL;
        if (!valid_var_name(n, strlen(n)) || fb.n >= 64) {
            free(fb.ids);
            return rules_util_fail(rp, "flowbits: bad name '%.40s'", n);
        }
        uint16_t id = intern_name(&rp->rs->flowbit_names, &rp->rs->nflowbits, n, strlen(n));
        if (id == UINT16_MAX) {
            free(fb.ids);
            return rules_util_fail(rp, "flowbits: too many names");
        }
        fb.ids = xreallocarray(fb.ids, fb.n + 1u, sizeof(*fb.ids));
        fb.ids[fb.n++] = id;
    }
    if (r->nflowbits == rp->cap_fb) {
        rp->cap_fb = rp->cap_fb ? rp->cap_fb * 2 : 4;
        r->flowbits = xreallocarray(r->flowbits, rp->cap_fb, sizeof(*r->flowbits));
    }
    r->flowbits[r->nflowbits++] = fb;
    return 0;
}

static int kw_flowint(struct rparse *rp, const char *name, char *value)
{
    static const struct { const char *n; uint8_t op; uint8_t needs; } ops[] = {
        { "=", FI_SET, 1 }, { "+", FI_ADD, 1 }, { "-", FI_SUB, 1 }, { "==", FI_EQ, 1 },
        { "!=", FI_NE, 1 }, { "<", FI_LT, 1 }, { ">", FI_GT, 1 }, { "<=", FI_LE, 1 },
        { ">=", FI_GE, 1 }, { "isset", FI_ISSET, 0 }, { "notset", FI_NOTSET, 0 },
        { "isnotset", FI_NOTSET, 0 },
    };
    struct rule *r = rp->r;
    char *a[3] = { NULL, NULL, NULL };
    int n = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    for (char *p = value; p && n < 3;) {
        char *c = n < 2 ? strchr(p, ',') : NULL;
        if (c)
            *c = 0;
        a[n++] = rules_util_trim(p);
        p = c ? c + 1 : NULL;
    }
    if (n < 2)
        return rules_util_fail(rp, "flowint: needs name,operator[,value]");
    size_t i;
    for (i = 0; i < ARRAY_SIZE(ops); i++)
        if (!strcmp(ops[i].n, a[1]))
            break;
    if (i == ARRAY_SIZE(ops))
        return rules_util_fail(rp, "flowint: unknown operator '%.10s'", a[1]);
    if (ops[i].needs != (n == 3))
        return rules_util_fail(rp, "flowint: '%s' %s a value", a[1],
                               ops[i].needs ? "needs" : "takes no");
    if (!valid_var_name(a[0], strlen(a[0])))
        return rules_util_fail(rp, "flowint: bad name '%.40s'", a[0]);
    struct rule_flowint fi = { .op = ops[i].op, .other = -1 };
    fi.id = intern_name(&rp->rs->flowint_names, &rp->rs->nflowints, a[0], strlen(a[0]));
    if (fi.id == UINT16_MAX)
        return rules_util_fail(rp, "flowint: too many names");
    if (n == 3) {
        uint64_t v;
        if (rules_util_parse_u64(a[2], &v) == 0) {
            if (v > UINT32_MAX)
                return rules_util_fail(rp, "flowint: value out of range");
            fi.value = (uint32_t)v;
        } else if (valid_var_name(a[2], strlen(a[2])) && !isdigit((unsigned char)a[2][0])) {
            uint16_t id = intern_name(&rp->rs->flowint_names, &rp->rs->nflowints, a[2], strlen(a[2]));
            if (id == UINT16_MAX || id > INT16_MAX)
                return rules_util_fail(rp, "flowint: too many names");
            fi.other = (int16_t)id;
        } else {
            return rules_util_fail(rp, "flowint: bad value '%.40s'", a[2]);
        }
    }
    if (r->nflowints == rp->cap_fi) {
        rp->cap_fi = rp->cap_fi ? rp->cap_fi * 2 : 4;
        r->flowints = xreallocarray(r->flowints, rp->cap_fi, sizeof(*r->flowints));
    }
    r->flowints[r->nflowints++] = fi;
    return 0;
}

static int kw_threshold(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    int df = !strcmp(name, "detection_filter");
    struct rule_threshold t = {0};
    int have_type = df, have_track = 0, have_count = 0, have_seconds = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (r->has & (RH_THRESH | RH_DFILTER))
        return rules_util_fail(rp, "%s: only one threshold or detection_filter per rule", name);
    if (df)
        t.type = TH_DETECTION_FILTER;
    for (char *p = value, *item; (item = rules_util_next_item(&p));) {
        char *sp = item;
        while (*sp && !isspace((unsigned char)*sp))
            sp++;
        char *arg = *sp ? rules_util_trim(sp + 1) : sp;
        *sp = 0;
        uint64_t v;
        if (!strcmp(item, "type") && !df) {
            if (!strcmp(arg, "limit")) t.type = TH_LIMIT;
            else if (!strcmp(arg, "threshold")) t.type = TH_THRESHOLD;
            else if (!strcmp(arg, "both")) t.type = TH_BOTH;
            else
                return rules_util_fail(rp, "%s: bad type '%.20s'", name, arg);
            have_type = 1;
        } else if (!strcmp(item, "track")) {
            if (!strcmp(arg, "by_src")) t.track = TRACK_BY_SRC;
            else if (!strcmp(arg, "by_dst")) t.track = TRACK_BY_DST;
            else if (!strcmp(arg, "by_rule")) t.track = TRACK_BY_RULE;
            else if (!strcmp(arg, "by_both")) t.track = TRACK_BY_BOTH;
            else if (!strcmp(arg, "by_flow")) t.track = TRACK_BY_FLOW;
            else
                return rules_util_fail(rp, "%s: bad track '%.20s'", name, arg);
            have_track = 1;
        } else if (!strcmp(item, "count")) {
            if (rules_util_parse_u64(arg, &v) < 0 || !v || v > UINT32_MAX)
                return rules_util_fail(rp, "%s: bad count '%.20s'", name, arg);
            t.count = (uint32_t)v;
            have_count = 1;
        } else if (!strcmp(item, "seconds")) {
            if (rules_util_parse_u64(arg, &v) < 0 || !v || v > UINT32_MAX)
                return rules_util_fail(rp, "%s: bad seconds '%.20s'", name, arg);
            t.seconds = (uint32_t)v;
            have_seconds = 1;
        } else {
            return rules_util_fail(rp, "%s: unknown option '%.20s'", name, item);
        }
    }
    if (!have_type || !have_track || !have_count || !have_seconds)
        return rules_util_fail(rp, "%s: needs %stype, track, count and seconds", name, df ? "" : "");
    if (df) {
        r->dfilter = t;
        r->has |= RH_DFILTER;
    } else {
        r->threshold = t;
        r->has |= RH_THRESH;
    }
    return 0;
}

static int kw_num8(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    struct rule_num *dst;
    uint16_t bit;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (!strcmp(name, "ttl")) dst = &r->ttl, bit = RH_TTL;
    else if (!strcmp(name, "itype")) dst = &r->itype, bit = RH_ITYPE;
    else dst = &r->icode, bit = RH_ICODE;
    struct rule_num num;
    if (rules_util_parse_num(value, &num, 255) < 0)
        return rules_util_fail(rp, "%s: bad value '%.40s'", name, value);
    if (r->has & bit)
        return rules_util_skip(rp, "unsupported: %s used more than once", name);
    *dst = num;
    r->has |= bit;
    return 0;
}

/* stream_size:server|client|both|either,<|<=|>|>=|=|!=,N */
static int kw_stream_size(struct rparse *rp, const char *name, char *value)
{
    static const char *const sides[] = { "server", "client", "both", "either" };
    static const struct { const char *op; uint8_t cmp; } ops[] = {
        { "<=", CMP_LE }, { ">=", CMP_GE }, { "!=", CMP_NE }, { "<", CMP_LT }, { ">", CMP_GT },
        { "=", CMP_EQ },
    };
    struct rule *r = rp->r;
    char *parts[3] = { NULL, NULL, NULL };
    unsigned n = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    for (char *p = value, *t; (t = rules_util_next_item(&p));) {
        if (n == 3)
            return rules_util_fail(rp, "%s: takes side, operator, value", name);
        parts[n++] = t;
    }
    if (n != 3)
        return rules_util_fail(rp, "%s: takes side, operator, value", name);
    int side = -1;
    for (int i = 0; i < 4; i++)
        if (!strcmp(parts[0], sides[i]))
            side = i;
    int cmp = -1;
    for (size_t i = 0; i < ARRAY_SIZE(ops); i++)
        if (!strcmp(parts[1], ops[i].op))
            cmp = ops[i].cmp;
    uint64_t v;
    if (side < 0 || cmp < 0 || rules_util_parse_u64(parts[2], &v) < 0 || v > UINT32_MAX)
        return rules_util_fail(rp, "%s: bad value '%.20s,%.4s,%.20s'", name, parts[0], parts[1],
                               parts[2]);
    if (r->has & RH_STREAMSIZE)
        return rules_util_skip(rp, "unsupported: %s used more than once", name);
    r->stream_size.op = (uint8_t)cmp;
    r->stream_size.lo = v;
    r->ss_which = (uint8_t)side;
    r->has |= RH_STREAMSIZE;
    return 0;
}

static int kw_ip_proto(struct rparse *rp, const char *name, char *value)
{
    /* IANA numbers that <netinet/in.h> has no name for */
    enum { PROTO_EIGRP = 88, PROTO_OSPF = 89, PROTO_VRRP = 112, PROTO_L2TP = 115 };
    static const struct { const char *n; uint8_t p; } names[] = {
        { "icmp", IPPROTO_ICMP }, { "igmp", IPPROTO_IGMP }, { "ipip", IPPROTO_IPIP },
        { "tcp", IPPROTO_TCP }, { "egp", IPPROTO_EGP }, { "udp", IPPROTO_UDP },
        { "ipv6", IPPROTO_IPV6 }, { "ipv6-route", IPPROTO_ROUTING },
        { "ipv6-frag", IPPROTO_FRAGMENT }, { "rsvp", IPPROTO_RSVP }, { "gre", IPPROTO_GRE },
        { "esp", IPPROTO_ESP }, { "ah", IPPROTO_AH }, { "ipv6-icmp", IPPROTO_ICMPV6 },
        { "icmpv6", IPPROTO_ICMPV6 }, { "ipv6-nonxt", IPPROTO_NONE }, { "ipv6-opts", IPPROTO_DSTOPTS },
        { "eigrp", PROTO_EIGRP }, { "ospf", PROTO_OSPF }, { "pim", IPPROTO_PIM },
        { "vrrp", PROTO_VRRP }, { "l2tp", PROTO_L2TP }, { "sctp", IPPROTO_SCTP },
    };
    struct rule *r = rp->r;
    char buf[64];

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    char *p = value;
    int op = CMP_EQ;
    if (*p == '!') op = CMP_NE, p++;
    else if (*p == '<') op = CMP_LT, p++;
    else if (*p == '>') op = CMP_GT, p++;
    p = rules_util_trim(p);
    for (size_t i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcasecmp(names[i].n, p)) {
            snprintf(buf, sizeof(buf), "%u", names[i].p);
            p = buf;
            break;
        }
    uint64_t v;
    if (rules_util_parse_u64(p, &v) < 0 || v > 255 || (op == CMP_LT && !v) ||
        (op == CMP_GT && v == 255))
        return rules_util_fail(rp, "ip_proto: bad value '%.40s'", value);
    if (r->has & RH_IPPROTO)
        return rules_util_skip(rp, "unsupported: ip_proto used more than once");
    r->ip_proto.op = (uint8_t)op;
    r->ip_proto.lo = v;
    r->has |= RH_IPPROTO;
    return 0;
}

static int kw_flags(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    struct rule_tcpflags tf = { 0, 0, TF_EXACT };
    int zero = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (r->has & RH_FLAGS)
        return rules_util_fail(rp, "flags: used twice");
    char *comma = strchr(value, ',');
    if (comma)
        *comma = 0;
    for (const char *p = rules_util_trim(value); *p; p++) {
        uint8_t bit = 0;
        switch (toupper((unsigned char)*p)) {
        case 'F': bit = 0x01; break;
        case 'S': bit = 0x02; break;
        case 'R': bit = 0x04; break;
        case 'P': bit = 0x08; break;
        case 'A': bit = 0x10; break;
        case 'U': bit = 0x20; break;
        case 'E': case '2': bit = 0x40; break;
        case 'C': case '1': bit = 0x80; break;
        case '0': zero = 1; break;
        case '+': tf.mode = TF_PLUS; break;
        case '*': tf.mode = TF_ANY; break;
        case '!': tf.mode = TF_NOT; break;
        case ' ': break;
        default:
            return rules_util_fail(rp, "flags: unknown flag '%c'",
                                   isprint((unsigned char)*p) ? *p : '?');
        }
        tf.bits |= bit;
    }
    if (zero && tf.bits)
        return rules_util_fail(rp, "flags: '0' with other flags");
    if (!zero && !tf.bits)
        return rules_util_fail(rp, "flags: no flags given");
    if (comma) {
        for (const char *p = rules_util_trim(comma + 1); *p; p++) {
            switch (toupper((unsigned char)*p)) {
            case 'F': tf.ignore |= 0x01; break;
            case 'S': tf.ignore |= 0x02; break;
            case 'R': tf.ignore |= 0x04; break;
            case 'P': tf.ignore |= 0x08; break;
            case 'A': tf.ignore |= 0x10; break;
            case 'U': tf.ignore |= 0x20; break;
            case 'E': case '2': tf.ignore |= 0x40; break;
            case 'C': case '1': tf.ignore |= 0x80; break;
            case ' ': break;
            default:
                return rules_util_fail(rp, "flags: unknown flag in ignore mask");
            }
        }
    }
    r->tcpflags = tf;
    r->has |= RH_FLAGS;
    return 0;
}

static int tls_ver_bit(const char *s)
{
    static const struct { const char *n; int bit; } v[] = {
        { "ssl3", 0 }, { "sslv3", 0 }, { "3.0", 0 }, { "1.0", 1 }, { "tls1.0", 1 },
        { "1.1", 2 }, { "tls1.1", 2 }, { "1.2", 3 }, { "tls1.2", 3 }, { "1.3", 4 }, { "tls1.3", 4 },
    };
    for (size_t i = 0; i < ARRAY_SIZE(v); i++)
        if (!strcasecmp(v[i].n, s))
            return v[i].bit;
    uint64_t x;
    if (rules_util_parse_u64(s, &x) == 0 && x >= 0x0300 && x <= 0x0304)
        return (int)(x - 0x0300);
    return -1;
}

static int kw_tls_version(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    int ssl = !strcmp(name, "ssl_version");
    uint16_t bits = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    for (char *p = value, *w; (w = rules_util_next_item(&p));) {
        if (ssl && *w == '!')
            return rules_util_skip(rp, "unsupported ssl_version negation");
        if (ssl && !strcasecmp(w, "sslv2"))
            return rules_util_skip(rp, "unsupported ssl_version 'sslv2'");
        int b = tls_ver_bit(w);
        if (b < 0 || (!ssl && bits))
            return rules_util_fail(rp, "%s: bad version '%.20s'", name, w);
        bits |= (uint16_t)(1u << b);
    }
    r->tls_versions |= bits;
    r->has |= RH_TLSVER;
    return 0;
}

static int kw_app_layer_protocol(struct rparse *rp, const char *name, char *value)
{
    struct rule *r = rp->r;
    int neg = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (*value == '!') {
        neg = 1;
        value = rules_util_trim(value + 1);
    }
    int app = rules_app_lookup(value);
    if (app == RAPP_NONE) {
        static const char *const known[] = { "failed", "unknown", "ftp-data", "pgsql",
                                             "bittorrent-dht", "http-any", "websocket", "ldap" };
        for (size_t i = 0; i < ARRAY_SIZE(known); i++)
            if (!strcasecmp(known[i], value))
                return rules_util_skip(rp, "unsupported app-layer-protocol '%s'", value);
        return rules_util_fail(rp, "app-layer-protocol: unknown protocol '%.30s'", value);
    }
    if (r->has & RH_APPLAYER)
        return rules_util_skip(rp, "unsupported app-layer-protocol used twice");
    if (r->proto == RP_APP && (r->app != app || neg))
        return rules_util_skip(rp, "unsupported app-layer-protocol differing from the header protocol");
    r->app = (uint8_t)app;
    r->app_neg = (uint8_t)neg;
    r->has |= RH_APPLAYER;
    return 0;
}

typedef int (*kw_fn)(struct rparse *, const char *, char *);
static const struct { const char *name; kw_fn fn; } kw_table[] = {
    { "msg", kw_msg }, { "sid", kw_u32 }, { "rev", kw_u32 }, { "gid", kw_u32 },
    { "classtype", kw_classtype }, { "priority", kw_priority }, { "reference", kw_reference },
    { "metadata", kw_metadata }, { "target", kw_target }, { "noalert", kw_noalert },
    { "alert", kw_alert },
    { "flow", kw_flow }, { "flowbits", kw_flowbits }, { "flowint", kw_flowint },
    { "threshold", kw_threshold }, { "detection_filter", kw_threshold },
    { "ttl", kw_num8 }, { "itype", kw_num8 }, { "icode", kw_num8 }, { "ip_proto", kw_ip_proto },
    { "flags", kw_flags }, { "tls.version", kw_tls_version }, { "ssl_version", kw_tls_version },
    { "app-layer-protocol", kw_app_layer_protocol }, { "stream_size", kw_stream_size },
};

int rules_opts_apply(struct rparse *rp, const char *name, char *value)
{
    char copy[64];

    for (size_t i = 0; i < ARRAY_SIZE(kw_table); i++)
        if (!strcmp(kw_table[i].name, name))
            return kw_table[i].fn(rp, name, value);
    rules_kw_fn fn = rules_payload_lookup(name);
    if (fn)
        return fn(rp, name, value);
    int fr = rules_file_apply(rp, name, value);
    if (fr)
        return fr < 0 ? -1 : 0;
    int ir = rules_intkw_apply(rp, name, value);
    if (ir)
        return ir < 0 ? -1 : 0;
    if (rules_payload_buffer_kw(rp, name, value))
        return rp->status == RS_FAILED ? -1 : 0;
    snprintf(copy, sizeof(copy), "%s", name);
    if (!rules_known_suricata(copy)) {       /* nobody's keyword: a typo, an error */
        const char *near = rules_known_nearest(copy);
        if (near)
            return rules_util_fail(rp, "unknown keyword '%s' (did you mean '%s'?)", copy, near);
        return rules_util_fail(rp, "unknown keyword '%s'", copy);
    }
    rp->lenient = 1;
    return rules_util_skip(rp, "unsupported keyword '%s'", copy);
}

void rules_opts_finish(struct rparse *rp)
{
    if (!rp->have_sid) {
        rules_util_fail(rp, "no sid");
        return;
    }
    rules_payload_finish(rp);
}
