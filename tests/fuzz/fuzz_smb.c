/* fuzz_smb.c - the smb parser (app_smb*.c, app_ntlmssp.c, DCE/RPC on named
 * pipes) and, with flags bit 3, the dcerpc parser over TCP (app_dcerpc.c):
 * both directions in fuzzer-chosen segments and gaps.
 * Input format and invariants: fuzz_app.h. Seeds: make_smb_seeds.py. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(size && (data[0] & 8) ? app_registry_id("dcerpc") : app_registry_id("smb"),
                  data, size, 0);
}
