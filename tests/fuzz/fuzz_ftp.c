/* fuzz_ftp.c - the FTP control parser (app_ftp.c), both directions in fuzzer-chosen segments and gaps; flags bit 3 drives the ftp-data parser instead, announced as a RETR of "f".
 * Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int ftp_data = size && (data[0] & 8);
    return fa_one(app_registry_id(ftp_data ? "ftp-data" : "ftp"), data, size, 0);
}
