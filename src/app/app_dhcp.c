/* app_dhcp.c - DHCP (RFC 2131, options RFC 2132) over UDP, one message per
 * datagram, as Suricata 7.0.10 logs it.
 *
 * A message is the 236-byte BOOTP header, the magic cookie 99.130.83.99
 * and options (code, length, data; 0 pads, 255 ends). Every option is
 * checked against the datagram before it is read; a message whose header
 * or cookie is short, or whose options run past the datagram, is counted
 * (parse_errors) and makes no transaction.
 *
 * Each message is one transaction. Suricata's shipped configuration has
 * "extended: no": only DHCPACKs are logged, with type, id, client_mac,
 * assigned_ip, client_id, renewal_time, hostname and dhcp_type, and so do
 * we unless app_limits.dhcp_extended is set; then every message is logged
 * with Suricata's extended fields too (client_ip, relay_ip,
 * next_server_ip, lease_time, rebinding_time, subnet_mask, requested_ip,
 * params, dns_servers, routers). Fields follow the options' order, as
 * Suricata writes them.
 *
 * Hosts (dhcp_learned): a DHCPACK names the client it configured (address,
 * MAC, host name) as a TX_ASSET host for the asset inventory; a DHCPREQUEST
 * gives the name and address it asks for, unconfirmed, so an ACK of that
 * address in the same flow gets the name when the ACK lacks it.
 *
 * Ownership: no state; everything is read from the datagram during the
 * call (the meta points into it). */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>

#include "app_buf.h"

#define DHCP_HDR   236
#define DHCP_MAGIC 0x63825363u

enum { C_MESSAGES, C_PARSE_ERRORS, C_ACKS };    /* the entry's counters */

/* The meta of a transaction: the message, checked, and how to log it. */
struct dhcp_meta {
    const uint8_t *m;
    uint32_t len;                   /* header, cookie and the options up to the end */
    uint8_t extended;
};

/* The options, checked: 0 and the end offset, or -1 when one runs past. */
static int dhcp_check(const uint8_t *m, size_t n, uint8_t *type)
{
    size_t o = DHCP_HDR + 4;
    *type = 0;
    while (o < n) {
        uint8_t code = m[o++];
        if (code == 0)
            continue;
        if (code == 255)
            return 0;
        if (o >= n || m[o] > n - o - 1)
            return -1;
        uint8_t len = m[o++];
        if (code == 53 && len >= 1)
            *type = m[o];
        o += len;
    }
    return 0;
}

/* The host a message names, for the asset inventory: a DHCPACK's address
 * (yiaddr, else ciaddr), the client's MAC (Ethernet chaddr) and the name
 * (option 12, else option 81's); a DHCPREQUEST's address it asks for
 * (option 50, else ciaddr) with its name, unconfirmed. Options were
 * checked by dhcp_check(). */
