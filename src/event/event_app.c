/* event_app.c - the protocol objects of the http, dns, tls and ssh events,
 * written from an app_tx's meta with Suricata 7's EVE field names:
 *
 *   http{hostname, url, http_user_agent, http_content_type, http_refer,
 *        http_method, protocol, status, redirect, length, server}
 *        (url is the request URI as sent; length the response body bytes
 *        as sent, dechunked, not decompressed, as Suricata's;
 *        http_content_type the response's; server is ours)
 *   dns  query:  {type:"query", id, rrname, rrtype, tx_id, opcode}
 *        answer: {version:2, type:"answer", id, flags (hex), qr, aa, tc, rd,
 *                 ra (the set ones), opcode, rrname, rrtype, rcode (name),
 *                 answers:[{rrname, rrtype, ttl, rdata}]}   (format v2)
 *   tls{subject, issuerdn, serial, fingerprint, sni, version, notbefore,
 *       notafter, ja3{hash,string}, ja3s{hash,string}}
 *   ssh{client{proto_version, software_version}, server{...}}
 *
 * Absent values are left out. Strings go through the JSON writer, which
 * escapes whatever bytes they hold. Pure functions of the tx. */
#include <stdio.h>

#include "taishi/app/app.h"
#include "taishi/core/jw.h"

const char *app_event_type(const struct app_tx *tx)
{
    switch (tx->proto) {
    case APP_HTTP: return "http";
    case APP_DNS: return "dns";
    case APP_TLS: return "tls";
    case APP_SSH: return "ssh";
    }
    return "app";
}

static void kstr_opt(struct jw *w, const char *k, const char *v)
{
    if (v)
        jw_kstr(w, k, v);
}

static const char *rcode_name(unsigned r)
{
    static const char *const n[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN",
        "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    return r < sizeof(n) / sizeof(n[0]) ? n[r] : NULL;
}

static void http_body(struct jw *w, const struct app_http_meta *m)
{
    jw_kobj(w, "http");
    kstr_opt(w, "hostname", m->host);
    kstr_opt(w, "url", m->uri);
    kstr_opt(w, "http_user_agent", m->user_agent);
    if (m->have_response)
        kstr_opt(w, "http_content_type", m->content_type);
    kstr_opt(w, "http_refer", m->referer);
    kstr_opt(w, "http_method", m->method);
    kstr_opt(w, "protocol", m->protocol);
    if (m->have_response) {
        jw_ku64(w, "status", (uint64_t)m->status);
        kstr_opt(w, "redirect", m->location);
        kstr_opt(w, "server", m->server);
        jw_ku64(w, "length", m->response_body_len);
    }
    jw_obj_end(w);
}

static void dns_body(struct jw *w, const struct app_dns_meta *m)
{
    jw_kobj(w, "dns");
    if (!m->is_response) {
        jw_kstr(w, "type", "query");
        jw_ku64(w, "id", m->id);
        kstr_opt(w, "rrname", m->rrname);
        kstr_opt(w, "rrtype", m->rrtype);
        jw_ku64(w, "tx_id", m->tx_id);
        jw_ku64(w, "opcode", m->opcode);
        jw_obj_end(w);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    char fl[5] = { hex[m->flags >> 12 & 15], hex[m->flags >> 8 & 15], hex[m->flags >> 4 & 15],
                   hex[m->flags & 15], 0 };
    jw_ku64(w, "version", 2);
    jw_kstr(w, "type", "answer");
    jw_ku64(w, "id", m->id);
    jw_kstr(w, "flags", fl);
    jw_key(w, "qr");
    jw_bool(w, 1);
    static const struct { uint16_t bit; const char *name; } bits[] = {
        { 0x0400, "aa" }, { 0x0200, "tc" }, { 0x0100, "rd" }, { 0x0080, "ra" },
    };
    for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
        if (m->flags & bits[i].bit) {
            jw_key(w, bits[i].name);
            jw_bool(w, 1);
        }
    jw_ku64(w, "opcode", m->opcode);
    kstr_opt(w, "rrname", m->rrname);
    kstr_opt(w, "rrtype", m->rrtype);
    const char *rc = rcode_name(m->rcode);
    if (rc)
        jw_kstr(w, "rcode", rc);
    else
        jw_ku64(w, "rcode", m->rcode);
    if (m->nanswers) {
        jw_karr(w, "answers");
        for (uint32_t i = 0; i < m->nanswers; i++) {
            const struct app_dns_answer *a = &m->answers[i];
            jw_obj_begin(w);
            kstr_opt(w, "rrname", a->rrname);
            kstr_opt(w, "rrtype", a->rrtype);
            jw_ku64(w, "ttl", a->ttl);
            kstr_opt(w, "rdata", a->rdata);
            jw_obj_end(w);
        }
        jw_arr_end(w);
    }
    jw_obj_end(w);
}

static void tls_body(struct jw *w, const struct app_tls_meta *m)
{
    jw_kobj(w, "tls");
    kstr_opt(w, "subject", m->subject);
    kstr_opt(w, "issuerdn", m->issuer);
    kstr_opt(w, "serial", m->serial);
    kstr_opt(w, "fingerprint", m->fingerprint);
    kstr_opt(w, "sni", m->sni);
    kstr_opt(w, "version", m->version);
    kstr_opt(w, "notbefore", m->notbefore);
    kstr_opt(w, "notafter", m->notafter);
    if (m->ja3) {
        jw_kobj(w, "ja3");
        jw_kstr(w, "hash", m->ja3);
        kstr_opt(w, "string", m->ja3_string);
        jw_obj_end(w);
    }
    if (m->ja3s) {
        jw_kobj(w, "ja3s");
        jw_kstr(w, "hash", m->ja3s);
        kstr_opt(w, "string", m->ja3s_string);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

static void ssh_side(struct jw *w, const char *k, const char *proto, const char *sw)
{
    if (!proto)
        return;
    jw_kobj(w, k);
    jw_kstr(w, "proto_version", proto);
    kstr_opt(w, "software_version", sw);
    jw_obj_end(w);
}

static void ssh_body(struct jw *w, const struct app_ssh_meta *m)
{
    jw_kobj(w, "ssh");
    ssh_side(w, "client", m->client_proto, m->client_software);
    ssh_side(w, "server", m->server_proto, m->server_software);
    jw_obj_end(w);
}

void app_event_body(struct jw *w, const struct app_tx *tx)
{
    if (!tx->meta)
        return;
    switch (tx->proto) {
    case APP_HTTP: http_body(w, tx->meta); break;
    case APP_DNS: dns_body(w, tx->meta); break;
    case APP_TLS: tls_body(w, tx->meta); break;
    case APP_SSH: ssh_body(w, tx->meta); break;
    }
}
