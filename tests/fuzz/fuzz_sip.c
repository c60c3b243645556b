/* fuzz_sip.c - the SIP parser (app_sip.c): TCP in both directions in
 * fuzzer-chosen segments and gaps, and each segment also as a UDP
 * datagram. Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("sip"), data, size, 1);
}
