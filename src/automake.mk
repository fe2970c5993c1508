# The core, one folder per layer (doc/architecture.md):
#   base/      logging, allocation, strings, the worker pool, progress
#   topology/  the topology file: reading, validating, plugin settings, names
#   plan/      the pure, deterministic plan and what is derived from it
#   kernel/    netlink and ICMP: talking to the kernel, in any namespace
#   backend/   plugins: finding and loading them, the host services, and the
#              one layer every call into a plugin goes through
#   local/     the single-server executor: up, down, status, check, exec,
#              and the state record they share
#   cluster/   the multi-server executor: the master, its SSH layer, and the
#              server side of preflight
#   import/    the original mini-Internet's configuration directories to
#              one topology file (pure)
# and at the top the session (what a verb needs, prepared once), the verb
# table and main().  Everything but the top goes into a convenience library
# so that the unit tests link the same code.
MI_CORE_CPPFLAGS = -I$(top_srcdir)/src -I$(top_srcdir)/src/base \
	-I$(top_srcdir)/src/topology -I$(top_srcdir)/src/plan \
	-I$(top_srcdir)/src/kernel -I$(top_srcdir)/src/backend \
	-I$(top_srcdir)/src/local -I$(top_srcdir)/src/cluster \
	-I$(top_srcdir)/src/import \
	-I$(top_srcdir)/src/serve

noinst_LTLIBRARIES += src/libmicore.la
src_libmicore_la_SOURCES = \
	src/base/fsutil.c src/base/fsutil.h \
	src/base/log.c src/base/log.h \
	src/base/progress.c src/base/progress.h \
	src/base/util.c src/base/util.h \
	src/base/workers.c src/base/workers.h \
	src/topology/names.c src/topology/names.h \
	src/topology/settings.c src/topology/settings.h \
	src/topology/topology.c src/topology/topology.h \
	src/topology/topology_parse.h src/topology/topology_body.c \
	src/topology/topology_links.c src/topology/topology_util.c \
	src/topology/topology_input.c src/topology/topology_access.c \
	src/plan/frrconf.c src/plan/frrconf.h \
	src/plan/placement.c src/plan/placement.h \
	src/plan/plan.c src/plan/plan.h \
	src/plan/plan_output.c src/plan/access.c src/plan/access.h \
	src/plan/access_files.c src/plan/access_files.h \
	src/plan/vlanreq.c src/plan/vlanreq.h \
	src/plan/graph.c src/plan/graph.h \
	src/plan/linkref.c src/plan/linkref.h \
	src/plan/valley.c src/plan/valley.h \
	src/kernel/icmp.c src/kernel/icmp.h \
	src/kernel/netlink.c src/kernel/netlink.h \
	src/backend/backend.c src/backend/backend.h \
	src/backend/frrstart.c \
	src/backend/host.c src/backend/host.h \
	src/backend/loader.c src/backend/loader.h \
	src/local/damage.c src/local/damage.h \
	src/local/vlan_agent.c src/local/vlan_agent.h \
	src/local/hostlimits.c src/local/hostlimits.h \
	src/local/persist.c src/local/persist.h \
	src/local/snapshot.c src/local/snapshot.h \
	src/local/credentials.c src/local/credentials.h \
	src/local/state.c src/local/state.h \
	src/cluster/remote.c src/cluster/remote.h \
	src/cluster/wire.c src/cluster/wire.h \
	src/import/import.c src/import/import.h src/import/import_int.h \
	src/import/import_files.c src/import/import_body.c \
	src/import/import_write.c \
	src/serve/dashboard.c src/serve/dashboard.h
src_libmicore_la_CPPFLAGS = $(AM_CPPFLAGS) $(MI_CORE_CPPFLAGS)
src_libmicore_la_CFLAGS = $(AM_CFLAGS) $(LIBCONFIG_CFLAGS) $(LIBNL_CFLAGS) \
	$(JSONC_CFLAGS) $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS)
src_libmicore_la_LIBADD = $(LIBCONFIG_LIBS) $(LIBNL_LIBS) $(JSONC_LIBS) \
	$(LIBSSH_LIBS) $(LIBCRYPTO_LIBS) -lm

bin_PROGRAMS += miniinet
miniinet_SOURCES = src/main.c src/session.c src/session.h src/verbs.c \
	src/executor.c \
	src/network.h \
	src/local/network_up.c src/local/network_down.c \
	src/local/network_check.c src/local/network_link.c \
	src/local/network_traceroute.c \
	src/local/network_save.c src/local/network_heal.c \
	src/local/network_access.c src/local/network_access_up.c \
	src/local/network_ports.c src/local/network_vlan.c \
	src/cluster/master.c src/cluster/preflight.c \
	src/serve/serve.c src/serve/serve.h
miniinet_CPPFLAGS = $(AM_CPPFLAGS) $(MI_CORE_CPPFLAGS) \
	-DMI_WWWDIR='"$(wwwdir)"'
miniinet_CFLAGS = $(AM_CFLAGS) $(JSONC_CFLAGS) $(LIBMHD_CFLAGS) \
	$(LIBCRYPT_CFLAGS)
miniinet_LDADD = src/libmicore.la $(LIBMHD_LIBS) $(LIBCRYPT_LIBS)

# The dashboard's page (`miniinet serve`), read at start from here
# (MINIINET_WWW_DIR overrides it: the tests use the source tree's).
wwwdir = $(pkgdatadir)/www
dist_www_DATA = www/index.html www/dash.js www/dash.css