static void dhcp_learned(const uint8_t *m, size_t n, uint8_t type, int dir, int id,
                         const struct app_sink *sink)
{
    struct app_asset_meta a = { .object = "host", .key = "host", .host = 1, .ipver = 4 };
    char name[256] = "", fqdn[256] = "";
    const uint8_t *req = NULL;

    if (!((type == 5 && m[0] == 2) || (type == 3 && m[0] == 1)))
        return;
    for (size_t o = DHCP_HDR + 4; o < n;) {
        uint8_t code = m[o++];
        if (code == 0)
            continue;
        if (code == 255 || o >= n)
            break;
        uint8_t len = m[o++];
        const uint8_t *v = m + o;
        o += len;
        if (code == 12 && len) {
            memcpy(name, v, len);
            name[len] = 0;
        } else if (code == 81 && len > 3) {     /* flags, rcode1, rcode2, name */
            memcpy(fqdn, v + 3, len - 3u);
            fqdn[len - 3] = 0;
        } else if (code == 50 && len == 4) {
            req = v;
        }
    }
    const uint8_t *ip = type == 5 ? m + 16 : req;
    if (!ip || !(ip[0] | ip[1] | ip[2] | ip[3]))
        ip = m + 12;                            /* ciaddr: a renewal */
    if (!(ip[0] | ip[1] | ip[2] | ip[3]))
        return;
    memcpy(a.ip, ip, 4);
    if (m[1] == 1 && m[2] == 6) {
        memcpy(a.mac, m + 28, 6);
        a.has_mac = 1;
    }
    for (char *c = name[0] ? name : fqdn; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = '?';                           /* a NUL or control byte inside the name */
    a.value = name[0] ? name : fqdn;
    a.num = type == 5;
    app_buf_emit(sink, id, TX_ASSET, dir, 0, NULL, &a);
}

static void dhcp_datagram(const uint8_t *msg, size_t len, int dir, const struct app_limits *lim,
                          struct app_stats *st, int id, const struct app_sink *sink)
{
    uint64_t *ctr = app_stats_row(st, id);
    uint8_t type;

    ctr[C_MESSAGES]++;
    if (len < DHCP_HDR + 4 ||
        ((uint32_t)msg[DHCP_HDR] << 24 | (uint32_t)msg[DHCP_HDR + 1] << 16 |
         (uint32_t)msg[DHCP_HDR + 2] << 8 | msg[DHCP_HDR + 3]) != DHCP_MAGIC ||
        dhcp_check(msg, len, &type) < 0) {
        ctr[C_PARSE_ERRORS]++;
        return;
    }
    if (type == 5)
        ctr[C_ACKS]++;
    dhcp_learned(msg, len, type, dir, id, sink);
    struct dhcp_meta m = { msg, (uint32_t)len, lim && lim->dhcp_extended };
    int event = m.extended || type == 5;
    app_buf_emit(sink, id, TX_MSG, dir, event, NULL, &m);
}

/* ---- the event ---- */

static void ip4(struct jw *w, const char *k, const uint8_t *p)
{
    char b[16];
    snprintf(b, sizeof(b), "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    jw_kstr(w, k, b);
}

static void hex(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    char b[3 * 255 + 1];
    size_t o = 0;
    for (size_t i = 0; i < n && i < 255; i++)
        o += (size_t)snprintf(b + o, sizeof(b) - o, i ? ":%02x" : "%02x", p[i]);
    b[o] = 0;
    jw_kstr(w, k, b);
}

static void ip_list(struct jw *w, const char *k, const uint8_t *p, size_t n)
{
    char b[16];
    jw_karr(w, k);
    for (size_t i = 0; i + 4 <= n; i += 4) {
        snprintf(b, sizeof(b), "%u.%u.%u.%u", p[i], p[i + 1], p[i + 2], p[i + 3]);
        jw_str(w, b);
    }
    jw_arr_end(w);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void dhcp_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct dhcp_meta *d = tx->meta;
    const uint8_t *m = d->m;
    int ext = d->extended;
    static const char *const types[] = { "unknown", "discover", "offer", "request", "decline",
                                         "ack", "nak", "release", "inform" };

    jw_kobj(w, "dhcp");
    jw_kstr(w, "type", m[0] == 1 ? "request" : m[0] == 2 ? "reply" : "<unknown>");
    jw_ku64(w, "id", be32(m + 4));
    hex(w, "client_mac", m + 28, 6);
    ip4(w, "assigned_ip", m + 16);
    if (ext) {
        ip4(w, "client_ip", m + 12);
        if (m[0] == 2) {
            ip4(w, "relay_ip", m + 24);
            ip4(w, "next_server_ip", m + 20);
        }
    }
    for (size_t o = DHCP_HDR + 4; o < d->len;) {   /* checked by dhcp_check() */
        uint8_t code = m[o++];
        if (code == 0)
            continue;
        if (code == 255 || o >= d->len)
            break;
        uint8_t len = m[o++];
        const uint8_t *v = m + o;
        o += len;
        switch (code) {
        case 61:                                    /* client identifier: after its type */
            if (len >= 1)
                hex(w, "client_id", v + 1, len - 1u);
            break;
        case 51:
            if (ext && len == 4)
                jw_ku64(w, "lease_time", be32(v));
            break;
        case 59:
            if (ext && len == 4)
                jw_ku64(w, "rebinding_time", be32(v));
            break;
        case 58:
            if (len == 4)
                jw_ku64(w, "renewal_time", be32(v));
            break;
        case 1:
            if (ext && len == 4)
                ip4(w, "subnet_mask", v);
            break;
        case 12:
            if (len) {
                jw_key(w, "hostname");
                jw_strn(w, (const char *)v, len);
            }
            break;
        case 53:
            if (len)
                jw_kstr(w, "dhcp_type", v[0] <= 8 ? types[v[0]] : "unknown");
            break;
        case 50:
            if (ext && len == 4)
                ip4(w, "requested_ip", v);
            break;
        case 55:
            if (ext) {
                jw_karr(w, "params");
                for (uint8_t i = 0; i < len; i++) {
                    const char *p = v[i] == 1 ? "subnet_mask" : v[i] == 3 ? "router" :
                                    v[i] == 6 ? "dns_server" : v[i] == 15 ? "domain" :
                                    v[i] == 35 ? "arp_timeout" : v[i] == 42 ? "ntp_server" :
                                    v[i] == 66 ? "tftp_server_name" :
                                    v[i] == 150 ? "tftp_server_ip" : NULL;
                    if (p)
                        jw_str(w, p);
                }
                jw_arr_end(w);
            }
            break;
        case 6:
            if (ext)
                ip_list(w, "dns_servers", v, len);
            break;
        case 3:
            if (ext)
                ip_list(w, "routers", v, len);
            break;
        default:
            break;
        }
    }
    jw_obj_end(w);
}

const struct app_parser app_dhcp_parser = {
    .name = "dhcp", .rule_proto = "dhcp", .event_type = "dhcp", .event_id = 18,
    .transports = APP_UDP,
    .ndpi = (const uint16_t[]){ NDPI_PROTOCOL_DHCP, 0 },
    .counters = (const char *const[]){ "messages", "parse_errors", "acks", NULL },
    .datagram = dhcp_datagram,
    .event_body = dhcp_event_body,
};
