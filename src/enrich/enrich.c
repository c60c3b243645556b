/* enrich.c - loads the context sources (GeoIP/ASN databases, the asset map,
 * HOME_NET, the cross-border allow list) and answers per-address lookups
 * through each worker's cache (see enrich.h).
 *
 * GeoIP: up to three MaxMind databases, any of them optional: a City DB
 * (country, first subdivision, city), a Country DB (country only, used when
 * there is no City DB) and an ASN DB. Lookups use MMDB_lookup_sockaddr, and
 * IPv4 addresses are looked up as IPv4 (libmaxminddb walks the IPv4 subtree
 * of an IPv6 database itself). A database that is missing or corrupt
 * refuses start-up with the key named.
 *
 * Asset map (enrich.assets): CSV lines "cidr,name,owner,criticality,tags",
 * tags separated by ';', '#' comments and a header line allowed; fields may
 * be double-quoted. A bad line refuses start-up with file:line. */
#include <arpa/inet.h>
#include <errno.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/enrich/enrich.h"
#include "taishi/core/util.h"

struct enrich {
    MMDB_s city, country, asn;
    int has_city, has_country, has_asn;
    struct netset *home, *assets;
    struct asset_info *asset;
    size_t nasset;
    char allowed[64][3];
    int nallowed;
};

#define CACHE_SIZE 4096

struct cache_entry {
    uint8_t addr[16];
    uint8_t ipver;
    struct geo_info geo;
    const struct asset_info *asset;
};

struct enrich_cache {
    const struct enrich *e;
    struct cache_entry *t;
    int active;                 /* the enrich object has any source to ask */
};

static int open_db(MMDB_s *db, const char *path, const char *key, char *err, size_t errlen)
{
    int r = MMDB_open(path, MMDB_MODE_MMAP, db);
    if (r != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: cannot open '%s': %s%s%s", key, path, MMDB_strerror(r),
                 r == MMDB_IO_ERROR ? ": " : "", r == MMDB_IO_ERROR ? strerror(errno) : "");
        return -1;
    }
    return 0;
}

/* Splits one CSV line into at most n fields (double quotes group, "" is a quote). */
static int csv_fields(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;

    while (k < n) {
        while (*p == ' ' || *p == '\t')
            p++;
        f[k++] = p;
        if (*p == '"') {
            char *w = ++p;
            f[k - 1] = w;
            for (;;) {
                if (!*p)
                    return -1;              /* unterminated quote */
                if (*p == '"' && p[1] == '"') { *w++ = '"'; p += 2; continue; }
                if (*p == '"') { p++; break; }
                *w++ = *p++;
            }
            *w = 0;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == ',') { p++; continue; }
            if (*p) return -1;
            break;
        }
        char *c = strchr(p, ',');
        char *e = c ? c : p + strlen(p);
        while (e > f[k - 1] && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
            e--;
        if (!c) {
            *e = 0;
            break;
        }
        *e = 0;
        p = c + 1;
    }
    return k;
}

static int load_assets(struct enrich *e, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    char line[2048];
    unsigned lineno = 0;
    size_t cap = 0;

    if (!f) {
        snprintf(err, errlen, "enrich.assets: cannot open '%s': %s", path, strerror(errno));
        return -1;
    }
    e->assets = netset_create();
    while (fgets(line, sizeof(line), f)) {
        char *fld[5] = { 0 };
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            snprintf(err, errlen, "%s:%u: line too long", path, lineno);
            goto fail;
        }
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '#' || *p == '\n' || *p == '\r' || !*p)
            continue;
        int n = csv_fields(p, fld, 5);
        if (n < 0) {
            snprintf(err, errlen, "%s:%u: unbalanced double quotes", path, lineno);
            goto fail;
        }
        if (!strcasecmp(fld[0], "cidr"))
            continue;                       /* header */
        if (n < 2 || !*fld[1]) {
            snprintf(err, errlen, "%s:%u: want cidr,name[,owner,criticality,tags]", path, lineno);
            goto fail;
        }
        if (e->nasset == cap) {
            cap = cap ? cap * 2 : 64;
            e->asset = xreallocarray(e->asset, cap, sizeof(*e->asset));
        }
        struct asset_info *a = &e->asset[e->nasset];
        memset(a, 0, sizeof(*a));
        snprintf(a->name, sizeof(a->name), "%s", fld[1]);
        snprintf(a->owner, sizeof(a->owner), "%s", n > 2 ? fld[2] : "");
        snprintf(a->criticality, sizeof(a->criticality), "%s", n > 3 ? fld[3] : "");
        if (n > 4) {
            char *save = NULL;
            for (char *t = strtok_r(fld[4], ";", &save); t && a->ntags < 8; t = strtok_r(NULL, ";", &save))
                if (*t)
                    snprintf(a->tags[a->ntags++], sizeof(a->tags[0]), "%s", t);
        }
        if (netset_add_text(e->assets, fld[0], (uint32_t)e->nasset) < 0) {
            snprintf(err, errlen, "%s:%u: '%s' is not an address or CIDR prefix", path, lineno, fld[0]);
            goto fail;
        }
        e->nasset++;
    }
    fclose(f);
    return 0;
