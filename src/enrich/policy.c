/* policy.c - the policies' verdicts on a flow (policy.h): indicator
 * matching, the cross-border policy, the asset rule and the risk gate.
 *
 * These used to live inside the worker's packet loop, mixed with writing
 * the events; here they are plain functions of the flow and the read-only
 * sources, with unit tests of their own (tests/unit/test_policy.c) that
 * need no capture. The worker asks them at the moments it always did (the
 * first packet, the end of detection, min-bytes, the flow's end), so the
 * events are unchanged.
 *
 * Ownership: nothing is kept; see policy.h. */
#include <netinet/in.h>
#include <string.h>

#include "taishi/app/app.h"
#include "taishi/dpi/dpi.h"
#include "taishi/enrich/policy.h"

static int add_hit(struct policy_intel_hit *hits, int n, const struct indicator *ind,
                   const char *matched)
{
    if (!ind)
        return n;
    hits[n].ind = ind;
    hits[n].matched = matched;
    return n + 1;
}

int policy_intel_addresses(const struct intel *in, const struct flow *f,
                           struct policy_intel_hit hits[2])
{
    if (!in)
        return 0;
    const struct indicator *s = intel_match_ip(in, f->key.src, f->key.ipver);
    const struct indicator *d = intel_match_ip(in, f->key.dst, f->key.ipver);
    int n = add_hit(hits, 0, s, "src_ip");
    return d != s ? add_hit(hits, n, d, "dest_ip") : n;
}

int policy_intel_file(const struct intel *in, const char *md5, const char *sha1,
                      const char *sha256, struct policy_intel_hit hits[3])
{
    if (!in)
        return 0;
    int n = add_hit(hits, 0, intel_match_hash(in, IOC_MD5, md5), "fileinfo.md5");
    n = add_hit(hits, n, intel_match_hash(in, IOC_SHA1, sha1), "fileinfo.sha1");
    return add_hit(hits, n, intel_match_hash(in, IOC_SHA256, sha256), "fileinfo.sha256");
}

int policy_intel_metadata(const struct intel *in, const struct flow *f, const char *app_proto,
                          struct policy_intel_hit hits[3])
{
    int n = 0;

    if (!in)
        return 0;
    if (f->dpi.host[0]) {
        const char *ap = app_proto ? app_proto : "";
        const char *what = !strcmp(ap, "tls") || !strcmp(ap, "quic") ? "tls.sni" :
                           !strcmp(ap, "http") ? "http.hostname" : !strcmp(ap, "dns") ? "dns.rrname" :
                           "ndpi.hostname";
        n = add_hit(hits, n, intel_match_domain(in, f->dpi.host), what);
    }
    if (f->dpi.ja3c[0])
        n = add_hit(hits, n, intel_match_ja3(in, f->dpi.ja3c), "tls.ja3.hash");
    if (f->dpi.url && f->dpi.host[0]) {     /* nDPI keeps host + path */
        const char *path = strchr(f->dpi.url, '/');
        if (path)
            n = add_hit(hits, n, intel_match_url(in, f->dpi.host, path), "http.url");
    }
    return n;
}

int policy_cross_border(const struct enrich *e, struct enrich_cache *ec, const struct config *cfg,
                        const struct flow *f, struct policy_cross_border *out)
{
    const struct geo_info *g;
    const struct asset_info *a;

    if (!e || !cfg->xborder_enabled || !enrich_has_geo(e))
        return 0;
    int src_home = enrich_is_home(e, f->key.src, f->key.ipver);
    int dst_home = enrich_is_home(e, f->key.dst, f->key.ipver);
    if (src_home == dst_home)
        return 0;
    enrich_lookup(ec, src_home ? f->key.dst : f->key.src, f->key.ipver, &g, &a);
    if (!g->country_iso[0] || enrich_country_allowed(e, g->country_iso))
        return 0;
    memcpy(out->country, g->country_iso, sizeof(out->country));
    out->country[sizeof(out->country) - 1] = 0;
    out->outbound = src_home;
    return 1;
}

int policy_cross_border_due(const struct config *cfg, const struct flow *f)
{
    return cfg->xborder_min_bytes && f->bytes[0] + f->bytes[1] >= cfg->xborder_min_bytes;
}

int policy_answered_service(const struct flow *f)
{
    uint8_t p = f->key.proto;

    if (!f->pkts[1] || (p != IPPROTO_TCP && p != IPPROTO_UDP && p != IPPROTO_SCTP))
        return 0;
    return p != IPPROTO_TCP || (f->tcp_seen[1] & TCP_SYN) || f->state == FS_ESTABLISHED;
}

int policy_risk_due(const struct config *cfg, const struct flow *f)
{
    uint16_t cli, srv;
    return f->dpi.risk && dpi_risk_score(f->dpi.risk, &cli, &srv) >= cfg->risk_min_score;
}

int policy_app_risk(const struct config *cfg, const char *name)
{
    int i = app_risk_index(name);
    return i >= 0 && (cfg->risk_app >> i & 1) ? i : -1;
}
