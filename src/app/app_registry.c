/* app_registry.c - the table of app-layer parsers, and the protocols rules
 * can name that have no parser yet.
 *
 * Adding a protocol is one file (its parser, ending with its
 * `const struct app_parser`) and one row in `parsers` below; README.md
 * "Adding a protocol" has the steps. A parser's id is 1 + its row, so the
 * order of rows is the order of the app_layer counters in the stats event.
 *
 * `unparsed` lists, for the detect stage, the nDPI protocols that rules can
 * name by a protocol keyword (alert smtp ...) although no parser reads them
 * yet: rules on such flows inspect the packets and the raw stream. When a
 * parser for one of them arrives, its row moves from there to `parsers`.
 *
 * Everything here is constant; the nDPI look-up is a linear scan (the worker
 * keeps its own index of the answers). */
#include <ndpi/ndpi_protocol_ids.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "taishi/app/app.h"
#include "taishi/app/buffers.h"

extern const struct app_parser app_http_parser, app_dns_parser, app_tls_parser, app_ssh_parser;
extern const struct app_parser app_quic_parser;
extern const struct app_parser app_smtp_parser, app_ftp_parser, app_ftp_data_parser;
extern const struct app_parser app_snmp_parser, app_tftp_parser, app_rdp_parser,
    app_nfs_parser;
extern const struct app_parser app_mqtt_parser, app_krb5_parser, app_dhcp_parser, app_sip_parser,
    app_rfb_parser;
extern const struct app_parser app_smb_parser, app_dcerpc_parser;
extern const struct app_parser app_ike_parser;

static const struct app_parser *const parsers[] = {
    &app_http_parser,
    &app_dns_parser,
    &app_tls_parser,
    &app_ssh_parser,
    &app_quic_parser,
    &app_smtp_parser,
    &app_ftp_parser,
    &app_ftp_data_parser,
    &app_snmp_parser,
    &app_tftp_parser,
    &app_rdp_parser,
    &app_nfs_parser,
    &app_mqtt_parser,
    &app_krb5_parser,
    &app_dhcp_parser,
    &app_sip_parser,
    &app_rfb_parser,
    &app_smb_parser,
    &app_dcerpc_parser,
    &app_ike_parser,
};
#define NPARSERS ((int)(sizeof(parsers) / sizeof(parsers[0])))
_Static_assert(NPARSERS <= APP_PARSERS_MAX, "more parsers than APP_PARSERS_MAX");

struct unparsed {
    const char *rule_proto;
    uint16_t ndpi[3];           /* 0-terminated */
};
static const struct unparsed unparsed[] = {
    { "ntp", { NDPI_PROTOCOL_NTP } },
    { "imap", { NDPI_PROTOCOL_MAIL_IMAP } },
    { "pop3", { NDPI_PROTOCOL_MAIL_POP } },
    { "modbus", { NDPI_PROTOCOL_MODBUS } },
    { "dnp3", { NDPI_PROTOCOL_DNP3 } },
    { "telnet", { NDPI_PROTOCOL_TELNET } },
    { "irc", { NDPI_PROTOCOL_IRC } },
};

int app_registry_count(void)
{
    return NPARSERS;
}

const struct app_parser *app_registry_get(int id)
{
    return id >= 1 && id <= NPARSERS ? parsers[id - 1] : NULL;
}

int app_registry_id(const char *name)
{
    for (int i = 0; name && i < NPARSERS; i++)
        if (!strcmp(parsers[i]->name, name))
            return i + 1;
    return 0;
}

static int has_ndpi(const uint16_t *ids, uint16_t id)
{
    for (; *ids; ids++)
        if (*ids == id)
            return 1;
    return 0;
}

int app_registry_for_ndpi(uint16_t ndpi_id)
{
    for (int i = 0; ndpi_id && i < NPARSERS; i++)
        if (has_ndpi(parsers[i]->ndpi, ndpi_id))
            return i + 1;
    return 0;
}

