/* fuzz_tftp.c - TFTP datagrams (app_tftp.c): each segment of the input is
 * one datagram, in either direction. Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("tftp"), data, size, 0);
}
