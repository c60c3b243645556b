/* app_ike_log.c - the `ike` event of one IKE message (app_ike.c parses), in
 * Suricata 7.0.10's shape and spellings:
 *
 *   ike{version_major, version_minor, init_spi, resp_spi, message_id,
 *       exchange_type,
 *       IKEv1: the responder's chosen transform's attributes (alg_enc,
 *         alg_enc_raw, alg_hash, ..., sa_life_duration_raw) once the flow
 *         has one; server_proposals[] when a responder message carries more
 *         than one transform;
 *       IKEv2: role ("initiator" when the I flag is set, else "responder"
 *         with alg_enc, alg_auth, alg_prf, alg_dh, alg_esn of the flow's
 *         responder SA, Suricata's defaults until there is one);
 *       payload[] (left out when empty: see below),
 *       ikev1{doi, encrypted_payloads, client{key_exchange_payload,
 *         key_exchange_payload_length, nonce_payload, nonce_payload_length,
 *         proposals[]}, server{...}, vendor_ids[]}  or  ikev2{errors, notify[]}}
 *
 * Names: IKEv1 attribute types and values as Suricata's parser names them
 * ("alg_enc": "EncAesCbc", an unassigned value "Unknown", an unknown type
 * "unknown"); IKEv1 payload types by Suricata's enum, written in ascending
 * order (Suricata keeps them in a hash set, so its order varies from run to
 * run; the comparison sorts them); IKEv2 payload, notify and transform names
 * as ipsec-parser prints them (an unnamed value "Type(n / 0xn)", a notify
 * "Notify(n)").
 *
 * Ownership: reads the tx's meta (struct ike_msg) and the flow state it
 * points to during the callback; keeps nothing. */
#include <stdio.h>
#include <string.h>

#include "app_ike_internal.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const char *const attr_names[17] = {
    NULL, "alg_enc", "alg_hash", "alg_auth", "alg_dh", "sa_group_type", "sa_group_prime",
    "sa_group_generator_one", "sa_group_generator_two", "sa_group_curve_a", "sa_group_curve_b",
    "sa_life_type", "sa_life_duration", "alg_prf", "sa_key_length", "sa_field_size",
    "sa_group_order",
};

const char *ike_v1_attr_name(uint16_t type)
{
    return type < N(attr_names) && attr_names[type] ? attr_names[type] : "unknown";
}

static const char *const enc_names[] = {
    NULL, "EncDesCbc", "EncIdeaCbc", "EncBlowfishCbc", "EncRc5R16B64Cbc", "EncTripleDesCbc",
    "EncCastCbc", "EncAesCbc", "EncCamelliaCbc",
};
static const char *const hash_names[] = {
    NULL, "HashMd5", "HashSha", "HashTiger", "HashSha2_256", "HashSha2_384", "HashSha2_512",
};
static const char *const auth_names[] = {
    NULL, "AuthPreSharedKey", "AuthDssSignatures", "AuthRsaSignatures", "AuthEncryptionWithRsa",
    "AuthRevisedEncryptionWithRsa", "AuthReserved", "AuthReserved", "AuthReserved",
    "AuthEcdsaSha256", "AuthEcdsaSha384", "AuthEcdsaSha512",
};
static const char *const group_names[] = {
    NULL, "GroupDefault768BitModp", "GroupAlternate1024BitModpGroup", "GroupEc2nOnGp2p155",
    "GroupEc2nOnGp2p185", "GroupModp1536Bit", "GroupEc2nOverGf2p163", "GroupEc2nOverGf2p163",
    "GroupEc2nOverGf2p283", "GroupEc2nOverGf2p283", "GroupEc2nOverGf2p409",
    "GroupEc2nOverGf2p409", "GroupEc2nOverGf2p571", "GroupEc2nOverGf2p571", "GroupModp2048Bit",
    "GroupModp3072Bit", "GroupModp4096Bit", "GroupModp6144Bit", "GroupModp8192Bit",
    "GroupRandomEcp256", "GroupRandomEcp384", "GroupRandomEcp521",
    "GroupModp1024With160BitPrime", "GroupModp2048With224BitPrime",
    "GroupModp2048With256BitPrime", "GroupRandomEcp192", "GroupRandomEcp224",
    "GroupBrainpoolEcp224", "GroupBrainpoolEcp256", "GroupBrainpoolEcp384",
    "GroupBrainpoolEcp512",
};

