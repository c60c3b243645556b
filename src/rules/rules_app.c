/* rules_app.c - the names of the app-layer protocols a rule may name, in
 * its header (`alert dns ...`) or in app-layer-protocol:, as Suricata
 * spells them (with its aliases: http1, ikev2); and the name of each for
 * problem reasons and tools.
 *
 * Ownership: constant tables only. */
#include <strings.h>

#include "rules_internal.h"
#include "taishi/core/compiler.h"

static const char *const app_names[RAPP_MAX] = {
    [RAPP_NONE] = "none", [RAPP_HTTP] = "http", [RAPP_TLS] = "tls", [RAPP_DNS] = "dns",
    [RAPP_SSH] = "ssh", [RAPP_SMTP] = "smtp", [RAPP_FTP] = "ftp", [RAPP_SMB] = "smb",
    [RAPP_DCERPC] = "dcerpc", [RAPP_NFS] = "nfs", [RAPP_NTP] = "ntp", [RAPP_DHCP] = "dhcp",
    [RAPP_SNMP] = "snmp", [RAPP_SIP] = "sip", [RAPP_RDP] = "rdp", [RAPP_KRB5] = "krb5",
    [RAPP_IMAP] = "imap", [RAPP_POP3] = "pop3", [RAPP_MODBUS] = "modbus", [RAPP_DNP3] = "dnp3",
    [RAPP_ENIP] = "enip", [RAPP_TFTP] = "tftp", [RAPP_IKE] = "ike", [RAPP_MQTT] = "mqtt",
    [RAPP_RFB] = "rfb", [RAPP_TELNET] = "telnet", [RAPP_IRC] = "irc", [RAPP_HTTP2] = "http2",
    [RAPP_QUIC] = "quic", [RAPP_FTP_DATA] = "ftp-data",
};

const char *rules_app_name(enum rule_app a)
{
    return (unsigned)a < RAPP_MAX && app_names[a] ? app_names[a] : "?";
}

int rules_app_lookup(const char *name)
{
    static const struct { const char *n; uint8_t a; } aliases[] = {
        { "http1", RAPP_HTTP }, { "ikev2", RAPP_IKE }, { "dcerpc", RAPP_DCERPC },
    };
    for (unsigned i = 1; i < RAPP_MAX; i++)
        if (!strcasecmp(app_names[i], name))
            return (int)i;
    for (size_t i = 0; i < ARRAY_SIZE(aliases); i++)
        if (!strcasecmp(aliases[i].n, name))
            return aliases[i].a;
    return RAPP_NONE;
}
