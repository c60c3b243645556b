/* detect_transform.c - the transforms of an inspection buffer (dotprefix,
 * strip_whitespace, compress_whitespace, to_lowercase, to_uppercase,
 * url_decode, to_sha1, header_lowercase), applied in rule order by detect.c
 * before a buffer is scanned and matched; and which of the transforms the
 * parser knows are implemented (detect_compile.c drops a rule that uses
 * another, SKIPPED).
 *
 * Ownership: no state; the caller owns both buffers. */
#include <ctype.h>
#include <string.h>

#include "detect_internal.h"
#include "taishi/core/sha1.h"
#include "taishi/core/util.h"

int detect_transform_supported(const struct ibuf *ib)
{
    for (unsigned i = 0; i < ib->ntr; i++) {
        switch (ib->tr[i]) {
        case TR_DOTPREFIX: case TR_STRIP_WHITESPACE: case TR_COMPRESS_WHITESPACE:
        case TR_TO_LOWERCASE: case TR_TO_UPPERCASE: case TR_URL_DECODE: case TR_SHA1:
        case TR_HEADER_LOWERCASE:
            break;
        default:
            return 0;
        }
    }
    return 1;
}

/* One transform from in to out (room for len + 32 bytes). */
static uint32_t tr_one(int tr, const uint8_t *in, uint32_t len, uint8_t *out)
{
    uint32_t n = 0;
    switch (tr) {
    case TR_DOTPREFIX:
        out[n++] = '.';
        memcpy(out + n, in, len);
        return len + 1;
    case TR_STRIP_WHITESPACE:
        for (uint32_t i = 0; i < len; i++)
            if (!isspace(in[i]))
                out[n++] = in[i];
        return n;
    case TR_COMPRESS_WHITESPACE:
        for (uint32_t i = 0; i < len; i++) {
            if (isspace(in[i])) {
                if (n && out[n - 1] == ' ')
                    continue;
                out[n++] = ' ';
            } else {
                out[n++] = in[i];
            }
        }
        return n;
    case TR_TO_LOWERCASE:
    case TR_HEADER_LOWERCASE:
        for (uint32_t i = 0; i < len; i++)
            out[i] = (uint8_t)tolower(in[i]);
        return len;
    case TR_TO_UPPERCASE:
        for (uint32_t i = 0; i < len; i++)
            out[i] = (uint8_t)toupper(in[i]);
        return len;
    case TR_URL_DECODE:
        for (uint32_t i = 0; i < len; i++) {
            int h, l;
            if (in[i] == '%' && i + 2 < len &&
                (h = util_hexval(in[i + 1])) >= 0 && (l = util_hexval(in[i + 2])) >= 0) {
                out[n++] = (uint8_t)(h << 4 | l);
                i += 2;
            } else if (in[i] == '+') {
                out[n++] = ' ';
            } else {
                out[n++] = in[i];
            }
        }
        return n;
    case TR_SHA1:
        sha1(in, len, out);
        return 20;
    default:
        memcpy(out, in, len);
        return len;
    }
}

uint32_t detect_transform(const struct ibuf *ib, const uint8_t *in, uint32_t len, uint8_t *out)
{
    /* Chains ping-pong through the second half of out. */
    uint8_t *half = out + len + 32;
    const uint8_t *src = in;
    uint32_t n = len;
    for (unsigned i = 0; i < ib->ntr; i++) {
        uint8_t *dst = (ib->ntr - i) % 2 ? out : half;
        n = tr_one(ib->tr[i], src, n, dst);
        src = dst;
    }
    if (src != out)
        memmove(out, src, n);
    return n;
}
