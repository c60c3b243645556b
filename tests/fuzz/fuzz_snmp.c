/* fuzz_snmp.c - SNMP datagrams (app_snmp.c): each segment of the input is
 * one datagram, in either direction. Input format and invariants: fuzz_app.h. */
#include "fuzz_app.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fa_one(app_registry_id("snmp"), data, size, 0);
}
