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
    unlink(path[0]);
    unlink(path[1]);
    return unit_done("intel");
}
