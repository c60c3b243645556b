/* app_http_internal.h - the HTTP/1.x parser's state, shared by its three
 * files: app_http.c (the per-direction state machine, transactions and
 * their pairing), app_http_msg.c (a complete header block: start line,
 * folding, duplicates, normalization, the inspection buffers) and
 * app_http_body.c (Content-Length, chunked and close-delimited bodies,
 * gzip/deflate with a bounded output).
 *
 * Ownership: everything belongs to one http_state of one app_flow. */
#ifndef TAISHI_APP_HTTP_INTERNAL_H
#define TAISHI_APP_HTTP_INTERNAL_H

#include <zlib.h>

#include "app_buf.h"

#define HTTP_MAX_FIELDS 128
#define HTTP_Q_START    4       /* request slots a flow starts with (most have one) */
#define HTTP_SLOT_MAX   8192    /* bytes of request strings kept for the pairing */
/* The arena of one parsed header block: the derived views copy a block of
 * B bytes at most about 11 times over (values, joined values, host, the
 * normalized buffers, start line pieces), so 12 x http_header_max always
 * fits; a typical 1 KiB block uses a few KiB. */
#define HTTP_ARENA_MAX(lim) ((size_t)(lim)->http_header_max * 12 + 4096)
/* Past this capacity a message's buffers are freed when it ends (app_http.c). */
#define HTTP_KEEP_IDLE 8192

enum { HS_START, HS_HEADERS, HS_BODY, HS_RESYNC, HS_DEAD };
enum { BM_NONE, BM_CL, BM_CHUNKED, BM_CLOSE };
enum { CS_SIZE, CS_DATA, CS_DATA_CRLF, CS_TRAILER };
enum { ENC_NONE, ENC_GZIP, ENC_DEFLATE };

/* A header field of the block being parsed. Offsets are into msg.arena. */
struct hfield {
    uint32_t noff, nlen;        /* name as sent */
    uint32_t voff, vlen;        /* value, folded lines joined by one space */
    uint32_t joff, jlen;        /* unique names only: values of all duplicates joined by ", " */
    uint8_t dup;                /* a later occurrence of an earlier name */
};

/* A parsed header block. Every string is in arena, NUL-terminated; the
 * offsets below are 0 with length 0 when absent (arena[0] is a NUL). */
struct hstr {
    uint32_t off, len;
    uint8_t set;
};
struct hmsg {
    struct abuf arena;
    struct hfield *f;           /* fcap of them, grown up to HTTP_MAX_FIELDS (app_http_msg.c); */
    uint32_t nf, fcap;          /* kept across messages, freed with the flow */
    struct hstr line, method, uri_raw, uri, protocol, stat_code, stat_msg, host, host_raw;
    struct hstr header, header_raw, header_names, start;
    int status;
    uint8_t is_request;
};

/* Files of a request (PUT bodies, multipart parts) wait in its slot for
 * the response, so their fileinfo events carry the whole transaction as
 * Suricata's do; past HTTP_REQ_FILES they are closed at once. */
#define HTTP_REQ_FILES 4

struct app_file;
struct hslot {                  /* a request waiting for its response */
    struct abuf s;              /* the strings below, NUL-terminated */
    uint32_t method, uri, host, protocol, ua, referer, ctype;  /* offsets + 1, 0 = absent */
    uint32_t path;              /* the normalized URI path (no query): files' default name */
    struct app_file *rf[HTTP_REQ_FILES];    /* the request's files, complete */
    uint8_t rf_state[HTTP_REQ_FILES];
    uint8_t nrf;
    uint32_t tx_id;
    uint64_t req_body_len;
    uint8_t is_head, is_connect;
};

