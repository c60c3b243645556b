/* intel.c - indicator sets (see intel.h).
 *
 * IPs go into a netset (longest prefix wins). Domains, JA3 hashes and URLs
 * go into one open-addressing string table keyed by (type, lower-cased
 * value); a domain lookup tries the name and then each parent after a '.',
 * so the cost is one probe per label. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/enrich/enrich.h"
#include "taishi/enrich/intel.h"
#include "taishi/core/util.h"

struct intel {
    struct indicator *ind;
    size_t n, cap;
    struct netset *ips;
    uint32_t *slots;            /* index + 1 into ind, 0 = empty */
    size_t nslots;
    uint32_t types;             /* bit t: some indicator of type t */
};

const char *intel_ioc_type_name(enum ioc_type t)
{
    static const char *const n[IOC_MAX] = { "ip", "domain", "ja3", "url", "md5", "sha1", "sha256" };
    return (unsigned)t < IOC_MAX ? n[t] : "unknown";
}

static uint64_t str_hash(enum ioc_type t, const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL ^ (uint64_t)t;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)tolower((unsigned char)s[i])) * 0x100000001b3ULL;
    return mix64(h);
}

static const struct indicator *table_find(const struct intel *in, enum ioc_type t, const char *s,
                                          size_t len)
{
    if (!in->nslots)
        return NULL;
    for (size_t i = str_hash(t, s, len) & (in->nslots - 1);; i = (i + 1) & (in->nslots - 1)) {
        uint32_t v = in->slots[i];
        if (!v)
            return NULL;
        const struct indicator *d = &in->ind[v - 1];
        if (d->type == t && strlen(d->value) == len && !strncasecmp(d->value, s, len))
            return d;
    }
}

/* Drops removed indicators (value emptied), then builds the IP set and the
 * string table from what is left. */
static void table_build(struct intel *in)
{
    size_t kept = 0;
    for (size_t i = 0; i < in->n; i++)
        if (in->ind[i].value[0])
            in->ind[kept++] = in->ind[i];
    in->n = kept;
    in->types = 0;
    for (size_t i = 0; i < in->n; i++)
        in->types |= 1u << in->ind[i].type;
    for (size_t i = 0; i < in->n; i++)
        if (in->ind[i].type == IOC_IP)
            netset_add_text(in->ips, in->ind[i].value, (uint32_t)i);
    in->nslots = 16;
    while (in->nslots < in->n * 2 + 2)
        in->nslots <<= 1;
    in->slots = xcalloc(in->nslots, sizeof(*in->slots));
    for (size_t k = 0; k < in->n; k++) {
        const struct indicator *d = &in->ind[k];
        if (d->type == IOC_IP || table_find(in, d->type, d->value, strlen(d->value)))
            continue;                       /* the first listing of a duplicate wins */
        size_t i = str_hash(d->type, d->value, strlen(d->value)) & (in->nslots - 1);
        while (in->slots[i])
            i = (i + 1) & (in->nslots - 1);
        in->slots[i] = (uint32_t)k + 1;
    }
}

