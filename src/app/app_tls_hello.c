/* app_tls_hello.c - ClientHello and ServerHello bodies, read once for the
 * TLS parser (app_tls.c) and the QUIC parser (app_quic.c).
 *
 * JA3 (salesforce/ja3): "version,ciphers,extensions,groups,point_formats",
 * decimal values joined by '-', GREASE values (RFC 8701) left out; JA3S:
 * "version,cipher,extensions". Their MD5 in lower-case hex. For QUIC the
 * JA3 is Suricata 7.0.10's, which keeps GREASE values (and writes every
 * GREASE extension type as 0xfafa = 64250, in the JA3 and in the event's
 * extension list): so quic events equal Suricata's, and the hash is what
 * Suricata users have for QUIC clients (not the JA3 of the same hello
 * over TCP).
 *
 * JA4 (FoxIO-LLC/ja4, "JA4: TLS Client Fingerprinting"), three parts joined
 * by '_':
 *   a: 't' (TCP) or 'q' (QUIC); the TLS version, the highest of the hello's
 *      version and its supported_versions ("13", "12", "11", "10", "s3";
 *      anything else "00"); 'd' when an SNI is sent, else 'i'; the number
 *      of cipher suites and of extensions (SNI and ALPN included), two
 *      digits each, at most 99; the first and last character of the first
 *      ALPN value ("h2"; "00" without ALPN);
 *   b: the first 12 hex digits of the SHA-256 of the cipher suites as
 *      4-digit lower-case hex, sorted, joined by ',';
 *   c: the same of the extensions sorted (SNI and ALPN left out), '_', and
 *      the signature algorithms in the order sent.
 * GREASE values are left out everywhere. Where the spec and Suricata 7.0.10
 * differ on degenerate hellos, this follows Suricata (our reference for
 * events): an empty list hashes the empty string (e3b0c44298fc), not
 * "000000000000"; part c keeps its '_' when there are no signature
 * algorithms; a one-byte ALPN gives "00". One choice is the spec's: an
 * ALPN whose first or last byte is not alphanumeric gives the first hex
 * digit of its first byte and the last hex digit of its last byte
 * (Suricata would print the raw byte). At most 512 cipher suites, 256
 * extensions and 256 signature algorithms enter the hashes (the counts are
 * capped at 99 anyway); a real hello has far fewer.
 *
 * Every length is checked against its parent before it is read.
 *
 * Ownership: pure functions over the caller's bytes; the JA3 text goes
 * into the caller's abuf. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/core/md5.h"
#include "taishi/core/sha256.h"
#include "taishi/core/util.h"
#include "app_tls_hello.h"

#define JA4_CIPHERS_MAX 512
#define JA4_LIST_MAX 256

/* JA3 text builder: appends to an abuf, NUL at jb_fin. */
struct jb {
    struct app_stats *st;
    struct abuf *b;
    size_t max;
    int n, err;
};

static void jb_sep(struct jb *j, char c)
{
    if (!j->err && app_buf_append(j->st, j->b, &c, 1, j->max) < 0)
        j->err = 1;
    j->n = 0;
}

static void jb_num(struct jb *j, unsigned v)
{
    char s[16], *e = s + sizeof(s), *p = e;        /* digits from the right: no snprintf */
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (j->n)
        *--p = '-';
    if (!j->err && app_buf_append(j->st, j->b, p, (size_t)(e - p), j->max) < 0)
        j->err = 1;
    j->n++;
}

/* Reads a vector with a 1- or 2-byte length at *o; end is the parent's. */
static int vec(const uint8_t *m, size_t end, size_t *o, int lb, size_t *vo, size_t *vl)
{
    if (*o + (size_t)lb > end)
        return -1;
    size_t l = lb == 1 ? m[*o] : rd16(m + *o);
    if (*o + (size_t)lb + l > end)
        return -1;
    *vo = *o + (size_t)lb;
    *vl = l;
    *o = *vo + l;
    return 0;
}

static int cmp16(const void *a, const void *b)
{
    uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
    return (x > y) - (x < y);
}