static const char *pick(const char *const *t, size_t n, uint16_t v)
{
    return v < n && t[v] ? t[v] : "Unknown";
}

const char *ike_v1_attr_value(uint16_t type, uint16_t v)
{
    switch (type) {
    case 1: return pick(enc_names, N(enc_names), v);
    case 2: return pick(hash_names, N(hash_names), v);
    case 3: return pick(auth_names, N(auth_names), v);
    case 4: return pick(group_names, N(group_names), v);
    case 11: return v == 1 ? "LifeTypeSeconds" : v == 2 ? "LifeTypeKilobytes" : "Unknown";
    default: return "Unknown";
    }
}

static const char *const v1_payload_names[23] = {
    "None", "SecurityAssociation", "Proposal", "Transform", "KeyExchange", "Identification",
    "Certificate", "CertificateRequest", "Hash", "Signature", "Nonce", "Notification", "Delete",
    "VendorID", NULL, "SaKekPayload", "SaTekPayload", "KeyDownload", "SequenceNumber",
    "ProofOfPossession", "NatDiscovery", "NatOriginalAddress", "GroupAssociatedPolicy",
};

/* IKEv2 (ipsec-parser's names) */
static const char *const v2_payload_names[] = {
    [0] = "NoNextPayload", [33] = "SecurityAssociation", [34] = "KeyExchange",
    [35] = "IdentInitiator", [36] = "IdentResponder", [37] = "Certificate",
    [38] = "CertificateRequest", [39] = "Authentication", [40] = "Nonce", [41] = "Notify",
    [42] = "Delete", [43] = "VendorID", [44] = "TrafficSelectorInitiator",
    [45] = "TrafficSelectorResponder", [46] = "EncryptedAndAuthenticated",
    [47] = "Configuration", [48] = "ExtensibleAuthentication",
};
static const char *const v2_enc_names[] = {
    NULL, "ENCR_DES_IV64", "ENCR_DES", "ENCR_3DES", "ENCR_RC5", "ENCR_IDEA", "ENCR_CAST",
    "ENCR_BLOWFISH", "ENCR_3IDEA", "ENCR_DES_IV32", NULL, "ENCR_NULL", "ENCR_AES_CBC",
    "ENCR_AES_CTR", "ENCR_AES_CCM_8", "ENCR_AES_CCM_12", "ENCR_AES_CCM_16", NULL,
    "ENCR_AES_GCM_8", "ENCR_AES_GCM_12", "ENCR_AES_GCM_16", "ENCR_NULL_AUTH_AES_GMAC", NULL,
    "ENCR_CAMELLIA_CBC", "ENCR_CAMELLIA_CTR", "ENCR_CAMELLIA_CCM_8", "ENCR_CAMELLIA_CCM_12",
    "ENCR_CAMELLIA_CCM_16", "ENCR_CHACHA20_POLY1305",
};
static const char *const v2_prf_names[] = {
    "PRF_NULL", "PRF_HMAC_MD5", "PRF_HMAC_SHA1", "PRF_HMAC_TIGER", "PRF_AES128_XCBC",
    "PRF_HMAC_SHA2_256", "PRF_HMAC_SHA2_384", "PRF_HMAC_SHA2_512", "PRF_AES128_CMAC",
};
static const char *const v2_auth_names[] = {
    "NONE", "AUTH_HMAC_MD5_96", "AUTH_HMAC_SHA1_96", "AUTH_DES_MAC", "AUTH_KPDK_MD5",
    "AUTH_AES_XCBC_96", "AUTH_HMAC_MD5_128", "AUTH_HMAC_SHA1_160", "AUTH_AES_CMAC_96",
    "AUTH_AES_128_GMAC", "AUTH_AES_192_GMAC", "AUTH_AES_256_GMAC", "AUTH_HMAC_SHA2_256_128",
    "AUTH_HMAC_SHA2_384_192", "AUTH_HMAC_SHA2_512_256",
};
static const char *const v2_dh_names[] = {
    "None", "Modp768", "Modp1024", NULL, NULL, "Modp1536", NULL, NULL, NULL, NULL, NULL, NULL,
    NULL, NULL, "Modp2048", "Modp3072", "Modp4096", "Modp6144", "Modp8192", "Ecp256",
    "Ecp384", "Ecp521", "Modp1024s160", "Modp2048s224", "Modp2048s256", "Ecp192", "Ecp224",
    "BrainpoolP224r1", "BrainpoolP256r1", "BrainpoolP384r1", "BrainpoolP512r1", "Curve25519",
    "Curve448",
};
static const char *const v2_esn_names[] = { "NoESN", "ESN" };

