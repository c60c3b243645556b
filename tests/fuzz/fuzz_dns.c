/* fuzz_dns.c - DNS over TCP (2-byte framing) and, for every segment, the same bytes as a UDP datagram (app_dns.c), both directions in fuzzer-chosen segments and gaps.
 * Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("dns"), data, size, 1);
}
