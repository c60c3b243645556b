# taishi - plain Makefile (see README.md).
#   make                 build build/taishi
#   make SANITIZE=address,undefined   an instrumented build/taishi (O=DIR to build elsewhere;
#                        make test builds its own in build/san-address-undefined/)
#   make demo | test | corpus | bench | bench-live | deps | deps-run | clean
#   make check-layers    the stage folders' rule (README "Source code layout")
#   make install [PREFIX=/usr/local] [DESTDIR=...]   binary, man page, example config,
#                        systemd unit, logrotate file (contrib/)
#   make fuzz | fuzz-regress | fuzz-run FUZZ_TARGET=decode FUZZ_TIME=600   (tests/fuzz/fuzz.mk)
CC      ?= cc
PKGS    := libndpi libpcap yaml-0.1 rdkafka zlib libmaxminddb libhs libpcre2-8 libmicrohttpd libmagic
comma   := ,
O       ?= build
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
WARN    := -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wno-format-nonliteral -Wcast-align -Wundef
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  ?= -O2 -g
# The regex engine (README "Regex engines"): both Hyperscan 5.4 and Vectorscan
# 5.4.9+ give pkg-config's libhs; libhs 5.4.9 and later is Vectorscan (Hyperscan's
# last release is 5.4.2). HS=hyperscan or HS=vectorscan checks that the libhs
# found is that one; empty = whichever is installed.
HS_FOUND := $(shell pkg-config --atleast-version=5.4.9 libhs 2>/dev/null && echo vectorscan || echo hyperscan)
# The version (the first entry of contrib/debian/changelog, also the package's)
# and the commit, for --version and the stats event (only stats.o gets them).
VERSION    := $(shell awk 'NR == 1 { gsub(/[()]/, "", $$2); print $$2 }' contrib/debian/changelog)
ifeq ($(origin GIT_COMMIT),undefined)
GIT_COMMIT := $(shell git describe --always --dirty --abbrev=12 --exclude='*' 2>/dev/null || echo unknown)
endif
VERSION_DEFS := -DTAISHI_VERSION=\"$(VERSION)\" -DTAISHI_COMMIT=\"$(GIT_COMMIT)\"
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(CFLAGS) $(SANFLAGS) $(WARN) -Iinclude -Isrc $(PKG_CFLAGS) -MMD -MP -pthread \
              -DTAISHI_HS_ENGINE=\"$(HS_FOUND)\"
