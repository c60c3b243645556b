/* fuzz_rdp.c - the RDP connection sequence (app_rdp.c): both directions in
 * fuzzer-chosen segments and gaps. Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("rdp"), data, size, 0);
}
