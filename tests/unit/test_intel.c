/* test_intel.c - indicator sets: type recognition, CSV and bare lists,
 * subdomain semantics, CIDR longest match, JA3, URLs, add/remove updates,
 * and file:line errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "taishi/enrich/intel.h"
#include "unit.h"

static char path[2][64];

static void write_file(int i, const char *text)
{
    FILE *f = fopen(path[i], "w");
    fputs(text, f);
    fclose(f);
}

int main(void)
{
    struct config cfg;
    char err[512];
    uint8_t a4[16] = {0};

    config_defaults(&cfg);
    snprintf(path[0], sizeof(path[0]), "/tmp/taishi-intel-a-%d.csv", (int)getpid());
    snprintf(path[1], sizeof(path[1]), "/tmp/taishi-intel-b-%d.txt", (int)getpid());
    write_file(0, "type,value,source,severity\nip,192.0.2.0/24,feed,3\ndomain,Evil.Example.\n"
                  "ja3,0123456789abcdef0123456789ABCDEF,feed,1\nurl,https://bad.example/x/y\n");
    write_file(1, "# bare\n198.51.100.7\n2001:db8::/32\nmalware.test\nfeedfacefeedfacefeedfacefeedface\n"
                  "dl.example.org/payload.bin\n");
    snprintf(cfg.intel_files, sizeof(cfg.intel_files), "[%s, %s]", path[0], path[1]);

    struct intel *in = intel_open(&cfg, err, sizeof(err));
    CHECK(in != NULL);
    CHECK_EQ_U(intel_count(in), 9);
    a4[0] = 192; a4[1] = 0; a4[2] = 2; a4[3] = 77;
    const struct indicator *d = intel_match_ip(in, a4, 4);
    CHECK(d && d->type == IOC_IP && d->severity == 3 && !strcmp(d->source, "feed"));
    a4[2] = 3;
    CHECK(intel_match_ip(in, a4, 4) == NULL);
    uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    CHECK(intel_match_ip(in, a6, 6) != NULL);
    CHECK(intel_match_domain(in, "evil.example") != NULL);          /* trailing dot stripped */
    CHECK(intel_match_domain(in, "a.b.EVIL.example") != NULL);      /* subdomains, any case */
    CHECK(intel_match_domain(in, "notevil.example") == NULL);       /* not a suffix match */
    CHECK(intel_match_domain(in, "example") == NULL);
    d = intel_match_domain(in, "x.malware.test.");
    CHECK(d && !strcmp(d->source, strrchr(path[1], '/') + 1));      /* the file name is the source */
    CHECK(intel_match_ja3(in, "0123456789abcdef0123456789abcdef") != NULL);
    CHECK(intel_match_ja3(in, "") == NULL);
    CHECK(intel_match_url(in, "bad.example", "/x/y") != NULL);
    CHECK(intel_match_url(in, "bad.example", "/x") == NULL);
    CHECK(intel_match_url(in, "dl.example.org", "/payload.bin") != NULL);
    uint32_t sid = intel_match_domain(in, "evil.example")->sid;
    intel_close(in);

    /* Updates from the feed: add, then remove; a bad one is skipped. */
    char *ups[] = { "add,domain,new.test,platform,4", "remove,domain,evil.example",
                    "remove,ip,198.51.100.7", "add,bogus,x", "add,url,http://u.test/a" };
    in = intel_open_with(&cfg, ups, 5, err, sizeof(err));
    CHECK(in != NULL);
    d = intel_match_domain(in, "www.new.test");
    CHECK(d && d->severity == 4 && !strcmp(d->source, "platform"));
    CHECK(intel_match_domain(in, "evil.example") == NULL);
    a4[0] = 198; a4[1] = 51; a4[2] = 100; a4[3] = 7;
    CHECK(intel_match_ip(in, a4, 4) == NULL);
    CHECK(intel_match_url(in, "u.test", "/a") != NULL);
    CHECK_EQ_U(intel_count(in), 9 - 2 + 2);
    intel_close(in);
    in = intel_open(&cfg, err, sizeof(err));                        /* stable ids */
    CHECK(in && intel_match_domain(in, "evil.example")->sid == sid);
    intel_close(in);

    /* Errors name the file and line. */
    write_file(1, "malware.test\nnot an indicator\n");
    CHECK(intel_open(&cfg, err, sizeof(err)) == NULL);
    CHECK(strstr(err, ":2:") != NULL && strstr(err, "not an indicator") != NULL);
    write_file(1, "ja3,xyz\n");
    CHECK(intel_open(&cfg, err, sizeof(err)) == NULL);
    CHECK(strstr(err, ":1: 'xyz' is not a valid ja3 indicator") != NULL);

    /* File hashes: md5 in CSV only (32 hex digits alone are a JA3), SHA-1
     * and SHA-256 by their shape too; any case; the update feed adds them. */
    write_file(1, "md5,900150983CD24FB0D6963F7D28E17F72,hashes,1\n"
                  "a9993e364706816aba3e25717850c26c9cd0d89d\n"
                  "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\n");
    char *hup[] = { "add,sha256,0000000000000000000000000000000000000000000000000000000000000001" };
    in = intel_open_with(&cfg, hup, 1, err, sizeof(err));
    CHECK(in != NULL);
    d = intel_match_hash(in, IOC_MD5, "900150983cd24fb0d6963f7d28e17f72");
    CHECK(d && d->type == IOC_MD5 && d->severity == 1 && !strcmp(d->source, "hashes"));
    CHECK(intel_match_ja3(in, "900150983cd24fb0d6963f7d28e17f72") == NULL);   /* not a JA3 */
    CHECK(intel_match_hash(in, IOC_SHA1, "A9993E364706816ABA3E25717850C26C9CD0D89D") != NULL);
    d = intel_match_hash(in, IOC_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(d && d->type == IOC_SHA256);
    CHECK(intel_match_hash(in, IOC_SHA256, "0000000000000000000000000000000000000000000000000000000000000001") != NULL);
    CHECK(intel_match_hash(in, IOC_SHA1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == NULL);
    CHECK(intel_match_hash(in, IOC_SHA256, NULL) == NULL);
    CHECK(intel_match_hash(in, IOC_DOMAIN, "evil.example") == NULL);
    CHECK_STR(intel_ioc_type_name(IOC_SHA256), "sha256");
    CHECK(intel_has_type(in, IOC_MD5) && intel_has_type(in, IOC_SHA1) && intel_has_type(in, IOC_SHA256));
    CHECK(!intel_has_type(in, IOC_MAX) && !intel_has_type(NULL, IOC_MD5));
    intel_close(in);
    write_file(1, "sha1,abc\n");
    CHECK(intel_open(&cfg, err, sizeof(err)) == NULL);
    CHECK(strstr(err, ":1: 'abc' is not a valid sha1 indicator") != NULL);
    unlink(path[0]);
    unlink(path[1]);
    return unit_done("intel");
}
