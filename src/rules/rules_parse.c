/* rules_parse.c - one rule: the header, the option tokenizer, and the
 * verdict (rules_set.c reads the files, cuts them into rules and keeps the
 * ruleset; the keyword handlers are rules_opts.c and rules_payload.c).
 *
 * A rule longer than RULE_LINE_MAX or with a NUL byte FAILS without being
 * read further.
 *
 * Header: action protocol src sport direction dst dport, whitespace
 * separated (a bracketed list may hold spaces). Options: `name[:value];`
 * up to the rule's last ')'. A value ends at the first ';' that is not
 * escaped (\;), inside quotes too, as in Suricata (whose ET rules carry
 * unescaped '"' inside pcre values); the value is handed raw (quotes and
 * escapes as written) to the keyword handler, which knows how to read it.
 *
 * Ownership: the rule made here (rp->r) is the caller's, loaded or not. */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/core/util.h"

/* Finds "sid:N" in the options for problem reports made before the sid
 * option itself is read (header errors). 0 when there is none. */
static uint32_t peek_sid(const char *s)
{
    for (const char *p = strstr(s, "sid"); p; p = strstr(p + 1, "sid")) {
        if (p > s && !(p[-1] == ';' || p[-1] == '(' || isspace((unsigned char)p[-1])))
            continue;
        const char *q = p + 3;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != ':')
            continue;
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        uint64_t v = 0;
        int nd = 0;
        while (isdigit((unsigned char)*q) && nd < 10)
            v = v * 10 + (uint64_t)(*q++ - '0'), nd++;
        if (nd && v <= UINT32_MAX)
            return (uint32_t)v;
    }
    return 0;
}

/* Next header token: whitespace separated, brackets may hold whitespace. */
static char *next_token(char **pp)
{
    char *p = *pp;
    int depth = 0;

    while (isspace((unsigned char)*p))
        p++;
    if (!*p || *p == '(')
        return NULL;
    char *start = p;
    while (*p && (depth > 0 || !isspace((unsigned char)*p))) {
        if (*p == '[')
            depth++;
        else if (*p == ']' && depth > 0)
            depth--;
        p++;
    }
    if (*p)
        *p++ = 0;
    *pp = p;
    return start;
}

static int parse_action(struct rparse *rp, const char *a)
{
    static const struct { const char *n; uint8_t a; } acts[] = {
        { "alert", RA_ALERT }, { "drop", RA_DROP }, { "reject", RA_REJECT },
        { "rejectsrc", RA_REJECT }, { "rejectdst", RA_REJECT }, { "rejectboth", RA_REJECT },
        { "pass", RA_PASS },
    };
    for (size_t i = 0; i < ARRAY_SIZE(acts); i++)
        if (!strcmp(acts[i].n, a)) {
            rp->r->action = acts[i].a;
            return 0;
        }
    return rules_util_fail(rp, "unknown action '%.40s'", a);
}

static int parse_proto(struct rparse *rp, const char *p)
{
    struct rule *r = rp->r;
    static const struct { const char *n; uint8_t p; uint16_t flow; } l4[] = {
        { "ip", RP_IP, 0 }, { "tcp", RP_TCP, 0 }, { "udp", RP_UDP, 0 },
        { "icmp", RP_ICMP, 0 }, { "icmpv4", RP_ICMP, 0 }, { "icmpv6", RP_ICMPV6, 0 },
        { "tcp-pkt", RP_TCP, RF_NO_STREAM }, { "tcp-stream", RP_TCP, RF_ONLY_STREAM },
    };
    /* Protocols Suricata 7 knows that this engine does not. */
    static const char *const unsupported[] = {
        "ipv4", "ip4", "ipv6", "ip6", "sctp", "pkthdr", "ftp-data", "pgsql", "bittorrent-dht",
        "http-any", "websocket", "ldap", "template", "msn", "ssl", "dns-tcp", "dns-udp",
    };
    for (size_t i = 0; i < ARRAY_SIZE(l4); i++)
        if (!strcasecmp(l4[i].n, p)) {
            r->proto = l4[i].p;
            r->flow |= l4[i].flow;
            return 0;
        }
    int app = rules_app_lookup(p);
    if (app != RAPP_NONE) {
        r->proto = RP_APP;
        r->app = (uint8_t)app;
        return 0;
    }
    for (size_t i = 0; i < ARRAY_SIZE(unsupported); i++)
        if (!strcasecmp(unsupported[i], p))
            return rules_util_skip(rp, "unsupported protocol '%s'", p);
    return rules_util_fail(rp, "unknown protocol '%.40s'", p);
}

