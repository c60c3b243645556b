# tests/fuzz/fuzz.mk - the fuzz targets; the main Makefile includes this file.
#   make fuzz           libFuzzer binaries build/fuzz/fuzz_<t> (clang, ASan+UBSan)
#   make fuzz-regress   replays tests/fuzz/corpus/<t> through build/fuzz-regress/<t>
#                       ($(CC) + ASan+UBSan + regression_driver.c, no libFuzzer)
#   make fuzz-run FUZZ_TARGET=decode FUZZ_TIME=60
#                       fuzzes one target on a scratch copy of its corpus
#                       (build/fuzz/work/<t>; new inputs stay out of git)
# Targets: decode pipeline config json rules http dns tls smtp ftp pcapfile spool quic snmp tftp
# rdp nfs mqtt krb5 dhcp sip rfb smb ike (see tests/fuzz/README.md).
#
# Uses the main Makefile's PKGS and WARN when they are set; every variable
# and object here has its own FUZZ_ name and directory, so nothing clashes
# with the normal or the SANITIZE= builds.

FUZZ_TARGETS  := decode pipeline config json rules http dns tls smtp ftp pcapfile spool quic
FUZZ_TARGETS  += snmp tftp rdp nfs
FUZZ_TARGETS  += mqtt krb5 dhcp sip rfb
FUZZ_TARGETS  += smb ike
FUZZ_DIR      := tests/fuzz
FUZZ_CC       ?= clang
FUZZ_O        ?= build/fuzz
FUZZ_RO       ?= build/fuzz-regress
FUZZ_PKGS     ?= $(if $(PKGS),$(PKGS),libndpi libpcap yaml-0.1)
FUZZ_PKG_CFLAGS := $(shell pkg-config --cflags $(FUZZ_PKGS) 2>/dev/null)
FUZZ_PKG_LIBS   := $(shell pkg-config --libs $(FUZZ_PKGS) 2>/dev/null)
FUZZ_WARN     ?= $(WARN)
FUZZ_SAN      := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_CFLAGS   := -std=gnu11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer $(FUZZ_WARN) \
                 -Iinclude -Isrc $(FUZZ_PKG_CFLAGS) -MMD -MP -pthread
FUZZ_LDLIBS   := $(FUZZ_PKG_LIBS) -pthread
# libFuzzer's own options for fuzz-run; decode and pipeline want short inputs.
FUZZ_TIME     ?= 60
FUZZ_OPTS     ?= -max_len=4096

FUZZ_LIB_SRCS := $(filter-out src/control/main.c,$(wildcard src/*/*.c))

# libFuzzer build: clang, coverage instrumentation everywhere, libFuzzer's main.
FUZZ_LIB_OBJS := $(FUZZ_LIB_SRCS:src/%.c=$(FUZZ_O)/obj/%.o)
FUZZ_T_OBJS   := $(FUZZ_TARGETS:%=$(FUZZ_O)/obj/tests/fuzz_%.o)
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_O)/fuzz_%)

$(FUZZ_LIB_OBJS): $(FUZZ_O)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_T_OBJS): $(FUZZ_O)/obj/tests/%.o: $(FUZZ_DIR)/%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FUZZ_BINS): $(FUZZ_O)/fuzz_%: $(FUZZ_O)/obj/tests/fuzz_%.o $(FUZZ_LIB_OBJS)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LDLIBS)

fuzz: $(FUZZ_BINS)

# Regression build: the project's compiler, the sanitizers, no libFuzzer.
FUZZ_RLIB_OBJS := $(FUZZ_LIB_SRCS:src/%.c=$(FUZZ_RO)/obj/%.o)
FUZZ_RT_OBJS   := $(FUZZ_TARGETS:%=$(FUZZ_RO)/obj/tests/fuzz_%.o) \
                  $(FUZZ_RO)/obj/tests/regression_driver.o
FUZZ_RBINS     := $(FUZZ_TARGETS:%=$(FUZZ_RO)/%)

$(FUZZ_RLIB_OBJS): $(FUZZ_RO)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_RT_OBJS): $(FUZZ_RO)/obj/tests/%.o: $(FUZZ_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -c -o $@ $<

$(FUZZ_RBINS): $(FUZZ_RO)/%: $(FUZZ_RO)/obj/tests/fuzz_%.o $(FUZZ_RO)/obj/tests/regression_driver.o \
                             $(FUZZ_RLIB_OBJS)
	$(CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -o $@ $^ $(FUZZ_LDLIBS)

# Every input of every corpus, under ASan (leaks included) and UBSan. A
# target stops at its first failing input (the sanitizer's report, then the
# input's name); the other targets still run, and the rule fails at the end.
fuzz-regress: $(FUZZ_RBINS)
	@failed=""; for t in $(FUZZ_TARGETS); do \
	    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(FUZZ_RO)/$$t $(FUZZ_DIR)/corpus/$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then echo "fuzz-regress: FAILED:$$failed"; exit 1; fi

# One libFuzzer session on a scratch copy of the corpus. Crashes, leaks and
# timeouts land in build/fuzz/work/ as crash-*, leak-*, timeout-*.
FUZZ_TARGET ?= decode
fuzz-run: $(FUZZ_O)/fuzz_$(FUZZ_TARGET)
	@rm -rf $(FUZZ_O)/work/$(FUZZ_TARGET) && mkdir -p $(FUZZ_O)/work/$(FUZZ_TARGET)
	cp -r $(FUZZ_DIR)/corpus/$(FUZZ_TARGET)/. $(FUZZ_O)/work/$(FUZZ_TARGET)/
	cd $(FUZZ_O)/work && ../fuzz_$(FUZZ_TARGET) $(FUZZ_OPTS) -max_total_time=$(FUZZ_TIME) \
	    $(FUZZ_TARGET)

.PHONY: fuzz fuzz-regress fuzz-run
-include $(FUZZ_LIB_OBJS:.o=.d) $(FUZZ_T_OBJS:.o=.d) $(FUZZ_RLIB_OBJS:.o=.d) $(FUZZ_RT_OBJS:.o=.d)