fail:
    fclose(f);
    return -1;
}

static int add_country(const char *iso, void *arg)
{
    struct enrich *e = arg;
    if (e->nallowed < 64)
        snprintf(e->allowed[e->nallowed++], 3, "%s", iso);
    return 0;
}

struct enrich *enrich_open(const struct config *cfg, char *err, size_t errlen)
{
    struct enrich *e = xcalloc(1, sizeof(*e));
    char why[200];

    e->home = netset_create();
    if (netset_add_list(e->home, cfg->home_net, 0, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "vars.HOME_NET: %s", why);
        goto fail;
    }
    util_parse_list(cfg->xborder_allowed, add_country, e);
    if (cfg->geoip_city[0] && open_db(&e->city, cfg->geoip_city, "enrich.geoip.city", err, errlen) < 0)
        goto fail;
    e->has_city = cfg->geoip_city[0] != 0;
    if (cfg->geoip_country[0] &&
        open_db(&e->country, cfg->geoip_country, "enrich.geoip.country", err, errlen) < 0)
        goto fail;
    e->has_country = cfg->geoip_country[0] != 0;
    if (cfg->geoip_asn[0] && open_db(&e->asn, cfg->geoip_asn, "enrich.geoip.asn", err, errlen) < 0)
        goto fail;
    e->has_asn = cfg->geoip_asn[0] != 0;
    if (cfg->assets_file[0] && load_assets(e, cfg->assets_file, err, errlen) < 0)
        goto fail;
    return e;
fail:
    enrich_close(e);
    return NULL;
}

void enrich_close(struct enrich *e)
{
    if (!e)
        return;
    if (e->has_city)
        MMDB_close(&e->city);
    if (e->has_country)
        MMDB_close(&e->country);
    if (e->has_asn)
        MMDB_close(&e->asn);
    netset_destroy(e->home);
    netset_destroy(e->assets);
    free(e->asset);
    free(e);
}

int enrich_has_context(const struct enrich *e)
{
    return e->has_city || e->has_country || e->has_asn || e->nasset > 0;
}

int enrich_has_geo(const struct enrich *e)
{
    return e->has_city || e->has_country;
}

int enrich_is_home(const struct enrich *e, const uint8_t *addr, int ipver)
{
    return netset_lookup(e->home, addr, ipver) != 0;
}

int enrich_country_allowed(const struct enrich *e, const char *iso)
{
    for (int i = 0; i < e->nallowed; i++)
        if (!strcmp(e->allowed[i], iso))
            return 1;
    return 0;
}

/* Copies a string value at `path` (NULL-terminated list) into out. */
static void get_str(MMDB_entry_s *en, char *out, size_t outlen, const char *const *path)
{
    MMDB_entry_data_s d;
    if (MMDB_aget_value(en, &d, path) == MMDB_SUCCESS && d.has_data &&
        d.type == MMDB_DATA_TYPE_UTF8_STRING) {
        size_t n = MIN((size_t)d.data_size, outlen - 1);
        if (n < d.data_size)                /* cut at a character boundary, not inside one */
            while (n > 0 && ((unsigned char)d.utf8_string[n] & 0xc0) == 0x80)
                n--;
        memcpy(out, d.utf8_string, n);
        out[n] = 0;
    }
}

