/* app_ike_internal.h - what the IKE parser's files share (app_ike.c parses,
 * app_ike_log.c names things and writes the event). Nothing outside
 * src/app/app_ike*.c includes it.
 *
 * Ownership: an ike_state belongs to one app_flow of one worker (about 4 KiB);
 * an ike_msg describes the datagram being reported, lives on the stack of
 * ike_feed() and is valid only during the sink callback (its byte views
 * point into that datagram). */
#ifndef TAISHI_APP_IKE_INTERNAL_H
#define TAISHI_APP_IKE_INTERNAL_H

#include <stdint.h>

#include "app_buf.h"

#define IKE_XFORMS_MAX   16     /* IKEv1 transforms kept per message (the rest counted) */
#define IKE_ATTRS_MAX    16     /* attributes kept per transform */
#define IKE_ATTR_HEX_MAX 32     /* bytes kept of a variable-length attribute value */
#define IKE_VIDS_MAX     512    /* vendor IDs kept per message */
#define IKE_VIDHEX_MAX   16384  /* their hex text (rule buffers) */
#define IKE_KE_MAX       1024   /* key exchange bytes kept per side (8192-bit MODP) */
#define IKE_NONCE_MAX    256    /* nonce bytes kept per side (RFC 2409: 8-256) */
#define IKE_V2_PT_MAX    64     /* IKEv2 payload types listed per message */
#define IKE_V2_NOTIFY_MAX 32    /* IKEv2 notify types listed per message */
#define IKE_V2_PAYLOADS  64     /* IKEv2 payloads processed per message */

enum { IKE_C_MESSAGES, IKE_C_PARSE_ERRORS, IKE_C_NOT_IKE, IKE_C_PORT_FALLBACK, IKE_C_WEAK,
       IKE_C_CAPPED };

/* One IKEv1 SA attribute (RFC 2409 appendix A): `v16` is the 16-bit field
 * after the type (a TV value, or a TLV's length), `num` the number Suricata
 * logs as <name>_raw (TV, or a 4-byte TLV), else `hex` its bytes. */
struct ike_attr {
    uint16_t type, v16;
    uint8_t has_num, hexlen;
    uint32_t num;
    uint8_t hex[IKE_ATTR_HEX_MAX];
};
struct ike_xform {
    uint8_t n;
    struct ike_attr a[IKE_ATTRS_MAX];
};

/* One side's IKEv1 material as the flow has it (Suricata's participant
 * data): the last message's KE and nonce (empty when that message had none),
 * the transforms seen since the last SA, the first of them. */
struct ike_party {
    uint32_t ke_len, nonce_len;
    uint8_t ke[IKE_KE_MAX], nonce[IKE_NONCE_MAX];
    uint64_t nb_transforms;
    struct ike_xform chosen;
};

/* IKEv2: the algorithms of the responder's SA (Suricata's container). */
struct ike_v2alg {
    uint16_t enc, auth, prf, dh, esn;
};

struct ike_view {
    const uint8_t *p;
    uint32_t n;
};

/* The message being reported: the TX_IKE's meta. */
struct ike_state;
struct ike_msg {
    const struct ike_state *s;  /* the flow as it is after this message */
    uint8_t maj, min, exch, flags;
    uint8_t pdir;               /* the direction Suricata parses it in (APP_DIR_*; see swap) */
    uint8_t encrypted;          /* IKEv1: the E flag; nothing after the header was read */
    uint64_t ispi, rspi;
    uint32_t msgid;
    char ispi_hex[17], rspi_hex[17];
    /* IKEv1 */
    uint8_t pset[32];           /* payload types met (bit per type), as Suricata's set */
    uint32_t nxf, nxf_total;
    struct ike_xform xf[IKE_XFORMS_MAX];
    uint32_t nvid;
    struct ike_view vid[IKE_VIDS_MAX];
    struct ike_view ke, nonce;  /* this message's (n = 0: none) */
    /* IKEv2 */
    uint32_t npt, nnotify, errors;
    uint8_t pt[IKE_V2_PT_MAX];
    uint16_t notify[IKE_V2_NOTIFY_MAX];
    uint8_t v2_server_sa;       /* a responder SA was seen on the flow (chosen_sa_attribute) */
    uint8_t v2_resp_sa;         /* this message is a response (R flag) with an SA: */
    struct ike_v2alg v2_resp;   /* its algorithms (the risk looks at these) */
};

struct ike_state {
    struct app_stats *st;
    uint64_t *ctr;
    int id;
    uint8_t seen[2];            /* a datagram of that direction was looked at */
    uint8_t swapped;            /* Suricata turned the flow around (see app_ike.c) */
    uint8_t dead;               /* the flow's first datagram is not IKE */
    uint8_t has_doi;
    uint32_t doi;
    struct ike_party party[2];  /* [0] the initiator's side (to server), [1] the responder's */
    struct ike_v2alg alg;
    uint8_t v2_server_sa;
    uint8_t risk;               /* a risk was reported for the flow */
};

/* app_ike_log.c */
void ike_event_body(struct jw *w, const struct app_tx *tx);
/* Suricata's names for an IKEv1 attribute's type ("alg_enc", "unknown") and
 * value ("EncAesCbc", "Unknown"). */
const char *ike_v1_attr_name(uint16_t type);
const char *ike_v1_attr_value(uint16_t type, uint16_t v);

#endif
