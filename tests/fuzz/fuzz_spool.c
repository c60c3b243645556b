/* fuzz_spool.c - the write-ahead spool's record reader (spool_next in
 * output/spool.c) on hostile segment bytes.
 *
 * Input: the bytes of a segment file (wal-N.log), read as the output
 * thread reads it: whole, and again in two blocks split at a point taken
 * from the input's length (a read that ends mid-record resumes where
 * spool_next stopped). Invariants (abort() when violated): the reader never
 * reads outside its buffer (ASan; it is given an exact-size copy); every
 * record it returns lies inside the buffer, its family is valid, and built
 * again from its fields (spool_rec_start + spool_rec_finish) it is byte for
 * byte the input at that place (so the CRC really covered it); offsets only
 * move forward; on undamaged input the two-block reading returns the same
 * records as the whole one. No files, no global state. Seeds:
 * make_spool_seeds.py. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "taishi/output/spool.h"
#include "fuzz_helpers.h"

#define MAX_RECS 4096

struct seen {
    size_t at, len;
    uint64_t seq;
};

/* Reads buf[0, len) from *off; appends what it finds. */
static size_t scan(const uint8_t *buf, size_t len, size_t base, size_t *off, struct seen *out, size_t n,
                   unsigned *dmg)
{
    struct spool_rec r;
    size_t prev = *off;
    while (n < MAX_RECS && spool_next(buf, len, off, &r, dmg)) {
        FUZZ_ASSERT(*off > prev && *off <= len);
        FUZZ_ASSERT(r.family < SPOOL_FAMILIES && r.len <= SPOOL_RECORD_MAX);
        FUZZ_ASSERT(r.payload >= buf + SPOOL_HDR && r.payload + r.len == buf + *off);
        size_t at = (size_t)(r.payload - buf) - SPOOL_HDR;
        uint8_t *again = malloc(SPOOL_HDR + r.len + 1);
        memcpy(again + SPOOL_HDR, r.payload, r.len);
        spool_rec_start(again, r.family, r.key, r.len, 1);
        spool_rec_finish(again, r.seq);
        FUZZ_ASSERT(!memcmp(again, buf + at, SPOOL_HDR + r.len));
        free(again);
        out[n++] = (struct seen){ base + at, r.len, r.seq };
        prev = *off;
    }
    FUZZ_ASSERT(*off >= prev && *off <= len);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct seen whole[MAX_RECS], split[MAX_RECS];
    uint8_t *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);

    size_t off = 0;
    unsigned d1 = 0, d2 = 0;
    size_t n1 = scan(buf, size, 0, &off, whole, 0, &d1);

    /* Two reads: [0, cut) then from where the reader stopped to the end. */
    size_t cut = size ? (size * 7919) % (size + 1) : 0;
    uint8_t *b1 = malloc(cut ? cut : 1);
    memcpy(b1, data, cut);
    off = 0;
    size_t n2 = scan(b1, cut, 0, &off, split, 0, &d2);
    free(b1);
    size_t rest = size - off, base = off;
    uint8_t *b2 = malloc(rest ? rest : 1);
    memcpy(b2, data + base, rest);
    off = 0;
    n2 = scan(b2, rest, base, &off, split, n2, &d2);
    free(b2);
    if (d1 == 0 && n1 < MAX_RECS && n2 < MAX_RECS) {
        /* Undamaged: a read that ends mid-record loses nothing. (With damage
         * the two may resynchronise differently: both are valid records.) */
        FUZZ_ASSERT(d2 == 0 && n2 == n1);
        for (size_t i = 0; i < n1; i++)
            FUZZ_ASSERT(whole[i].at == split[i].at && whole[i].seq == split[i].seq);
    }
    free(buf);
    return 0;
}
