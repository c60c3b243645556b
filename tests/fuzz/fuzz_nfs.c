/* fuzz_nfs.c - NFSv3 over RPC (app_nfs.c): both directions in
 * fuzzer-chosen segments and gaps, on TCP with record marking, or, when
 * flags bit 3 is set, on UDP: each segment one datagram to the flow's state
 * (app_flow_datagram). Flags bit 5 tracks files (READ/WRITE/COMMIT). Input
 * format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("nfs"), data, size, size && (data[0] & 8) ? 2 : 0);
}