static void apply_option(struct rparse *rp, char *name, char *value)
{
    for (char *q = name; *q; q++) {
        if (!(isalnum((unsigned char)*q) || *q == '.' || *q == '_' || *q == '-')) {
            rules_util_fail(rp, "invalid keyword '%.40s'", name);
            return;
        }
        *q = (char)tolower((unsigned char)*q);
    }
    rules_opts_apply(rp, name, value);
}

/* Splits the options between '(' and the last ')' and applies each. */
static void parse_options(struct rparse *rp, char *s)
{
    char *p = s;

    for (;;) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            return;
        char *name = p;
        while (*p && *p != ':' && *p != ';' && !isspace((unsigned char)*p))
            p++;
        char *name_end = p;
        while (isspace((unsigned char)*p))
            p++;
        char *value = NULL;
        if (*p == ':') {
            *name_end = 0;
            value = ++p;
            /* As Suricata: the first ';' not escaped ends the value, quotes
             * or not (a ';' inside a quoted string must be written \;). */
            while (*p && *p != ';') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            if (!*p) {
                rules_util_fail(rp, "%s: option not terminated by ';'", name);
                return;
            }
            *p++ = 0;
            value = rules_util_trim(value);
        } else if (*p == ';') {
            *name_end = 0;
            p++;
        } else {
            *name_end = 0;
            rules_util_fail(rp, "%s: option not terminated by ';'", *name ? name : "(empty)");
            return;
        }
        if (!*name) {
            rules_util_fail(rp, "empty option");
            return;
        }
        apply_option(rp, name, value);
        if (rp->status == RS_FAILED)
            return;
    }
}

/* Parses one logical line (NUL-terminated, trimmed) into rp->r. */
static void parse_rule(struct rparse *rp, char *line)
{
    struct rule *r = rp->r;
    char *p = line, *tok[7];
    char err[RULE_REASON_MAX];

    char *open = NULL;
    for (int i = 0; i < 7; i++) {
        tok[i] = next_token(&p);
        if (!tok[i]) {
            rules_util_fail(rp, i == 0 ? "empty rule" : "rule header too short (%d of 7 fields)", i);
            return;
        }
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p != '(') {
        rules_util_fail(rp, *p ? "rule header has extra field '%.40s'" : "rule has no options", p);
        return;
    }
    open = p + 1;
    char *close = open + strlen(open);
    while (close > open && isspace((unsigned char)close[-1]))
        close--;
    if (close == open || close[-1] != ')') {
        rules_util_fail(rp, "rule does not end with ')'");
        return;
    }
    close[-1] = 0;

    if (parse_action(rp, tok[0]) < 0 || (parse_proto(rp, tok[1]) < 0 && rp->status == RS_FAILED))
        return;
    if (!strcmp(tok[4], "<>"))
        r->bidir = 1;
    else if (strcmp(tok[4], "->")) {
        rules_util_fail(rp, "bad direction '%.10s' (-> or <>)", tok[4]);
        return;
    }
    if (rules_vars_addrs_parse(rp->vars, tok[2], &r->src, err, sizeof(err)) < 0 ||
        rules_vars_addrs_parse(rp->vars, tok[5], &r->dst, err, sizeof(err)) < 0 ||
        rules_vars_ports_parse(rp->vars, tok[3], &r->sport, err, sizeof(err)) < 0 ||
        rules_vars_ports_parse(rp->vars, tok[6], &r->dport, err, sizeof(err)) < 0) {
        rules_util_fail(rp, "%s", err);
        return;
    }
    parse_options(rp, open);
    if (rp->status != RS_FAILED)
        rules_opts_finish(rp);
}

uint32_t rules_parse_rule(struct rparse *rp, struct ruleset *rs, const struct rule_vars *vars,
                          const char *file, uint32_t lineno, char *line, size_t len)
{
    memset(rp, 0, sizeof(*rp));
    rp->rs = rs;
    rp->vars = vars;
    rp->status = RS_LOADED;
    rp->last_content = -1;
    rp->r = xcalloc(1, sizeof(*rp->r));
    rp->r->file = file;
    rp->r->line = lineno;
    rp->r->gid = 1;
    rp->r->priority = 3;

    if (memchr(line, 0, len)) {
        rules_util_fail(rp, "NUL byte in rule");
    } else if (len > RULE_LINE_MAX) {
        rules_util_fail(rp, "rule longer than %d bytes", RULE_LINE_MAX);
    } else {
        rp->r->text = xstrdup(line);
        parse_rule(rp, line);
    }
    return rp->have_sid ? rp->r->sid : (rp->r->text ? peek_sid(rp->r->text) : 0);
}
