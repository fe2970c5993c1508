# The core: a convenience library (so unit tests link the same code) and
# the miniinet executable.
noinst_LTLIBRARIES += core/libmicore.la
core_libmicore_la_SOURCES = \
	core/frrconf.c core/frrconf.h \
	core/host.c core/host.h \
	core/icmp.c core/icmp.h \
	core/hostlimits.c core/hostlimits.h \
	core/loader.c core/loader.h \
	core/log.c core/log.h \
	core/names.c core/names.h \
	core/netlink.c core/netlink.h \
	core/placement.c core/placement.h \
	core/plan.c core/plan.h \
	core/plan_output.c \
	core/progress.c core/progress.h \
	core/settings.c core/settings.h \
	core/state.c core/state.h \
	core/topology.c core/topology.h core/topology_parse.h \
	core/topology_body.c core/topology_links.c core/topology_util.c \
	core/util.c core/util.h \
	core/workers.c core/workers.h
core_libmicore_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBNL_CFLAGS) \
	$(JSONC_CFLAGS)
core_libmicore_la_LIBADD = $(LIBCONFIG_LIBS) $(LIBNL_LIBS) $(JSONC_LIBS)

bin_PROGRAMS += miniinet
miniinet_SOURCES = core/main.c core/cli.c core/cli.h core/verbs.c \
	core/network.h core/network_up.c core/network_down.c \
	core/network_check.c core/preflight.c core/master.c
miniinet_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS)
miniinet_LDADD = core/libmicore.la

# The SSH layer of the multi-server master (libssh).
core_libmicore_la_SOURCES += core/remote.c core/remote.h
core_libmicore_la_CFLAGS += $(LIBSSH_CFLAGS)
core_libmicore_la_LIBADD += $(LIBSSH_LIBS)