struct hdir {
    uint8_t state;
    uint8_t line_empty;         /* header scan: the current line has nothing yet */
    uint8_t start_ok;           /* the start line's prefix was checked */
    uint8_t emitted;            /* request tx reported (body cap reached early) */
    uint32_t cur_tx;            /* tx_id of the request being read */
    struct abuf hdr;            /* the header block as sent */
    struct hmsg m;
    /* body */
    uint8_t bm, cs, enc, truncated;
    uint8_t inspect;            /* this message's body is kept (lim->http_body_inspect) */
    uint64_t left;              /* CL bytes or chunk bytes still to come */
    char cline[64];
    uint32_t cline_len, trailer_len;
    struct abuf body;           /* decoded body, at most http_body_max */
    uint64_t body_len;          /* body bytes seen, dechunked, not decompressed */
    z_stream *z;
    uint8_t z_state;            /* 0 not started, 1 running, 2 stopped (end, cap or error) */
    uint8_t zraw[64];
    uint32_t zraw_len;
    uint64_t z_in;
    /* resync after a gap */
    uint8_t probe[16];
    uint32_t probe_len;
    uint8_t at_line_start;
    uint64_t resync_seen;
    /* the body as a file (app_http_file.c) */
    uint8_t fmode;              /* FM_*: what this message's body is */
    uint8_t ferr;               /* the body's framing broke: the file ends in ERROR */
    struct app_file *file;      /* FM_SINGLE: open once the first byte came */
    struct http_mp *mp;         /* FM_MULTIPART: the parts' parser */
};
enum { FM_NONE, FM_SINGLE, FM_MULTIPART };

/* counters, named in the entry (app_http.c) */
enum { HTTP_C_TX, HTTP_C_PARSE_ERRORS, HTTP_C_TRUNCATED_BODIES, HTTP_C_GZIP_ERRORS };

struct http_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    const struct app_limits *lim;
    struct hdir d[2];
    struct hslot *q;            /* ring of qcap pending requests: HTTP_Q_START at first, */
    uint32_t qhead, qlen, qcap; /* doubled up to lim->http_max_tx as requests pile up */
    uint32_t next_tx;
    uint8_t tunnel;
    uint8_t seen_msg;           /* a header block parsed: the flow is HTTP */
    const struct app_sink *sink;    /* the sink of the call in progress (files close in it) */
};

/* app_http_msg.c */
/* Parses h->d[dir].hdr (a complete block) into h->d[dir].m. 0 or -1. */
int app_http_msg_parse(struct http_state *h, int dir);
/* Value of a header (duplicates joined), or NULL. */
const char *app_http_msg_get(const struct hmsg *m, const char *name, uint32_t *len);
static inline const char *hstr_p(const struct hmsg *m, struct hstr s)
{
    return s.set ? (const char *)m->arena.d + s.off : NULL;
}
/* The buffers of the message (no body) into t. */
void app_http_msg_bufs(const struct hmsg *m, int dir, struct txb *t);
/* Does this line prefix look like a request (dir 0) or response (1)?
 * 1 yes, 0 not yet known (need more bytes), -1 no. */
int app_http_msg_start_check(const uint8_t *p, size_t n, int dir);

/* app_http_body.c */
/* Sets up body framing after the headers; returns 1 when a body follows. */
int app_http_body_begin(struct http_state *h, int dir, const struct hslot *req);
/* Consumes body bytes; returns how many were used (less than n when the
 * message ends inside p), or -1 on a framing error. Sets *done at the end. */
long app_http_body_feed(struct http_state *h, int dir, const uint8_t *p, size_t n, int *done);
void app_http_body_reset(struct http_state *h, int dir);
void app_http_body_free(struct http_state *h, int dir);

/* app_http_file.c: message bodies as files (app_file.h), Suricata's way:
 * every response body, PUT request bodies, and each part of a
 * multipart/form-data POST that has a filename; named by
 * Content-Disposition's filename, else the request's URI path. */
/* The body of the message just parsed begins (req: its request's slot). */
void app_http_file_begin(struct http_state *h, int dir);
/* Decoded body bytes (dechunked, decompressed). */
void app_http_file_data(struct http_state *h, int dir, const uint8_t *p, size_t n);
void app_http_file_gap(struct http_state *h, int dir, size_t n);
/* The body ended. Request files wait in their slot; a response's files
 * close with the transaction meta (m) as the parent. */
void app_http_file_end(struct http_state *h, int dir, const struct app_http_meta *m);
/* The request files of slot s close with m as the parent. */
void app_http_file_slot_done(struct http_state *h, struct hslot *s, const struct app_http_meta *m);
/* Frees what is open without events (the flow state is going away). */
void app_http_file_free(struct http_state *h);

#endif