const char *app_registry_rule_proto(uint16_t ndpi_id)
{
    const struct app_parser *p = app_registry_get(app_registry_for_ndpi(ndpi_id));
    if (p)
        return p->rule_proto;
    for (size_t i = 0; ndpi_id && i < sizeof(unparsed) / sizeof(unparsed[0]); i++)
        if (has_ndpi(unparsed[i].ndpi, ndpi_id))
            return unparsed[i].rule_proto;
    return NULL;
}

const struct app_keyword *app_registry_keyword(const char *name, const char **rule_proto)
{
    for (int i = 0; i < NPARSERS; i++)
        for (const struct app_keyword *k = parsers[i]->keywords; k && k->name; k++)
            if (!strcasecmp(k->name, name)) {
                *rule_proto = parsers[i]->rule_proto;
                return k;
            }
    return NULL;
}

int app_registry_parser_of(const struct app_keyword *k)
{
    for (int i = 0; k && i < NPARSERS; i++)
        for (const struct app_keyword *l = parsers[i]->keywords; l && l->name; l++)
            if (l == k)
                return i + 1;
    return 0;
}

int app_registry_check(char *err, size_t errlen)
{
    return app_registry_check_table(parsers, NPARSERS, err, errlen);
}

int app_registry_check_table(const struct app_parser *const *t, int n, char *err,
                             size_t errlen)
{
    for (int i = 0; i < n; i++) {
        const struct app_parser *p = t[i];
        const char *missing =
            !p->name || !*p->name ? "name" : !p->rule_proto || !*p->rule_proto ? "rule_proto" :
            !p->event_type || !*p->event_type ? "event_type" : !p->event_id ? "event_id" :
            !p->ndpi || !p->ndpi[0] ? "ndpi" : !p->counters ? "counters" :
            !p->event_body ? "event_body" : !(p->transports & (APP_STATEFUL | APP_UDP)) ? "transports" :
            (p->transports & APP_STATEFUL) && !p->create ? "create" :
            (p->transports & APP_STATEFUL) && !p->feed ? "feed" :
            (p->transports & APP_STATEFUL) && !p->gap ? "gap" :
            (p->transports & APP_STATEFUL) && !p->end ? "end" :
            (p->transports & APP_STATEFUL) && !p->destroy ? "destroy" :
            (p->transports & APP_UDP) && !p->datagram ? "datagram" : NULL;
        if (missing) {
            snprintf(err, errlen, "app parser %d (%s): no %s", i + 1, p->name ? p->name : "?", missing);
            return -1;
        }
        for (const struct app_keyword *k = p->keywords; k && k->name; k++)
            if (k->buf <= BUF_STREAM || k->buf >= BUF_MAX || (k->buf == BUF_APP_TX) != !!k->ik ||
                (k->ik && !(k->ik->syntax == AI_DCE_IFACE ? !!k->ik->get_iface : !!k->ik->get))) {
                snprintf(err, errlen, "app parser %s: keyword %s: no such buffer or no getter",
                         p->name, k->name);
                return -1;
            }
        int nc = 0;
        while (p->counters[nc])
            nc++;
        if (nc > APP_COUNTERS_MAX) {
            snprintf(err, errlen, "app parser %s: %d counters, at most %d", p->name, nc, APP_COUNTERS_MAX);
            return -1;
        }
        for (int j = 0; j < i; j++) {
            const struct app_parser *q = t[j];
            const char *same = !strcmp(p->name, q->name) ? "name" :
                               !strcmp(p->event_type, q->event_type) ? "event type" :
                               p->event_id == q->event_id ? "event id" : NULL;
            for (const uint16_t *id = p->ndpi; !same && *id; id++)
                if (has_ndpi(q->ndpi, *id))
                    same = "nDPI protocol";
            for (const struct app_keyword *k = p->keywords; !same && k && k->name; k++)
                for (const struct app_keyword *l = q->keywords; !same && l && l->name; l++)
                    if (!strcasecmp(k->name, l->name))
                        same = "rule keyword";
            if (same) {
                snprintf(err, errlen, "app parsers %s and %s: the same %s", q->name, p->name, same);
                return -1;
            }
        }
    }
    return 0;
}
