/* app_ntlmssp.c - the NTLMSSP messages (MS-NLMP 2.2.1) inside an SMB
 * session setup's security blob: the AUTHENTICATE message's domain, user
 * and workstation names and version (what Suricata's smb event writes in
 * "ntlmssp"), and the CHALLENGE message's target name and target info
 * (the server's computer and domain names, for the asset inventory).
 *
 * The blob is SPNEGO (RFC 4178) around the NTLMSSP token, or the raw
 * token. Instead of decoding the DER, the token is found by its 8-byte
 * signature "NTLMSSP\0" within the blob: a DER length can only shorten
 * what follows it, and every field of the token is then read with its
 * offset and length checked against the rest of the blob. Names are
 * UTF-16LE when the token's flags say NEGOTIATE_UNICODE, else OEM (ASCII).
 *
 * Ownership: writes into the caller's tx and state; keeps nothing. */
#include <stdio.h>
#include <string.h>

#include "app_smb_internal.h"

#define NTLM_UNICODE 0x00000001u
#define NTLM_VERSION 0x02000000u

/* A security buffer (len, maxlen, offset) at `at` of the token. */
static void ntlm_field(const uint8_t *m, size_t n, size_t at, int unicode, char *out, size_t osz)
{
    out[0] = 0;
    if (!SMB_HAVE(n, at, 8))
        return;
    uint16_t len = smb_le16(m + at);
    uint32_t off = smb_le32(m + at + 4);
    if (!SMB_HAVE(n, off, len))
        return;
    if (unicode)
        smb_utf16_name(m + off, len, out, osz);
    else
        smb_ascii_name(m + off, len, out, osz);
}

/* The challenge's TargetInfo (a security buffer at 40): AV pairs of
 * (id, length, UTF-16LE value) up to MsvAvEOL; ids 1-4 are the server's
 * NetBIOS and DNS computer and domain names. */
static void ntlm_target_info(struct smb_state *s, const uint8_t *m, size_t n)
{
    if (!SMB_HAVE(n, 40, 8))
        return;
    uint16_t len = smb_le16(m + 40);
    uint32_t off = smb_le32(m + 44);
    if (!SMB_HAVE(n, off, len))
        return;
    const uint8_t *p = m + off;
    char *const dst[5] = { NULL, s->nb_computer, s->nb_domain, s->dns_computer, s->dns_domain };
    for (size_t o = 0; SMB_HAVE(len, o, 4);) {
        uint16_t id = smb_le16(p + o), l = smb_le16(p + o + 2);
        if (id == 0 || !SMB_HAVE(len, o + 4, l))
            break;
        if (id <= 4) {
            smb_utf16_name(p + o + 4, l, dst[id], SMB_STR_MAX);
            s->learn |= SMB_LEARN_NTLM;
        }
        o += 4u + l;
    }
}

int ntlmssp_parse(struct smb_tx *t, struct smb_state *s, const uint8_t *blob, size_t n)
{
    static const uint8_t sig[8] = { 'N', 'T', 'L', 'M', 'S', 'S', 'P', 0 };
    const uint8_t *m = NULL;
    for (size_t i = 0; i + 12 <= n; i++)
        if (blob[i] == 'N' && !memcmp(blob + i, sig, 8)) {
            m = blob + i;
            n -= i;
            break;
        }
    if (!m)
        return 0;
    uint32_t type = smb_le32(m + 8);
    if (type == 2) {                    /* CHALLENGE: target name at 12, flags at 20 */
        if (SMB_HAVE(n, 20, 4))
            ntlm_field(m, n, 12, (smb_le32(m + 20) & NTLM_UNICODE) != 0, s->server_name,
                       sizeof(s->server_name));
        ntlm_target_info(s, m, n);
        return 0;
    }
    if (type != 3 || !SMB_HAVE(n, 0, 64))
        return 0;
    uint32_t flags = smb_le32(m + 60);
    int uni = (flags & NTLM_UNICODE) != 0;
    if (t->type != SMBT_SESSION)
        return 0;
    ntlm_field(m, n, 28, uni, t->u.ses.domain, sizeof(t->u.ses.domain));
    ntlm_field(m, n, 36, uni, t->u.ses.user, sizeof(t->u.ses.user));
    ntlm_field(m, n, 44, uni, t->u.ses.host, sizeof(t->u.ses.host));
    t->u.ses.version[0] = 0;
    if ((flags & NTLM_VERSION) && SMB_HAVE(n, 64, 8))
        snprintf(t->u.ses.version, sizeof(t->u.ses.version), "%u.%u build %u rev %u", m[64],
                 m[65], smb_le16(m + 66), m[71]);
    t->u.ses.have_ntlm = 1;
    return 1;
}
