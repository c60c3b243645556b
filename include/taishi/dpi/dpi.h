/* dpi.h - nDPI glue: one detection module per worker, one nDPI flow per
 * flow while detection runs.
 *
 * A flow's packets go to nDPI (both directions) until nDPI is done: it found
 * the protocol and wants no extra packets, or the packet limit is reached
 * (dpi.tcp-max-packets / dpi.udp-max-packets, ndpiReader's 80 and 24), then
 * it gives up and guesses (by port and address) as ndpiReader does. The
 * result and the metadata later stages want (host/SNI, HTTP URL and
 * User-Agent, JA3) are copied into `struct dpi_flow`, and nDPI's per-flow
 * state is freed at once: a finished flow costs only its dpi_flow.
 *
 * A lone SYN (dpi_set_lazy): while nothing reads the verdict of a flow that
 * ends as it began, a TCP flow's first packet, a SYN without payload, waits
 * in `held` (a copy, from the module's pool) for the flow's next packet,
 * which hands nDPI both, in order, with their own times: nDPI sees what it
 * would have seen. A flow that ends with its SYN alone (a scan's probe:
 * 90,000 of the benchmark capture's 141,000 flows) then never costs nDPI
 * its first-packet work (about 1,700 cycles: two address-tree look-ups per
 * address, every dissector's check), unless a reader of its verdict came up
 * meanwhile; its verdict is "unknown" instead of a port guess (counted as
 * unknown, where nothing shows the count: no stats event, no metrics).
 *
 * Ownership: a dpi module belongs to one worker. struct dpi_flow is embedded
 * in struct flow; the nDPI state and the held SYN it points to are owned by
 * the module's pools. */
#ifndef TAISHI_DPI_H
#define TAISHI_DPI_H

#include <stdint.h>

#include "taishi/config/config.h"
#include "taishi/decode/packet.h"

struct ndpi_flow_struct;

struct dpi_flow {
    struct ndpi_flow_struct *nf;        /* NULL before the first packet and once done */
    uint64_t risk;                      /* ndpi_risk bitmap */
    uint16_t master, app;               /* nDPI protocol ids */
    uint16_t category;
    uint8_t confidence;                 /* ndpi_confidence_t */
    uint8_t done;
    uint16_t packets;                   /* packets given to nDPI */
    char host[80];                      /* Hostname/SNI, DNS query */
    char ja3c[33];
    char *url, *ua;                     /* HTTP, from the module's string pool; may be NULL */
    char *server_sw;                    /* SSH server banner (string pool); may be NULL */
    char *cert_subject;                 /* TLS server certificate subject (string pool); may be NULL */
    uint16_t tls_version;               /* TLS version the server chose; 0 = none seen */
    void *held;                         /* a lone SYN not yet given to nDPI (dpi_set_lazy) */
};

struct dpi_stats {
    uint64_t packets, flows, detected, guessed, unknown;
    uint64_t active_ndpi_flows;
    uint64_t held_syns;                 /* lone SYNs held now (dpi_set_lazy) */
};

struct dpi;
struct dpi *dpi_create(const struct config *cfg);
void dpi_destroy(struct dpi *d);

/* Whether a flow's verdict is read only while it runs (no flow, risk,
 * asset or stats events, no summary, metrics or indicators): a lone SYN
 * may then wait for a second packet (see above). The worker sets it. */
void dpi_set_lazy(struct dpi *d, int on);
/* Feeds one packet of a flow (ts in ns) unless detection is over. */
void dpi_process(struct dpi *d, struct dpi_flow *f, const struct packet *p, uint64_t ts_ns);
/* The verdict so far: final once done, else what nDPI found while it still
 * waits for extra packets (0 = unknown). */
void dpi_peek(const struct dpi_flow *f, uint16_t *master, uint16_t *app);
/* Ends detection for a flow that ends before nDPI was done (gives up, guesses). */
void dpi_finish(struct dpi *d, struct dpi_flow *f);
/* Frees whatever the flow still holds. */
void dpi_release(struct dpi *d, struct dpi_flow *f);

/* "TLS.Google" style name (nDPI's master.app), category, confidence. */
void dpi_protocol_name(struct dpi *d, const struct dpi_flow *f, char *buf, unsigned len);
const char *dpi_category_name(struct dpi *d, const struct dpi_flow *f);
const char *dpi_confidence_name(const struct dpi_flow *f);
/* EVE-style lower-case app_proto ("http", "tls", "dns", "failed"). */
const char *dpi_app_proto(struct dpi *d, const struct dpi_flow *f, char *buf, unsigned len);
/* Calls fn for each risk name set in f->risk; returns the total risk score. */
unsigned dpi_risks(const struct dpi_flow *f, void (*fn)(void *arg, const char *name), void *arg);
/* "TLSv1.2" style name of f->tls_version. */
const char *dpi_tls_version_name(const struct dpi_flow *f, char *buf, unsigned len);
/* The nDPI score of a risk bitmap (client + server). */
unsigned dpi_risk_score(uint64_t risk, uint16_t *cli, uint16_t *srv);
const struct dpi_stats *dpi_stats(const struct dpi *d);
/* Bytes of nDPI state per flow under detection. */
uint64_t dpi_flow_state_bytes(void);
/* Bytes the module holds for flows now: nDPI state and held SYNs (for the
 * flow memcap). */
uint64_t dpi_state_bytes(const struct dpi *d);
/* nDPI's version as the loaded library reports it (ndpi_revision()); static text. */
const char *dpi_lib_version(void);

#endif
