/* app_mime.h - a streaming MIME (RFC 2045/2046/5322) decoder for the mail
 * parsers (app_smtp.c): one message at a time, fed line by line.
 *
 * The caller gives the message body of an SMTP DATA/BDAT (dot-unstuffed)
 * line by line without the line break; a line longer than the caller's
 * buffer comes in pieces (eol = 0 on every piece but the last). The decoder
 * keeps the message's From, To, Cc and Subject headers (unfolded, each cut
 * at MIME_VALUE_MAX bytes, as Suricata's header-value-depth), follows
 * multipart boundaries down to MIME_DEPTH_MAX levels, decodes base64
 * (whatever the line breaks) and quoted-printable bodies, collects the
 * attachments' names and the http URLs of text parts (lower-cased, scheme
 * stripped, each once: Suricata's defaults; of the message and its direct
 * parts only, as Suricata logs them), and hands each attachment's
 * decoded bytes to the caller's callbacks (the caller makes them files).
 *
 * Bounded: a fixed struct, header values capped, at most MIME_ATT_MAX
 * names and MIME_URL_MAX URLs kept (the rest counted in `dropped`).
 *
 * Ownership: a struct mime belongs to one parser state of one worker;
 * strings it returns are valid until the next mime_reset()/mime_free(). */
#ifndef TAISHI_APP_MIME_H
#define TAISHI_APP_MIME_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/app/app.h"

#define MIME_VALUE_MAX  2000
#define MIME_DEPTH_MAX  8
#define MIME_BOUND_MAX  72      /* RFC 2046: at most 70 characters */
#define MIME_NAME_MAX   256
#define MIME_ATT_MAX    16
#define MIME_URL_MAX    16
#define MIME_URL_LEN    256

enum mime_status { MIME_NONE, MIME_HEADER_STARTED, MIME_HEADER_READY, MIME_BODY_STARTED,
                   MIME_PARSE_DONE, MIME_PARSE_ERROR };

/* What the caller does with an attachment's decoded bytes. */
struct mime_cb {
    void *ud;
    void (*att_begin)(void *ud, const char *name, size_t namelen);
    void (*att_data)(void *ud, const uint8_t *d, size_t n);
    void (*att_end)(void *ud, int complete);    /* 0: the message ended inside it */
};

struct mime;
struct mime *mime_new(struct app_stats *st);
void mime_free(struct mime *m);                 /* NULL: nothing */
void mime_reset(struct mime *m);                /* a new message */
void mime_line(struct mime *m, const uint8_t *l, size_t n, int eol, const struct mime_cb *cb);
/* The message ended: complete = 1 at its end marker, 0 when cut short. */
void mime_finish(struct mime *m, int complete, const struct mime_cb *cb);

/* Results (NUL-terminated; NULL when the header was absent). */
const char *mime_from(const struct mime *m);
const char *mime_to(const struct mime *m);
const char *mime_cc(const struct mime *m);
const char *mime_subject(const struct mime *m);
enum mime_status mime_status(const struct mime *m);
const char *mime_status_name(enum mime_status s);   /* "PARSE_DONE", ... */
unsigned mime_attachments(const struct mime *m, const char *const **names);
unsigned mime_urls(const struct mime *m, const char *const **urls);
/* Of the URLs kept: a numeric IPv4 or IPv6 host, a path ending in .exe. */
#define MIME_URL_IPV4 1
#define MIME_URL_IPV6 2
#define MIME_URL_EXE  4
unsigned mime_url_flags(const struct mime *m);
/* Counters: lines seen, base64 characters that were no base64, QP escapes
 * that were no escape, names and URLs not kept. */
struct mime_counts { uint64_t b64_invalid, qp_invalid, dropped; };
const struct mime_counts *mime_counts(const struct mime *m);

#endif
