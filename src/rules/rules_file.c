/* rules_file.c - the file keywords (issue 15), matched on the TX_FILE
 * transaction a file's end hands to the rules (app/app_file.c: buffers
 * file.name, file.magic, file.size, file.md5/sha1/sha256; file.data):
 *   - filename:"x", file.name:"x" (the 7.0 value form): content "x" nocase in
 *     file.name; fileext:"exe": content ".exe" nocase, endswith, in
 *     file.name; filemagic:"x", file.magic:"x": content "x" nocase in
 *     file.magic (Suricata's legacy keywords match without case). A leading
 *     '!' negates. None of them moves the sticky buffer (like urilen);
 *   - filesize:<num> (N, <N, >N, N-M, as bsize) against the file's size;
 *   - filemd5, filesha1, filesha256:[!]LIST: the file's hash is (not) in
 *     LIST, a file of one hex hash a line ('#' comments), relative to the
 *     rule file's directory as Suricata reads it (rules' directory);
 *   - filestore[:...]: accepted; with files.store.dir set every file is
 *     stored anyway (there is no per-rule store).
 * The sticky buffers file.name and file.magic themselves are
 * rules_buffers.c's. A rule mixing these with another parser's buffers
 * (http.uri) sees them in different transactions, so it does not match.
 *
 * Ownership: a hash list belongs to its rule_match (freed with the rule). */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/core/util.h"
#include "rules_internal.h"

/* No transforms: the sticky buffer's do not apply to the file's buffers. */
static void plain(struct rule_match *m)
{
    m->ntr = 0;
    memset(m->tr, 0, sizeof(m->tr));
    free(m->xor_key);
    m->xor_key = NULL;
    m->xor_len = 0;
}

/* A content match on buf from the legacy keyword's value, without moving
 * the sticky buffer. prefix is put before the text (fileext's "."). */
static int legacy(struct rparse *rp, const char *name, char *value, uint8_t buf,
                  const char *prefix, uint16_t flags)
{
    char v[1024];
    int neg = 0;

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    char *p = rules_util_trim(value);
    if (*p == '!') {
        neg = 1;
        p = rules_util_trim(p + 1);
    }
    size_t n = strlen(p);
    if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
        p[n - 1] = 0;
        p++;
    }
    if (!*p)
        return rules_util_fail(rp, "%s: empty value", name);
    int k = snprintf(v, sizeof(v), "%s\"%s%s\"", neg ? "!" : "", prefix, p);
    if (k < 0 || (size_t)k >= sizeof(v))
        return rules_util_fail(rp, "%s: value too long", name);
    uint8_t used = rp->buf_used;
    if (rules_payload_lookup("content")(rp, "content", v) < 0)
        return -1;
    rp->buf_used = used;
    struct rule_match *m = &rp->r->m[rp->r->nm - 1];
    m->buf = buf;
    plain(m);
    m->flags |= M_NOCASE | flags;
    rp->last_content = -1;                  /* nocase, depth, ... after it apply to nothing */
    return 0;
}

static int kw_filename(struct rparse *rp, const char *name, char *value)
{
    return legacy(rp, name, value, BUF_FILE_NAME, "", 0);
}

static int kw_fileext(struct rparse *rp, const char *name, char *value)
{
    return legacy(rp, name, value, BUF_FILE_NAME, ".", M_ENDSWITH);
}

static int kw_filemagic(struct rparse *rp, const char *name, char *value)
{
    return legacy(rp, name, value, BUF_FILE_MAGIC, "", 0);
}

static int kw_filesize(struct rparse *rp, const char *name, char *value)
{
    struct rule_num num;
    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    if (rules_util_parse_num(rules_util_trim(value), &num, UINT64_MAX) < 0)
        return rules_util_fail(rp, "filesize: bad value '%.40s'", value);
    uint8_t used = rp->buf_used;
    uint8_t keep = rp->buf;
    rp->buf = BUF_FILE_SIZE;
    struct rule_match *m = rules_payload_add_match(rp, RM_FILESIZE);
    rp->buf = keep;
    rp->buf_used = used;
    plain(m);
    m->u.n = num;
    return 0;
}