static const char *v2_name(const char *const *t, size_t n, unsigned v, const char *type,
                           char *buf, size_t cap)
{
    if (v < n && t[v])
        return t[v];
    snprintf(buf, cap, "%s(%u / 0x%x)", type, v, v);
    return buf;
}

static const char *notify_name(uint16_t v, char *buf, size_t cap)
{
    static const struct { uint16_t v; const char *s; } t[] = {
        { 1, "UNSUPPORTED_CRITICAL_PAYLOAD" }, { 4, "INVALID_IKE_SPI" },
        { 5, "INVALID_MAJOR_VERSION" }, { 7, "INVALID_SYNTAX" }, { 9, "INVALID_MESSAGE_ID" },
        { 11, "INVALID_SPI" }, { 14, "NO_PROPOSAL_CHOSEN" }, { 17, "INVALID_KE_PAYLOAD" },
        { 24, "AUTHENTICATION_FAILED" }, { 34, "SINGLE_PAIR_REQUIRED" },
        { 35, "NO_ADDITIONAL_SAS" }, { 36, "INTERNAL_ADDRESS_FAILURE" },
        { 37, "FAILED_CP_REQUIRED" }, { 38, "TS_UNACCEPTABLE" }, { 39, "INVALID_SELECTORS" },
        { 43, "TEMPORARY_FAILURE" }, { 44, "CHILD_SA_NOT_FOUND" },
        { 16384, "INITIAL_CONTACT" }, { 16385, "SET_WINDOW_SIZE" },
        { 16386, "ADDITIONAL_TS_POSSIBLE" }, { 16387, "IPCOMP_SUPPORTED" },
        { 16388, "NAT_DETECTION_SOURCE_IP" }, { 16389, "NAT_DETECTION_DESTINATION_IP" },
        { 16390, "COOKIE" }, { 16391, "USE_TRANSPORT_MODE" },
        { 16392, "HTTP_CERT_LOOKUP_SUPPORTED" }, { 16393, "REKEY_SA" },
        { 16394, "ESP_TFC_PADDING_NOT_SUPPORTED" }, { 16395, "NON_FIRST_FRAGMENTS_ALSO" },
        { 16404, "MULTIPLE_AUTH_SUPPORTED" }, { 16405, "ANOTHER_AUTH_FOLLOWS" },
        { 16406, "REDIRECT_SUPPORTED" }, { 16430, "IKEV2_FRAGMENTATION_SUPPORTED" },
        { 16431, "SIGNATURE_HASH_ALGORITHMS" },
    };
    for (size_t i = 0; i < N(t); i++)
        if (t[i].v == v)
            return t[i].s;
    snprintf(buf, cap, "Notify(%u)", v);
    return buf;
}

static void hexstr(struct jw *w, const uint8_t *p, uint32_t n)
{
    static const char hx[] = "0123456789abcdef";
    char buf[2 * IKE_KE_MAX + 1];
    uint32_t k = 0;
    for (uint32_t i = 0; i < n && k + 2 < sizeof(buf); i++) {
        buf[k++] = hx[p[i] >> 4];
        buf[k++] = hx[p[i] & 15];
    }
    jw_strn(w, buf, k);
}

static void attrs(struct jw *w, const struct ike_xform *x)
{
    char key[48];
    for (unsigned i = 0; i < x->n; i++) {
        const struct ike_attr *a = &x->a[i];
        const char *name = ike_v1_attr_name(a->type);
        jw_kstr(w, name, ike_v1_attr_value(a->type, a->v16));
        snprintf(key, sizeof(key), "%s_raw", name);
        jw_key(w, key);
        if (a->has_num)
            jw_u64(w, a->num);
        else
            hexstr(w, a->hex, a->hexlen);
    }
}

