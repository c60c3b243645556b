/* app_tftp.c - TFTP requests (RFC 1350) over UDP: one `tftp` event per
 * request datagram to the server, as Suricata 7.0.10 logs them.
 *
 * A request is opcode (2 bytes, big-endian), file name, NUL, mode, NUL,
 * and RFC 2347 options after that (not read). Like Suricata:
 *   - only datagrams to the server (the flow's initiator to its responder)
 *     are read; the transfer itself (DATA/ACK from the server's own port,
 *     another flow) gives no event;
 *   - the first byte must be 0 and the opcode 1-5; the file name and the
 *     mode must both end in a NUL and be valid UTF-8; the mode,
 *     lower-cased, must be netascii, octet or mail;
 *   - the event says packet "read" (RRQ), "write" (WRQ) or "error" (any
 *     other opcode that parses so; Suricata names them all that).
 * Datagrams with opcode 1 or 2 that fail these checks are parse_errors;
 * other datagrams to the server are only counted (other). The file name
 * kept for the event is cut at TFTP_NAME_MAX bytes, on a character
 * boundary. No rule buffers: Suricata 7 has no tftp keywords; `alert tftp`
 * rules see each request as a transaction.
 *
 * Ownership: a datagram keeps nothing; the meta lives on the stack for the
 * callback. */
#include <ndpi/ndpi_protocol_ids.h>
#include <string.h>

#include "taishi/core/util.h"
#include "app_buf.h"

#define TFTP_NAME_MAX 1024

enum { TFTP_C_REQUESTS, TFTP_C_PARSE_ERRORS, TFTP_C_OTHER };

struct tftp_meta {
    uint8_t opcode;
    char mode[9];                       /* "netascii" at most */
    char file[TFTP_NAME_MAX + 1];
};

/* Length of the valid UTF-8 sequence at s[0..n) (RFC 3629: no overlongs, no
 * surrogates, at most U+10FFFF), or 0 when it is not one. */
static size_t utf8_char(const uint8_t *s, size_t n)
{
    uint8_t c = s[0];
    size_t k;
    uint32_t min, cp;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) { k = 2; min = 0x80; cp = c & 0x1f; }
    else if ((c & 0xf0) == 0xe0) { k = 3; min = 0x800; cp = c & 0x0f; }
    else if ((c & 0xf8) == 0xf0) { k = 4; min = 0x10000; cp = c & 0x07; }
    else return 0;
    if (n < k)
        return 0;
    for (size_t i = 1; i < k; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return k;
}

/* The NUL-terminated string at [p, end): its length (without the NUL), or
 * -1 when there is no NUL or the bytes are not UTF-8. */
static long cstr(const uint8_t *p, const uint8_t *end)
{
    const uint8_t *z = memchr(p, 0, (size_t)(end - p));
    if (!z)
        return -1;
    for (const uint8_t *q = p; q < z;) {
        size_t k = utf8_char(q, (size_t)(z - q));
        if (!k)
            return -1;
        q += k;
    }
    return (long)(z - p);
}

static int tftp_parse(struct tftp_meta *m, const uint8_t *d, size_t len)
{
    const uint8_t *end = d + len;
    if (len < 2 || d[0] != 0 || d[1] < 1 || d[1] > 5)
        return -1;
    m->opcode = d[1];
    const uint8_t *p = d + 2;
    long fl = cstr(p, end);
    if (fl < 0)
        return -1;
    size_t keep = 0;                    /* whole characters, at most TFTP_NAME_MAX bytes */
    while (keep < (size_t)fl) {
        size_t k = utf8_char(p + keep, (size_t)fl - keep);
        if (keep + k > TFTP_NAME_MAX)
            break;
        keep += k;
    }
    memcpy(m->file, p, keep);
    m->file[keep] = 0;
    p += fl + 1;
    long ml = cstr(p, end);
    if (ml < 0 || ml > 8)
        return -1;
    for (long i = 0; i < ml; i++)
        m->mode[i] = (char)app_buf_lc(p[i]);
    m->mode[ml] = 0;
    if (strcmp(m->mode, "netascii") && strcmp(m->mode, "octet") && strcmp(m->mode, "mail"))
        return -1;
    return 0;
}

static void tftp_datagram(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                          struct app_stats *st, int id, const struct app_sink *sink)
{
    uint64_t *ctr = app_stats_row(st, id);
    struct tftp_meta m;
    (void)lim;

    if (dir != APP_DIR_TOSERVER)
        return;
    memset(&m, 0, sizeof(m));
    if (tftp_parse(&m, msg, len) < 0) {
        int req = len >= 2 && msg[0] == 0 && (msg[1] == 1 || msg[1] == 2);
        ctr[req ? TFTP_C_PARSE_ERRORS : TFTP_C_OTHER]++;
        return;
    }
    ctr[m.opcode <= 2 ? TFTP_C_REQUESTS : TFTP_C_OTHER]++;
    app_buf_emit(sink, id, TX_TFTP, dir, 1, NULL, &m);
}

/* tftp{packet, file, mode} */
static void tftp_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct tftp_meta *m = tx->meta;
    jw_kobj(w, "tftp");
    jw_kstr(w, "packet", m->opcode == 1 ? "read" : m->opcode == 2 ? "write" : "error");
    jw_kstr(w, "file", m->file);
    jw_kstr(w, "mode", m->mode);
    jw_obj_end(w);
}

const struct app_parser app_tftp_parser = {
    .name = "tftp", .rule_proto = "tftp", .event_type = "tftp", .event_id = 24,
    .transports = APP_UDP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_TFTP, 0 },
    .counters = (const char *const[]){ "requests", "parse_errors", "other", NULL },
    .datagram = tftp_datagram,
    .event_body = tftp_event_body,
};