static int cmp_hex(const void *a, const void *b, void *len)
{
    return memcmp(a, b, *(const size_t *)len);
}

/* filemd5 / filesha1 / filesha256 */
static int kw_hashlist(struct rparse *rp, const char *name, char *value)
{
    size_t hl = !strcmp(name, "filemd5") ? 32 : !strcmp(name, "filesha1") ? 40 : 64;
    int neg = 0;
    char path[1024], line[256];

    if (rules_util_need_value(rp, name, value) < 0)
        return -1;
    char *p = rules_util_trim(value);
    if (*p == '!') {
        neg = 1;
        p = rules_util_trim(p + 1);
    }
    if (rules_util_unquote(p) < 0 || !*p)
        return rules_util_fail(rp, "%s: bad file name", name);
    if (p[0] == '/' || !rp->r->file) {
        snprintf(path, sizeof(path), "%s", p);
    } else {
        char dir[1024];
        snprintf(dir, sizeof(dir), "%s", rp->r->file);
        snprintf(path, sizeof(path), "%s/%s", dirname(dir), p);
    }
    FILE *f = fopen(path, "r");
    if (!f)
        return rules_util_fail(rp, "%s: cannot open '%s': %s", name, path, strerror(errno));
    char *hex = NULL;
    size_t n = 0, cap = 0;
    unsigned lineno = 0;
    while (fgets(line, sizeof(line), f)) {
        lineno++;
        char *c = strchr(line, '#');
        if (c)
            *c = 0;
        char *s = rules_util_trim(line);
        if (!*s)
            continue;
        size_t sl = strlen(s);
        int ok = sl == hl;
        for (size_t i = 0; ok && i < sl; i++) {
            ok = isxdigit((unsigned char)s[i]);
            s[i] = (char)tolower((unsigned char)s[i]);
        }
        if (!ok) {
            fclose(f);
            free(hex);
            return rules_util_fail(rp, "%s: %s:%u: not a %zu-digit hex hash", name, path, lineno,
                                   hl);
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            hex = xreallocarray(hex, cap, hl);
        }
        memcpy(hex + n * hl, s, hl);
        n++;
    }
    fclose(f);
    if (!n) {
        free(hex);
        return rules_util_fail(rp, "%s: '%s' holds no hash", name, path);
    }
    qsort_r(hex, n, hl, cmp_hex, &hl);
    uint8_t used = rp->buf_used;
    uint8_t keep = rp->buf;
    rp->buf = hl == 32 ? BUF_FILE_MD5 : hl == 40 ? BUF_FILE_SHA1 : BUF_FILE_SHA256;
    struct rule_match *m = rules_payload_add_match(rp, RM_HASHLIST);
    rp->buf = keep;
    rp->buf_used = used;
    plain(m);
    m->u.h.hex = hex;
    m->u.h.n = (uint32_t)n;
    m->u.h.len = (uint32_t)hl;
    if (neg)
        m->flags |= M_NEGATED;
    return 0;
}

static int kw_filestore(struct rparse *rp, const char *name, char *value)
{
    (void)rp, (void)name, (void)value;
    return 0;                               /* files.store.dir stores every file */
}

int rules_file_apply(struct rparse *rp, const char *name, char *value)
{
    static const struct { const char *name; rules_kw_fn fn; } kw[] = {
        { "filename", kw_filename }, { "fileext", kw_fileext }, { "filemagic", kw_filemagic },
        { "filesize", kw_filesize }, { "filemd5", kw_hashlist }, { "filesha1", kw_hashlist },
        { "filesha256", kw_hashlist }, { "filestore", kw_filestore },
    };
    for (size_t i = 0; i < ARRAY_SIZE(kw); i++)
        if (!strcmp(kw[i].name, name))
            return kw[i].fn(rp, name, value) < 0 ? -1 : 1;
    /* file.name:"x" and file.magic:"x" (the 7.0 value form); bare, they are sticky */
    if (value && !strcmp(name, "file.name"))
        return kw_filename(rp, name, value) < 0 ? -1 : 1;
    if (value && !strcmp(name, "file.magic"))
        return kw_filemagic(rp, name, value) < 0 ? -1 : 1;
    return 0;
}