static int is_hexn(const char *s, size_t n)
{
    if (strlen(s) != n)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int is_hex32(const char *s)
{
    if (strlen(s) != 32)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int is_domain(const char *s)
{
    int dot = 0;
    if (!*s || *s == '.' || strlen(s) > 253)
        return 0;
    for (; *s; s++) {
        if (*s == '.')
            dot = 1;
        else if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return 0;
    }
    return dot;
}

/* Recognises the type of a bare value; -1 when it is none of them. */
static int guess_type(const char *v)
{
    struct netset *t = netset_create();
    int ip = netset_add_text(t, v, 0) == 0;
    netset_destroy(t);
    if (ip)
        return IOC_IP;
    if (is_hex32(v))
        return IOC_JA3;
    if (is_hexn(v, 40))
        return IOC_SHA1;
    if (is_hexn(v, 64))
        return IOC_SHA256;
    if (!strncasecmp(v, "http://", 7) || !strncasecmp(v, "https://", 8) || (strchr(v, '/') && is_domain(
        strndupa(v, (size_t)(strchr(v, '/') - v)))))
        return IOC_URL;
    if (is_domain(v))
        return IOC_DOMAIN;
    return -1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

static int add(struct intel *in, enum ioc_type t, const char *value, const char *source, int sev,
               char *why, size_t whylen)
{
    char v[256];
    const char *p = value;

    if (t == IOC_URL) {                     /* keep host + path */
        if (!strncasecmp(p, "http://", 7))
            p += 7;
        else if (!strncasecmp(p, "https://", 8))
            p += 8;
    }
    if (strlen(p) >= sizeof(v)) {
        snprintf(why, whylen, "value too long");
        return -1;
    }
    strcpy(v, p);
    if (t == IOC_DOMAIN && v[strlen(v) - 1] == '.')
        v[strlen(v) - 1] = 0;               /* "example.net." is example.net */
    if ((t == IOC_MD5 && !is_hexn(v, 32)) || (t == IOC_SHA1 && !is_hexn(v, 40)) ||
        (t == IOC_SHA256 && !is_hexn(v, 64)) ||
        (t == IOC_IP && guess_type(v) != IOC_IP) || (t == IOC_JA3 && !is_hex32(v)) ||
        (t == IOC_DOMAIN && !is_domain(v)) || (t == IOC_URL && !strchr(v, '/'))) {
        snprintf(why, whylen, "'%s' is not a valid %s indicator", value, intel_ioc_type_name(t));
        return -1;
    }
    if (in->n == in->cap) {
        in->cap = in->cap ? in->cap * 2 : 256;
        in->ind = xreallocarray(in->ind, in->cap, sizeof(*in->ind));
    }
    struct indicator *d = &in->ind[in->n];
    memset(d, 0, sizeof(*d));
    d->type = t;
    snprintf(d->value, sizeof(d->value), "%s", v);
    snprintf(d->source, sizeof(d->source), "%s", source);
    d->severity = (uint8_t)sev;
    d->sid = (uint32_t)(str_hash(t, v, strlen(v)) % 900000000u) + 100000000u;
    in->n++;
    return 0;
}

static int load_file(struct intel *in, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[1024], why[300], deflt[64];
    unsigned lineno = 0;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;

    if (!f) {
        snprintf(err, errlen, "intel.files: cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    snprintf(deflt, sizeof(deflt), "%s", base);
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *c = strchr(line, '#');
        if (c)
            *c = 0;
        char *s = trim(line), *fld[4] = { 0 }, *save = NULL;
        if (!*s)
            continue;
        int n = 0;
        if (strchr(s, ',')) {
            for (char *t = strtok_r(s, ",", &save); t && n < 4; t = strtok_r(NULL, ",", &save))
                fld[n++] = trim(t);
        } else {
            fld[n++] = s;
        }
        int type = -1, sev = 2;
        const char *value = fld[0], *src = deflt;
        if (n >= 2) {
            for (int t = 0; t < IOC_MAX; t++)
                if (!strcasecmp(fld[0], intel_ioc_type_name((enum ioc_type)t)))
                    type = t;
            if (type < 0 && !strcasecmp(fld[0], "type"))
                continue;                   /* a header line */
            if (type < 0) {
                snprintf(err, errlen, "%s:%u: unknown indicator type '%s' (ip, domain, ja3, url, md5, sha1, sha256)",
                         path, lineno, fld[0]);
                goto fail;
            }
            value = fld[1];
            if (n >= 3 && *fld[2])
                src = fld[2];
            if (n >= 4 && (sev = atoi(fld[3])) < 1)
                sev = 1;
        } else if ((type = guess_type(value)) < 0) {
            snprintf(err, errlen, "%s:%u: '%s' is not an IP, CIDR, domain, JA3 hash, SHA-1, SHA-256 or URL", path,
                     lineno, value);
            goto fail;
        }
        if (add(in, (enum ioc_type)type, value, src, sev > 255 ? 255 : sev, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s:%u: %s", path, lineno, why);
            goto fail;
        }
    }
    fclose(f);
    return 0;
fail:
    fclose(f);
    return -1;
}

/* Applies "add,type,value[,source[,severity]]" / "remove,type,value" to the
 * staged indicators; returns 0, or -1 with a reason. */
static int apply_update(struct intel *in, const char *line, char *why, size_t whylen)
{
    char buf[1024], *fld[5] = { 0 }, *save = NULL;
    int n = 0;

    snprintf(buf, sizeof(buf), "%s", line);
    for (char *t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
        fld[n++] = trim(t);
    if (n < 3) {
        snprintf(why, whylen, "want add|remove,type,value[,source[,severity]]");
        return -1;
    }
    int type = -1;
    for (int t = 0; t < IOC_MAX; t++)
        if (!strcasecmp(fld[1], intel_ioc_type_name((enum ioc_type)t)))
            type = t;
    if (type < 0) {
        snprintf(why, whylen, "unknown indicator type '%s'", fld[1]);
        return -1;
    }
    if (!strcasecmp(fld[0], "add")) {
        int sev = n > 4 ? atoi(fld[4]) : 2;
        return add(in, (enum ioc_type)type, fld[2], n > 3 && *fld[3] ? fld[3] : "kafka",
                   sev < 1 ? 1 : sev > 255 ? 255 : sev, why, whylen);
    }
    if (!strcasecmp(fld[0], "remove")) {
        const char *v = fld[2];
        if (type == IOC_URL && !strncasecmp(v, "http://", 7))
            v += 7;
        else if (type == IOC_URL && !strncasecmp(v, "https://", 8))
            v += 8;
        for (size_t i = 0; i < in->n; i++)
            if (in->ind[i].type == (enum ioc_type)type && !strcasecmp(in->ind[i].value, v))
                in->ind[i].value[0] = 0;    /* dropped by table_build */
        return 0;
    }
    snprintf(why, whylen, "unknown operation '%s' (add or remove)", fld[0]);
    return -1;
}

struct intel *intel_open(const struct config *cfg, char *err, size_t errlen)
{
    return intel_open_with(cfg, NULL, 0, err, errlen);
}

struct load_ctx {
    struct intel *in;
    char *err;
    size_t errlen;
};

static int load_item(const char *path, void *arg)
{
    struct load_ctx *lc = arg;
    return load_file(lc->in, path, lc->err, lc->errlen);
}

struct intel *intel_open_with(const struct config *cfg, char *const *updates, size_t nupdates,
                              char *err, size_t errlen)
{
    struct intel *in = xcalloc(1, sizeof(*in));
    struct load_ctx lc = { in, err, errlen };

    if (errlen)
        err[0] = 0;
    in->ips = netset_create();
    if (util_parse_list(cfg->intel_files, load_item, &lc) < 0) {
        if (!err[0])
            snprintf(err, errlen, "intel.files: not a list of files");
        intel_close(in);
        return NULL;
    }
    for (size_t u = 0; u < nupdates; u++) {
        char why[300];
        if (apply_update(in, updates[u], why, sizeof(why)) < 0)
            LOG(LVL_WARNING, "intel update '%.80s' ignored: %s", updates[u], why);
    }
    table_build(in);
    if (in->n)
        LOG(LVL_INFO, "intel: %zu indicators loaded", in->n);
    return in;
}

void intel_close(struct intel *in)
{
    if (!in)
        return;
    netset_destroy(in->ips);
    free(in->ind);
    free(in->slots);
    free(in);
}

size_t intel_count(const struct intel *in)
{
    return in->n;
}

const struct indicator *intel_match_ip(const struct intel *in, const uint8_t *addr, int ipver)
{
    uint32_t v = netset_lookup(in->ips, addr, ipver);
    return v ? &in->ind[v - 1] : NULL;
}

const struct indicator *intel_match_domain(const struct intel *in, const char *name)
{
    size_t len = strlen(name);
    if (len && name[len - 1] == '.')
        len--;
    for (const char *p = name; len > 0;) {
        const struct indicator *d = table_find(in, IOC_DOMAIN, p, len);
        if (d)
            return d;
        const char *dot = memchr(p, '.', len);
        if (!dot)
            return NULL;
        len -= (size_t)(dot + 1 - p);
        p = dot + 1;
    }
    return NULL;
}

const struct indicator *intel_match_ja3(const struct intel *in, const char *md5hex)
{
    return *md5hex ? table_find(in, IOC_JA3, md5hex, strlen(md5hex)) : NULL;
}

const struct indicator *intel_match_url(const struct intel *in, const char *host, const char *path)
{
    char u[512];
    int n = snprintf(u, sizeof(u), "%s%s", host, path);
    if (n <= 0 || (size_t)n >= sizeof(u))
        return NULL;
    return table_find(in, IOC_URL, u, (size_t)n);
}

const struct indicator *intel_match_hash(const struct intel *in, enum ioc_type t, const char *hex)
{
    if (!hex || !*hex || (t != IOC_MD5 && t != IOC_SHA1 && t != IOC_SHA256))
        return NULL;
    return table_find(in, t, hex, strlen(hex));
}

int intel_has_type(const struct intel *in, enum ioc_type t)
{
    return in && (unsigned)t < IOC_MAX && (in->types >> t) & 1;
}
