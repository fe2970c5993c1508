# libFuzzer harnesses, one per input the code reads from outside: the
# topology file (reader and planner), the state record, the replies a master
# decodes, the SSH layer's line reader, a switch's VLAN settings (the
# snapshot's text, ovs-vsctl's lists), a student's switch VLAN request.  Built only in a tree configured with
# --enable-fuzz (clang; everything instrumented); `make fuzz FUZZ_SECONDS=N`
# runs each for N seconds on a scratch copy of its corpus, fuzz/corpus/NAME,
# and fails on a crash, a leak or a timeout (fuzz/run; README.md).
FUZZ_HARNESSES = fuzz/fuzz-topology fuzz/fuzz-state fuzz/fuzz-wire \
	fuzz/fuzz-lines fuzz/fuzz-vlans fuzz/fuzz-vlanreq
MI_FUZZ_CPP = $(AM_CPPFLAGS) $(MI_CORE_CPPFLAGS) $(LIBCONFIG_CFLAGS) \
	$(JSONC_CFLAGS)
MI_FUZZ_LINK = -fsanitize=fuzzer
MI_FUZZ_LIBS = src/libmicore.la

# (automake distributes their sources whether or not they are built.)
if ENABLE_FUZZ
noinst_PROGRAMS = $(FUZZ_HARNESSES)
endif

fuzz_fuzz_topology_SOURCES = fuzz/fuzz_topology.c fuzz/fuzzutil.c \
	fuzz/fuzzutil.h
fuzz_fuzz_topology_CPPFLAGS = $(MI_FUZZ_CPP)
fuzz_fuzz_topology_LDFLAGS = $(MI_FUZZ_LINK)
fuzz_fuzz_topology_LDADD = $(MI_FUZZ_LIBS)

fuzz_fuzz_state_SOURCES = fuzz/fuzz_state.c fuzz/fuzzutil.c fuzz/fuzzutil.h
fuzz_fuzz_state_CPPFLAGS = $(MI_FUZZ_CPP)
fuzz_fuzz_state_LDFLAGS = $(MI_FUZZ_LINK)
fuzz_fuzz_state_LDADD = $(MI_FUZZ_LIBS)

fuzz_fuzz_wire_SOURCES = fuzz/fuzz_wire.c fuzz/fuzzutil.c fuzz/fuzzutil.h
fuzz_fuzz_wire_CPPFLAGS = $(MI_FUZZ_CPP)
fuzz_fuzz_wire_LDFLAGS = $(MI_FUZZ_LINK)
fuzz_fuzz_wire_LDADD = $(MI_FUZZ_LIBS)

fuzz_fuzz_lines_SOURCES = fuzz/fuzz_lines.c fuzz/fuzzutil.c fuzz/fuzzutil.h
fuzz_fuzz_lines_CPPFLAGS = $(MI_FUZZ_CPP)
fuzz_fuzz_lines_LDFLAGS = $(MI_FUZZ_LINK)
fuzz_fuzz_lines_LDADD = $(MI_FUZZ_LIBS)

fuzz_fuzz_vlans_SOURCES = fuzz/fuzz_vlans.c plugins/common/vlans.c \
	plugins/common/vlans.h
fuzz_fuzz_vlans_CPPFLAGS = $(MI_FUZZ_CPP)
fuzz_fuzz_vlans_LDFLAGS = $(MI_FUZZ_LINK)

fuzz_fuzz_vlanreq_SOURCES = fuzz/fuzz_vlanreq.c fuzz/fuzzutil.c \
	fuzz/fuzzutil.h
fuzz_fuzz_vlanreq_CPPFLAGS = $(MI_FUZZ_CPP)
fuzz_fuzz_vlanreq_LDFLAGS = $(MI_FUZZ_LINK)
fuzz_fuzz_vlanreq_LDADD = $(MI_FUZZ_LIBS)

EXTRA_DIST += fuzz/run fuzz/lsan.supp fuzz/corpus

# FUZZ_SECONDS per harness; FUZZ_FLAGS go to libFuzzer as they are (e.g.
# FUZZ_FLAGS=-runs=1000000 for a fixed number of executions).
FUZZ_SECONDS = 60
FUZZ_FLAGS =
.PHONY: fuzz clean-fuzz
if ENABLE_FUZZ
fuzz: $(FUZZ_HARNESSES)
	$(AM_V_at)FUZZ_FLAGS='$(FUZZ_FLAGS)' $(SHELL) $(top_srcdir)/fuzz/run \
	    $(FUZZ_SECONDS) $(FUZZ_HARNESSES)
else
fuzz:
	@echo "make fuzz: configure a build tree of its own with" \
	    "--enable-fuzz CC=clang (README.md, Fuzzing)" >&2; exit 1
endif
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf fuzz/work
