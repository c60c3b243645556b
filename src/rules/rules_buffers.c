/* rules_buffers.c - for the rule parser, the keywords that select an
 * inspection buffer (buffers.h; their names and directions are
 * app/buffers.c's) and the transform keywords.
 *
 * Suricata has two spellings for most buffers. A sticky buffer (http.uri,
 * dns.query, and the underscore aliases Suricata registers as sticky, such
 * as dns_query, tls_sni, http_accept) applies to every payload keyword after
 * it. A legacy content modifier (http_uri, http_header, http_client_body...)
 * moves the one content before it into the buffer. pkt_data goes back to
 * the packet payload. The table below says which is which.
 *
 * Ownership: constant tables only. */
#include <string.h>
#include <strings.h>

#include "rules_internal.h"
#include "taishi/app/app.h"
#include "taishi/app/buffers.h"

/* The keywords of no parser's: the packet payload and file.data (the HTTP
 * bodies today; every protocol that carries files fills it). The parsers'
 * own keywords are in their registry entries (app.h: app_keyword). */
static const struct sticky_kw generic[] = {
    { "pkt_data", BUF_PACKET, SK_PKT_DATA, RAPP_NONE },
    { "file.data", BUF_FILE_DATA, SK_STICKY, RAPP_NONE },
    { "file_data", BUF_FILE_DATA, SK_STICKY, RAPP_NONE },
    { "file.name", BUF_FILE_NAME, SK_STICKY, RAPP_NONE },
    { "file.magic", BUF_FILE_MAGIC, SK_STICKY, RAPP_NONE },
};

int rules_buffers_sticky_lookup(const char *name, struct sticky_kw *out)
{
    const char *proto;
    const struct app_keyword *k;

    for (size_t i = 0; i < ARRAY_SIZE(generic); i++)
        if (!strcasecmp(generic[i].name, name)) {
            *out = generic[i];
            return 1;
        }
    if (!(k = app_registry_keyword(name, &proto)) || k->ik)
        return 0;                   /* an integer keyword is no buffer (rules_intkw.c) */
    out->name = k->name;
    out->buf = (uint8_t)k->buf;
    out->kind = k->modifier ? SK_MODIFIER : SK_STICKY;
    out->app = (uint8_t)rules_app_lookup(proto);
    return 1;
}

static const struct { const char *name; uint8_t tr; } transform_table[] = {
    { "dotprefix", TR_DOTPREFIX },
    { "strip_whitespace", TR_STRIP_WHITESPACE },
    { "compress_whitespace", TR_COMPRESS_WHITESPACE },
    { "to_lowercase", TR_TO_LOWERCASE },
    { "to_uppercase", TR_TO_UPPERCASE },
    { "url_decode", TR_URL_DECODE },
    { "to_md5", TR_MD5 },
    { "to_sha1", TR_SHA1 },
    { "to_sha256", TR_SHA256 },
    { "header_lowercase", TR_HEADER_LOWERCASE },
    { "strip_pseudo_headers", TR_STRIP_PSEUDO_HEADERS },
    { "xor", TR_XOR },
};

int rules_buffers_transform_lookup(const char *name)
{
    for (size_t i = 0; i < ARRAY_SIZE(transform_table); i++)
        if (!strcasecmp(transform_table[i].name, name))
            return transform_table[i].tr;
    return TR_NONE;
}