static int lookup(const MMDB_s *db, const uint8_t *addr, int ipver, MMDB_lookup_result_s *r)
{
    struct sockaddr_storage ss;
    int mmerr = 0;

    memset(&ss, 0, sizeof(ss));
    if (ipver == 6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, addr, 16);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, addr, 4);
    }
    *r = MMDB_lookup_sockaddr(db, (struct sockaddr *)&ss, &mmerr);
    return mmerr == MMDB_SUCCESS && r->found_entry;
}

static void geo_lookup(const struct enrich *e, const uint8_t *addr, int ipver, struct geo_info *g)
{
    static const char *const c_iso[] = { "country", "iso_code", NULL };
    static const char *const c_name[] = { "country", "names", "en", NULL };
    static const char *const r_iso[] = { "subdivisions", "0", "iso_code", NULL };
    static const char *const r_name[] = { "subdivisions", "0", "names", "en", NULL };
    static const char *const city[] = { "city", "names", "en", NULL };
    static const char *const as_org[] = { "autonomous_system_organization", NULL };
    static const char *const as_num[] = { "autonomous_system_number", NULL };
    MMDB_lookup_result_s r;

    memset(g, 0, sizeof(*g));
    const MMDB_s *cdb = e->has_city ? &e->city : e->has_country ? &e->country : NULL;
    if (cdb && lookup(cdb, addr, ipver, &r)) {
        get_str(&r.entry, g->country_iso, sizeof(g->country_iso), c_iso);
        get_str(&r.entry, g->country_name, sizeof(g->country_name), c_name);
        get_str(&r.entry, g->region_iso, sizeof(g->region_iso), r_iso);
        get_str(&r.entry, g->region_name, sizeof(g->region_name), r_name);
        get_str(&r.entry, g->city_name, sizeof(g->city_name), city);
        if (!g->country_iso[0] && e->has_city && e->has_country && lookup(&e->country, addr, ipver, &r)) {
            get_str(&r.entry, g->country_iso, sizeof(g->country_iso), c_iso);
            get_str(&r.entry, g->country_name, sizeof(g->country_name), c_name);
        }
    } else if (e->has_city && e->has_country && lookup(&e->country, addr, ipver, &r)) {
        get_str(&r.entry, g->country_iso, sizeof(g->country_iso), c_iso);
        get_str(&r.entry, g->country_name, sizeof(g->country_name), c_name);
    }
    if (e->has_asn && lookup(&e->asn, addr, ipver, &r)) {
        MMDB_entry_data_s d;
        if (MMDB_aget_value(&r.entry, &d, as_num) == MMDB_SUCCESS && d.has_data) {
            if (d.type == MMDB_DATA_TYPE_UINT32)
                g->asn = d.uint32;
            else if (d.type == MMDB_DATA_TYPE_UINT16)
                g->asn = d.uint16;
        }
        get_str(&r.entry, g->as_org, sizeof(g->as_org), as_org);
    }
    g->found = g->country_iso[0] || g->country_name[0] || g->city_name[0] || g->asn || g->as_org[0];
}

struct enrich_cache *enrich_cache_create(const struct enrich *e)
{
    struct enrich_cache *c = xcalloc(1, sizeof(*c));
    c->e = e;
    c->t = xcalloc(CACHE_SIZE, sizeof(*c->t));
    c->active = enrich_has_context(e);
    return c;
}

void enrich_cache_destroy(struct enrich_cache *c)
{
    if (!c)
        return;
    free(c->t);
    free(c);
}

int enrich_cache_active(const struct enrich_cache *c)
{
    return c && c->active;
}

void enrich_lookup(struct enrich_cache *c, const uint8_t *addr, int ipver,
                   const struct geo_info **geo, const struct asset_info **asset)
{
    uint64_t x, y;
    memcpy(&x, addr, 8);
    memcpy(&y, addr + 8, 8);
    struct cache_entry *ce = &c->t[mix64(x ^ mix64(y ^ (uint64_t)ipver)) & (CACHE_SIZE - 1)];

    if (ce->ipver != ipver || memcmp(ce->addr, addr, 16)) {
        ce->ipver = (uint8_t)ipver;
        memcpy(ce->addr, addr, 16);
        geo_lookup(c->e, addr, ipver, &ce->geo);
        uint32_t v = netset_lookup(c->e->assets, addr, ipver);
        ce->asset = v ? &c->e->asset[v - 1] : NULL;
    }
    *geo = &ce->geo;
    *asset = ce->asset;
}

const char *enrich_lib_version(void)
{
    return MMDB_lib_version();
}
