/* detect_load.h - the ruleset the configuration (or -S) names, loaded and
 * compiled; and --check-rules.
 *
 * Ownership: detect_load returns one reference to a new engine (NULL with
 * err[0] == 0 when no rule file is configured: no detection, no error). */
#ifndef TAISHI_DETECT_LOAD_H
#define TAISHI_DETECT_LOAD_H

#include <stdio.h>

#include "taishi/config/config.h"
#include "taishi/detect/detect.h"

struct detect_engine *detect_load(const struct config *cfg, char *const *sfiles, int nsfiles,
                                  char *err, size_t errlen);
/* Prints every problem and the summary line on out; 1 when a rule failed. */
int detect_load_check_rules(const struct config *cfg, char *const *sfiles, int nsfiles, FILE *out);

#endif