static void party(struct jw *w, const char *k, const struct ike_party *p,
                  const struct ike_msg *m, int with_proposals)
{
    jw_kobj(w, k);
    if (p->ke_len) {
        jw_key(w, "key_exchange_payload");
        hexstr(w, p->ke, p->ke_len);
        jw_ku64(w, "key_exchange_payload_length", p->ke_len);
    }
    if (p->nonce_len) {
        jw_key(w, "nonce_payload");
        hexstr(w, p->nonce, p->nonce_len);
        jw_ku64(w, "nonce_payload_length", p->nonce_len);
    }
    if (with_proposals && m->nxf) {
        jw_karr(w, "proposals");
        for (uint32_t i = 0; i < m->nxf; i++) {
            jw_obj_begin(w);
            attrs(w, &m->xf[i]);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

void ike_event_body(struct jw *w, const struct app_tx *tx)
{
    const struct ike_msg *m = tx->meta;
    const struct ike_state *s = m->s;
    char b[48];

    jw_kobj(w, "ike");
    jw_ku64(w, "version_major", m->maj);
    jw_ku64(w, "version_minor", m->min);
    jw_kstr(w, "init_spi", m->ispi_hex);
    jw_kstr(w, "resp_spi", m->rspi_hex);
    jw_ku64(w, "message_id", m->msgid);
    jw_ku64(w, "exchange_type", m->exch);
    if (m->maj == 1) {
        if (s->party[1].nb_transforms)
            attrs(w, &s->party[1].chosen);
        if (m->pdir == APP_DIR_TOCLIENT && m->nxf_total > 1) {
            jw_karr(w, "server_proposals");
            for (uint32_t i = 0; i < m->nxf; i++) {
                jw_obj_begin(w);
                attrs(w, &m->xf[i]);
                jw_obj_end(w);
            }
            jw_arr_end(w);
        }
    } else if (m->flags & 0x08) {
        jw_kstr(w, "role", "initiator");
    } else {
        jw_kstr(w, "role", "responder");
        jw_kstr(w, "alg_enc", v2_name(v2_enc_names, N(v2_enc_names), s->alg.enc,
                                      "IkeTransformEncType", b, sizeof(b)));
        jw_kstr(w, "alg_auth", v2_name(v2_auth_names, N(v2_auth_names), s->alg.auth,
                                       "IkeTransformAuthType", b, sizeof(b)));
        jw_kstr(w, "alg_prf", v2_name(v2_prf_names, N(v2_prf_names), s->alg.prf,
                                      "IkeTransformPRFType", b, sizeof(b)));
        jw_kstr(w, "alg_dh", v2_name(v2_dh_names, N(v2_dh_names), s->alg.dh,
                                     "IkeTransformDHType", b, sizeof(b)));
        jw_kstr(w, "alg_esn", v2_name(v2_esn_names, N(v2_esn_names), s->alg.esn,
                                      "IkeTransformESNType", b, sizeof(b)));
    }
    /* Suricata writes "payload": [] for an IKEv2 message whose payloads do
     * not parse; its own EVE schema wants at least one item: left out here */
    if (m->maj == 1 || m->npt) {
        jw_karr(w, "payload");
        if (m->maj == 1) {
            for (unsigned t = 0; t < N(v1_payload_names); t++)
                if ((m->pset[t >> 3] >> (t & 7) & 1) && v1_payload_names[t])
                    jw_str(w, v1_payload_names[t]);
        } else {
            for (uint32_t i = 0; i < m->npt; i++)
                jw_str(w, v2_name(v2_payload_names, N(v2_payload_names), m->pt[i],
                                  "IkePayloadType", b, sizeof(b)));
        }
        jw_arr_end(w);
    }
    if (m->maj == 1) {
        jw_kobj(w, "ikev1");
        if (s->has_doi)
            jw_ku64(w, "doi", s->doi);
        jw_key(w, "encrypted_payloads");
        jw_bool(w, m->encrypted);
        if (!m->encrypted) {
            party(w, "client", &s->party[0], m, m->pdir == APP_DIR_TOSERVER);
            party(w, "server", &s->party[1], m, 0);
            if (m->nvid) {
                jw_karr(w, "vendor_ids");
                for (uint32_t i = 0; i < m->nvid; i++)
                    hexstr(w, m->vid[i].p, m->vid[i].n);
                jw_arr_end(w);
            }
        }
        jw_obj_end(w);
    } else {
        jw_kobj(w, "ikev2");
        jw_ku64(w, "errors", m->errors);
        if (m->nnotify) {
            jw_karr(w, "notify");
            for (uint32_t i = 0; i < m->nnotify; i++)
                jw_str(w, notify_name(m->notify[i], b, sizeof(b)));
            jw_arr_end(w);
        }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}