LDLIBS  := $(PKG_LIBS) -pthread
SRCS    := $(wildcard src/*/*.c)
OBJS    := $(SRCS:src/%.c=$(O)/obj/%.o)
LIBOBJS := $(filter-out $(O)/obj/control/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)

all: $(O)/taishi

$(O)/taishi: $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# The flags a build directory was made with: objects are rebuilt when they
# change (make SANITIZE=... and a plain make can share build/).
$(O)/.cflags: FORCE
	@mkdir -p $(O)
	@if [ -n "$(HS)" ] && [ "$(HS)" != "$(HS_FOUND)" ]; then \
	    echo "HS=$(HS), but pkg-config's libhs is $(HS_FOUND) ($$(pkg-config --modversion libhs 2>/dev/null || echo missing))" >&2; exit 1; fi
	@echo '$(ALL_CFLAGS) $(LDLIBS)$(if $(LDFLAGS), $(LDFLAGS))' | cmp -s - $@ || \
	    echo '$(ALL_CFLAGS) $(LDLIBS)$(if $(LDFLAGS), $(LDFLAGS))' >$@

$(O)/obj/%.o: src/%.c $(O)/.cflags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(if $(filter pipeline/stats,$*),$(VERSION_DEFS)) -c -o $@ $<

# stats.o carries the version and commit: rebuilt when they change.
$(O)/.version: FORCE
	@mkdir -p $(O)
	@echo '$(VERSION_DEFS)' | cmp -s - $@ || echo '$(VERSION_DEFS)' >$@
$(O)/obj/pipeline/stats.o: $(O)/.version

$(O)/tests/%: tests/unit/%.c tests/unit/unit.h $(LIBOBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

units: $(UNIT_BINS)

# The house rule of src/'s stage folders: includes and link-level calls only
# to the own folder or lower ranks, no call cycle outside decode/
# (tests/tools/check_layers.py reads the objects of $(O)).
check-layers: all
	@python3 tests/tools/check_layers.py --selftest
	@python3 tests/tools/check_layers.py $(O)

# The rule loader as a measuring tool: build/rules-stat FILE... (tests/tools/rules_stat.c)
$(O)/rules-stat: tests/tools/rules_stat.c $(LIBOBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# Test tool: the app-layer parsers on a pcap, naive TCP reassembly (tests/tools/app_replay.c).
$(O)/app-replay: tests/tools/app_replay.c $(LIBOBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# The machine's ceiling for -w 2 against -w 1: one busy thread against two (tests/tools/cpu_scaling.c).
$(O)/cpu-scaling: tests/tools/cpu_scaling.c
	$(CC) -std=gnu11 -O2 -Wall -Wextra -pthread -o $@ $<

# librdkafka's mock cluster as a tool, for the Kafka tests (contrib/kafka-mock).
$(O)/kafka-mock: contrib/kafka-mock/kafka-mock.c contrib/kafka-mock/Makefile
	@$(MAKE) --no-print-directory -C contrib/kafka-mock OUT=$(CURDIR)/$@ CC=$(CC)

# deps: everything (build, run, test, benchmark); deps-run: only what the
# sensor needs to build and run (tests/tools/install-deps.sh --runtime).
deps:
	@tests/tools/install-deps.sh

deps-run:
	@tests/tools/install-deps.sh --runtime

# The sensor on pcaps/situation.pcap with the project's rules, test GeoIP
# databases and asset map: the run summary, and where the events went.
demo: deps-run
	@$(MAKE) --no-print-directory -j$(JOBS) all
	@tests/tools/demo.sh $(O)

# Unit, pcap regression, CLI, fuzz-corpus and Kafka tests, on the normal
# build and under ASan+UBSan; the multi-worker pipeline under TSan.
# The builds run as many jobs as the machine has cores.
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all units build/kafka-mock build/app-replay build/rules-stat
	@$(MAKE) --no-print-directory check-layers
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=address,undefined O=build/san-address-undefined all units
	@$(MAKE) --no-print-directory -j$(JOBS) SANITIZE=thread O=build/san-thread all
	@$(MAKE) --no-print-directory -j$(JOBS) $(FUZZ_RBINS)
	@tests/run.sh build build/san-address-undefined

corpus: deps all
	@tests/corpus.sh $(O)

bench: deps all build/kafka-mock build/cpu-scaling
	@tests/bench.sh $(O)

# Live capture: the highest tcpreplay rate with no kernel drops, -w 1 and -w 2
# (tests/live_bench.sh; root, network namespaces, tcpreplay).
bench-live: deps all
	@tests/live_bench.sh $(O)

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/taishi
SYSCONFDIR ?= $(if $(filter /usr,$(PREFIX)),/etc,$(PREFIX)/etc)
UNITDIR    ?= $(if $(filter /usr,$(PREFIX)),/lib/systemd/system,$(PREFIX)/lib/systemd/system)

# An existing taishi.yaml is never overwritten (the example also goes to DOCDIR).
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/taishi $(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(UNITDIR)
	install -m 755 $(O)/taishi $(DESTDIR)$(BINDIR)/taishi
	install -m 644 contrib/taishi.8 $(DESTDIR)$(MANDIR)/man8/taishi.8
	install -m 644 contrib/taishi.yaml contrib/taishi.logrotate $(DESTDIR)$(DOCDIR)/
	[ -e $(DESTDIR)$(SYSCONFDIR)/taishi/taishi.yaml ] || \
	    install -m 644 contrib/taishi.yaml $(DESTDIR)$(SYSCONFDIR)/taishi/taishi.yaml
	install -m 644 contrib/taishi.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/taishi
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' contrib/taishi.service \
	    >$(DESTDIR)$(UNITDIR)/taishi.service
	chmod 644 $(DESTDIR)$(UNITDIR)/taishi.service

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/taishi $(DESTDIR)$(MANDIR)/man8/taishi.8 \
	    $(DESTDIR)$(DOCDIR)/taishi.yaml $(DESTDIR)$(DOCDIR)/taishi.logrotate \
	    $(DESTDIR)$(SYSCONFDIR)/logrotate.d/taishi $(DESTDIR)$(UNITDIR)/taishi.service

# Debian packages (README "Packages"): make deb builds
# build/deb/taishi_<version>_<arch>.deb for this machine (contrib/debian/build-deb.sh,
# in build/deb-obj with Debian's hardening flags); make deb-arm64 the arm64 one
# inside the arm64 root of make test-arm64. make test-deb installs the host's
# package into a throw-away root, runs the service live, removes and purges it.
deb:
	@contrib/debian/build-deb.sh build/deb-obj build/deb

deb-arm64:
	@tests/arm64.sh --deb-only

test-deb: deb
	@tests/deb.sh build/deb

# arm64 under qemu-user: a cached arm64 root under build/roots, taishi built
# inside it, unit and pcap regression tests against the amd64 goldens, a short
# corpus sample against the host's events, the arm64 package (tests/arm64.sh).
test-arm64: all
	@HOST_BUILD=$(O) tests/arm64.sh

# The test suite built against Vectorscan in a throw-away amd64 root
# (build/roots/amd64-vectorscan, cached; tests/vectorscan.sh).
test-vectorscan:
	@tests/vectorscan.sh

clean:
	rm -rf build

FORCE:
.PHONY: all units check-layers deps deps-run demo test corpus bench bench-live install uninstall clean FORCE \
        deb deb-arm64 test-deb test-arm64 test-vectorscan
-include $(OBJS:.o=.d)
include tests/fuzz/fuzz.mk