/* "0a0a,1301,..." of n values, in the order given, into s (cap bytes). */
static size_t hexlist(char *s, size_t cap, size_t at, const uint16_t *v, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n && at + 6 <= cap; i++) {
        if (i)
            s[at++] = ',';
        s[at++] = hx[v[i] >> 12];
        s[at++] = hx[(v[i] >> 8) & 15];
        s[at++] = hx[(v[i] >> 4) & 15];
        s[at++] = hx[v[i] & 15];
    }
    return at;
}

static void hash12(const char *s, size_t n, char *out)
{
    char hex[65];
    sha256_hex(s, n, hex);
    memcpy(out, hex, 12);
}

static int is_alnum(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void tls_ja4(int quic, uint16_t version, int has_sni, const uint8_t *alpn, size_t alpn_len,
             const uint16_t *ciphers, size_t nciphers, const uint16_t *exts, size_t nexts,
             const uint16_t *sigs, size_t nsigs, char out[37])
{
    static const char hx[] = "0123456789abcdef";
    uint16_t c[JA4_CIPHERS_MAX], e[JA4_LIST_MAX], g[JA4_LIST_MAX];
    size_t nc = 0, ne = 0, ng = 0, ecount = 0;
    int sni = has_sni;

    for (size_t i = 0; i < nciphers; i++)
        if (!tls_is_grease(ciphers[i]) && nc < JA4_CIPHERS_MAX)
            c[nc++] = ciphers[i];
    size_t ccount = 0;
    for (size_t i = 0; i < nciphers; i++)
        ccount += !tls_is_grease(ciphers[i]);
    for (size_t i = 0; i < nexts; i++) {
        if (tls_is_grease(exts[i]))
            continue;
        ecount++;
        if (exts[i] == 0)
            sni = 1;
        else if (exts[i] != 16 && ne < JA4_LIST_MAX)
            e[ne++] = exts[i];
    }
    for (size_t i = 0; i < nsigs; i++)
        if (!tls_is_grease(sigs[i]) && ng < JA4_LIST_MAX)
            g[ng++] = sigs[i];

    const char *v = version == 0x0304 ? "13" : version == 0x0303 ? "12" : version == 0x0302 ? "11" :
                    version == 0x0301 ? "10" : version == 0x0300 ? "s3" : "00";
    char a1 = '0', a2 = '0';
    if (alpn && alpn_len > 1 && !(alpn_len == 2 && tls_is_grease(rd16(alpn)))) {
        uint8_t f = alpn[0], l = alpn[alpn_len - 1];
        if (is_alnum(f) && is_alnum(l)) {
            a1 = (char)f;
            a2 = (char)l;
        } else {
            a1 = hx[f >> 4];
            a2 = hx[l & 15];
        }
    }
    snprintf(out, 11, "%c%s%c%02u%02u", quic ? 'q' : 't', v, sni ? 'd' : 'i',
             (unsigned)(ccount > 99 ? 99 : ccount), (unsigned)(ecount > 99 ? 99 : ecount));
    out[8] = a1;
    out[9] = a2;
    out[10] = '_';

    char s[JA4_CIPHERS_MAX * 5 + 8];
    qsort(c, nc, sizeof(c[0]), cmp16);
    hash12(s, hexlist(s, sizeof(s), 0, c, nc), out + 11);
    out[23] = '_';
    qsort(e, ne, sizeof(e[0]), cmp16);
    size_t n = hexlist(s, sizeof(s), 0, e, ne);
    s[n++] = '_';
    n = hexlist(s, sizeof(s), n, g, ng);
    hash12(s, n, out + 24);
    out[36] = 0;
}

static void add_ext(struct tls_hello *h, uint16_t type, size_t off, size_t len)
{
    if (h->next < TLS_HELLO_EXT_MAX)
        h->ext[h->next++] = (struct tls_ext){ type, (uint32_t)off, (uint32_t)len };
}

int tls_hello_client(const uint8_t *m, size_t len, int quic, struct app_stats *st,
                     struct abuf *ja3, size_t max, struct tls_hello *h)
{
    size_t o = 34, vo, vl, cs_o, cs_l, ext_o = 0, ext_l = 0;
    size_t grp_o = 0, grp_l = 0, pf_o = 0, pf_l = 0, alpn_o = 0, alpn_l = 0;
    uint16_t ciphers[JA4_CIPHERS_MAX], exts[JA4_LIST_MAX], sigs[JA4_LIST_MAX];
    size_t nciph = 0, nexts = 0, nsigs = 0;
    struct jb j = { st, ja3, max, 0, 0 };

    memset(h, 0, offsetof(struct tls_hello, ext));
    h->next = 0;
    ja3->len = 0;
    if (len < 34)
        return -1;
    h->version = rd16(m);
    uint16_t ja4_version = tls_is_grease(h->version) ? 0 : h->version;
    if (vec(m, len, &o, 1, &vo, &vl) < 0 || vec(m, len, &o, 2, &cs_o, &cs_l) < 0 ||
        vec(m, len, &o, 1, &vo, &vl) < 0)
        return -1;
    if (o < len && vec(m, len, &o, 2, &ext_o, &ext_l) < 0)
        return -1;
    jb_num(&j, h->version);
    jb_sep(&j, ',');
    for (size_t i = 0; i + 1 < cs_l; i += 2) {
        uint16_t c = rd16(m + cs_o + i);
        if (nciph < JA4_CIPHERS_MAX)
            ciphers[nciph++] = c;
        if (!tls_is_grease(c) || quic)
            jb_num(&j, c);
    }
    jb_sep(&j, ',');
    for (size_t e = ext_o; e + 4 <= ext_o + ext_l;) {
        uint16_t et = rd16(m + e);
        size_t eo = e + 2, edo, edl;
        if (vec(m, ext_o + ext_l, &eo, 2, &edo, &edl) < 0)
            return -1;
        if (nexts < JA4_LIST_MAX)
            exts[nexts++] = et;
        if (quic && tls_is_grease(et))
            et = 0xfafa;                /* Suricata's QUIC: every GREASE extension is 0xfafa */
        add_ext(h, et, edo, edl);
        if (!tls_is_grease(et) || quic)
            jb_num(&j, et);
        size_t io = edo, lo, ll;
        if (et == 0 && vec(m, edo + edl, &io, 2, &lo, &ll) == 0) {         /* server_name */
            for (size_t p = lo; p + 3 <= lo + ll;) {
                uint8_t nt = m[p];
                size_t q = p + 1, no, nl;
                if (vec(m, lo + ll, &q, 2, &no, &nl) < 0)
                    break;
                if (nt == 0 && nl < sizeof(h->sni)) {
                    memcpy(h->sni, m + no, nl);
                    h->sni[nl] = 0;
                    break;
                }
                p = q;
            }
        } else if (et == 10 && vec(m, edo + edl, &io, 2, &lo, &ll) == 0) {  /* supported_groups */
            grp_o = lo;
            grp_l = ll;
        } else if (et == 11 && vec(m, edo + edl, &io, 1, &lo, &ll) == 0) {  /* ec_point_formats */
            pf_o = lo;
            pf_l = ll;
        } else if (et == 13 && vec(m, edo + edl, &io, 2, &lo, &ll) == 0) {  /* signature_algorithms */
            for (size_t i = 0; i + 1 < ll && nsigs < JA4_LIST_MAX; i += 2)
                sigs[nsigs++] = rd16(m + lo + i);
        } else if (et == 16 && !alpn_l && vec(m, edo + edl, &io, 2, &lo, &ll) == 0) {  /* alpn */
            size_t q = lo, po, pl;
            if (vec(m, lo + ll, &q, 1, &po, &pl) == 0) {
                alpn_o = po;
                alpn_l = pl;
            }
        } else if (et == 43 && vec(m, edo + edl, &io, 1, &lo, &ll) == 0) {  /* supported_versions */
            for (size_t i = 0; i + 1 < ll; i += 2) {
                uint16_t v = rd16(m + lo + i);
                if (!tls_is_grease(v) && v > ja4_version)
                    ja4_version = v;
            }
        }
        e = eo;
    }
    jb_sep(&j, ',');
    for (size_t i = 0; i + 1 < grp_l; i += 2) {
        uint16_t g = rd16(m + grp_o + i);
        if (!tls_is_grease(g) || quic)
            jb_num(&j, g);
    }
    jb_sep(&j, ',');
    for (size_t i = 0; i < pf_l; i++)
        jb_num(&j, m[pf_o + i]);
    jb_sep(&j, 0);
    if (j.err) {
        ja3->len = 0;
        return -1;
    }
    md5_hex(ja3->d, ja3->len - 1, h->ja3);
    tls_ja4(quic, ja4_version, h->sni[0] != 0, alpn_l ? m + alpn_o : NULL, alpn_l, ciphers, nciph,
            exts, nexts, sigs, nsigs, h->ja4);
    return 0;
}

int tls_hello_server(const uint8_t *m, size_t len, struct app_stats *st, struct abuf *ja3s,
                     size_t max, struct tls_hello *h)
{
    size_t o = 34, vo, vl, ext_o = 0, ext_l = 0;
    struct jb j = { st, ja3s, max, 0, 0 };

    memset(h, 0, offsetof(struct tls_hello, ext));
    h->next = 0;
    ja3s->len = 0;
    if (len < 38 || vec(m, len, &o, 1, &vo, &vl) < 0 || o + 3 > len)
        return -1;
    h->version = h->selected = rd16(m);
    h->cipher = rd16(m + o);
    o += 3;
    if (o < len && vec(m, len, &o, 2, &ext_o, &ext_l) < 0)
        return -1;
    jb_num(&j, h->version);
    jb_sep(&j, ',');
    jb_num(&j, h->cipher);
    jb_sep(&j, ',');
    for (size_t e = ext_o; e + 4 <= ext_o + ext_l;) {
        uint16_t et = rd16(m + e);
        size_t eo = e + 2, edo, edl;
        if (vec(m, ext_o + ext_l, &eo, 2, &edo, &edl) < 0) {
            ja3s->len = 0;
            return -1;
        }
        add_ext(h, et, edo, edl);
        if (!tls_is_grease(et))
            jb_num(&j, et);
        if (et == 43 && edl == 2)           /* supported_versions: the selected one */
            h->selected = rd16(m + edo);
        e = eo;
    }
    jb_sep(&j, 0);
    if (j.err) {
        ja3s->len = 0;
        return -1;
    }
    md5_hex(ja3s->d, ja3s->len - 1, h->ja3);
    return 0;
}

const char *tls_ext_name(uint16_t t)
{
    static const char *const names[] = {
        "server_name", "max_fragment_length", "client_certificate_url", "trusted_ca_keys",
        "truncated_hmac", "status_request", "user_mapping", "client_authz", "server_authz",
        "cert_type", "supported_groups", "ec_point_formats", "srp", "signature_algorithms",
        "use_srtp", "heartbeat", "alpn", "status_request_v2", "signed_certificate_timestamp",
        "client_certificate_type", "server_certificate_type", "padding", "encrypt_then_mac",
        "extended_master_secret", "token_binding", "cached_info", "tls_lts",
        "compress_certificate", "record_size_limit", "pwd_protect", "pwd_clear",
        "password_salt", "ticket_pinning", "tls_cert_with_extern_psk", "delegated_credentials",
        "session_ticket", "tlmsp", "tlmsp_proxying", "tlmsp_delegate", "supported_ekt_ciphers",
        NULL, "pre_shared_key", "early_data", "supported_versions", "cookie",
        "psk_key_exchange_modes", NULL, "certificate_authorities", "oid_filters",
        "post_handshake_auth", "signature_algorithms_cert", "key_share", "transparency_info",
        "connection_id_deprecated", "connection_id", "external_id_hash", "external_session_id",
        "quic_transport_parameters", "ticket_request", "dnssec_chain",
    };
    if (t < sizeof(names) / sizeof(names[0]))
        return names[t];
    return t == 13172 ? "next_protocol_negotiation" : t == 65281 ? "renegotiation_info" : NULL;
}
