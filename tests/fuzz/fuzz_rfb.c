/* fuzz_rfb.c - the RFB handshake parser (app_rfb.c): both directions in
 * fuzzer-chosen segments and gaps, end of flow or not.
 * Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("rfb"), data, size, 0);
}
