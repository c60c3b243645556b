/* intel.h - threat intelligence: indicators of compromise from files,
 * matched in every worker.
 *
 * Indicator types: ip (an address or CIDR prefix, either end of a flow),
 * domain (matched on the DNS query, TLS SNI and HTTP host, with subdomain
 * semantics: "example.net" also matches "www.example.net"), ja3 (the TLS
 * client fingerprint, 32 hex digits), url (host + path of an HTTP
 * request, "http://" or "https://" optional), and md5, sha1, sha256 (a
 * file's hash: a file that crossed the link complete, app/files.h).
 *
 * Files (intel.files): one indicator per line, its type recognised from its
 * shape (32 hex digits are a JA3 hash, 40 a SHA-1, 64 a SHA-256; an MD5
 * file hash needs the CSV form "md5,..."); or CSV lines
 * "type,value[,source[,severity]]". '#' starts a comment.
 * The source defaults to the file name, the severity to 2. A line that is
 * neither refuses start-up with file:line.
 *
 * The set is built once and only read by the workers (lookups take no lock).
 * Ownership: strings of an indicator live as long as the intel object. */
#ifndef TAISHI_INTEL_H
#define TAISHI_INTEL_H

#include <stddef.h>
#include <stdint.h>

#include "taishi/config/config.h"

enum ioc_type { IOC_IP, IOC_DOMAIN, IOC_JA3, IOC_URL, IOC_MD5, IOC_SHA1, IOC_SHA256, IOC_MAX };
const char *intel_ioc_type_name(enum ioc_type t);

struct indicator {
    enum ioc_type type;
    char value[256];
    char source[64];
    uint8_t severity;
    uint32_t sid;               /* stable: a hash of type and value */
};

struct intel;
struct intel *intel_open(const struct config *cfg, char *err, size_t errlen);
/* The same, then the updates in order: "add,type,value[,source[,severity]]"
 * or "remove,type,value" (what intel.kafka-topic carries). A bad update is
 * logged and skipped. */
struct intel *intel_open_with(const struct config *cfg, char *const *updates, size_t nupdates,
                              char *err, size_t errlen);
void intel_close(struct intel *in);
size_t intel_count(const struct intel *in);
/* 1 when the set holds an indicator of type t. */
int intel_has_type(const struct intel *in, enum ioc_type t);

const struct indicator *intel_match_ip(const struct intel *in, const uint8_t *addr, int ipver);
/* name: a host name (case-insensitive); walks up its parent domains. */
const struct indicator *intel_match_domain(const struct intel *in, const char *name);
const struct indicator *intel_match_ja3(const struct intel *in, const char *md5hex);
/* host and path as seen in the request ("www.example.com", "/a/b"). */
const struct indicator *intel_match_url(const struct intel *in, const char *host, const char *path);
/* A file hash of type IOC_MD5, IOC_SHA1 or IOC_SHA256 (hex, any case). */
const struct indicator *intel_match_hash(const struct intel *in, enum ioc_type t, const char *hex);

#endif
