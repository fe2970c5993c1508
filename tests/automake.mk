# Unit tests (Check, one suite per core module) and the test plugins the
# loader suite loads.  Every suite reports through TAP so that each test
# case shows up on its own in the log.
TEST_EXTENSIONS = .test
LOG_DRIVER = env AM_TAP_AWK='$(AWK)' CK_TAP_LOG_FILE_NAME=- \
	CK_VERBOSITY=silent MINIINET_TEST_SRCDIR='$(abs_top_srcdir)' \
	MINIINET_TEST_BUILDDIR='$(abs_top_builddir)' \
	$(SHELL) $(top_srcdir)/build-aux/tap-driver.sh
TEST_LOG_DRIVER = $(LOG_DRIVER)

if HAVE_CHECK
# A Check suite is its name in MI_SUITES (its source is the same name with
# .c) and a CPPFLAGS line: the core's include directories cannot go into
# AM_CPPFLAGS, which the plugins use too, so each suite names them.  It
# links, through the global LDADD (which the core's library and the plugins
# do not use), the helpers the suites share, the core and Check.
TEST_CPPFLAGS = $(AM_CPPFLAGS) $(MI_CORE_CPPFLAGS) $(CHECK_CFLAGS) \
	$(LIBCONFIG_CFLAGS) $(JSONC_CFLAGS) $(LIBNL_CFLAGS)
LDADD = tests/libtestutil.la src/libmicore.la $(CHECK_LIBS) $(LIBNL_LIBS)

check_LTLIBRARIES += tests/libtestutil.la
tests_libtestutil_la_SOURCES = tests/testutil.c tests/testutil.h
tests_libtestutil_la_CPPFLAGS = $(TEST_CPPFLAGS)

# The core's modules, and the netlink work (it needs root for most tests
# and says what it skips without).
MI_SUITES = tests/check_topology tests/check_plan tests/check_loader \
	tests/check_host tests/check_frrconf tests/check_netlink tests/check_wire \
	tests/check_state tests/check_persist tests/check_import tests/check_snapshot \
	tests/check_graph tests/check_link tests/check_dashboard tests/check_damage \
	tests/check_valley \
	tests/check_credentials tests/check_vlanreq tests/check_vlan_agent
tests_check_dashboard_CPPFLAGS = $(TEST_CPPFLAGS)
# The matrix's hosts are check_hosts_find()'s, which lives in the program's
# network_check.c: linked here too.
tests_check_dashboard_SOURCES = tests/check_dashboard.c \
	src/local/network_check.c
tests_check_dashboard_LDADD = $(LDADD) $(JSONC_LIBS) -lm
tests_check_valley_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_link_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_damage_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_vlanreq_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_vlan_agent_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_graph_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBXML2_CFLAGS)
tests_check_graph_LDADD = $(LDADD) $(LIBXML2_LIBS)
tests_check_state_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_snapshot_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_credentials_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBSSH_CFLAGS)
tests_check_credentials_LDADD = $(LDADD) $(LIBSSH_LIBS)
tests_check_persist_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_import_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_wire_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_topology_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_plan_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_loader_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_host_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_frrconf_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_netlink_CPPFLAGS = $(TEST_CPPFLAGS)

# The SSH layer against an sshd the suite starts on 127.0.0.1 (skipped
# without openssh-server), and the dashboard's gathering over it: that
# lives in the master (the program's own master.c, with the check and
# access printers it calls), so the suite links those files too.
MI_SUITES += tests/check_remote
tests_check_remote_CPPFLAGS = $(TEST_CPPFLAGS)
tests_check_remote_SOURCES = tests/check_remote.c src/cluster/master.c \
	src/local/network_check.c src/local/network_access.c
tests_check_remote_LDADD = $(LDADD) $(LIBSSH_LIBS) $(JSONC_LIBS) -lm

# The netns plugin against the real kernel and FRR (root; skips otherwise).
# It loads the plugin from the build tree, so the plugin must be built.
if ENABLE_NETNS
MI_SUITES += tests/check_netns
endif
tests_check_netns_CPPFLAGS = $(TEST_CPPFLAGS)

# Loads plugins/ovs/.libs/ovs.so; the tests that need root and Open vSwitch
# run a private instance each and skip without them.
if ENABLE_OVS
MI_SUITES += tests/check_ovs
endif
tests_check_ovs_CPPFLAGS = $(TEST_CPPFLAGS)
# The VLAN settings' text and which port of a bridge is open (an earlier
# run's leftovers), tested directly (no daemon).
tests_check_ovs_SOURCES = tests/check_ovs.c plugins/common/vlans.c \
	plugins/common/ovsleftover.c plugins/common/cmd.c

# The tunnel plugins: their sources compiled into the suites, which drive
# them through a fake host (no root, no Open vSwitch needed).
if ENABLE_GRE
MI_SUITES += tests/check_gre
endif
tests_check_gre_CPPFLAGS = $(TEST_CPPFLAGS)
if ENABLE_VXLAN
MI_SUITES += tests/check_vxlan
endif
tests_check_vxlan_CPPFLAGS = $(TEST_CPPFLAGS)

# The docker runtime plugin's pure parts (names, settings, requests): its
# source compiled into the suite, with the libraries it uses; no Docker
# needed.
if ENABLE_DOCKER
MI_SUITES += tests/check_docker
endif
tests_check_docker_CPPFLAGS = $(TEST_CPPFLAGS) $(LIBCURL_CFLAGS)
tests_check_docker_LDADD = $(LDADD) $(LIBCURL_LIBS) $(JSONC_LIBS) -lm

check_PROGRAMS += $(MI_SUITES)
TESTS += $(MI_SUITES)

# Test plugins: built (never installed) as modules in tests/plugins/.libs.
# rpath makes libtool build a shared module although it is not installed.
TESTPLUGIN_LDFLAGS = -module -avoid-version -shared -rpath /nowhere
check_LTLIBRARIES += tests/plugins/good.la tests/plugins/badabi.la \
	tests/plugins/badkind.la tests/plugins/nosymbol.la \
	tests/plugins/undefined.la tests/plugins/oldminor.la \
	tests/plugins/newminor.la tests/plugins/missingop.la \
	tests/plugins/nosize.la
tests_plugins_good_la_SOURCES = tests/plugins/good.c
tests_plugins_good_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
tests_plugins_badabi_la_SOURCES = tests/plugins/badabi.c
tests_plugins_badabi_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
tests_plugins_badkind_la_SOURCES = tests/plugins/badkind.c
tests_plugins_badkind_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
tests_plugins_nosymbol_la_SOURCES = tests/plugins/nosymbol.c
tests_plugins_nosymbol_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
# Deliberately references a function that exists nowhere.
tests_plugins_undefined_la_SOURCES = tests/plugins/undefined.c
tests_plugins_undefined_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS)
# One fake runtime, built as a plugin author would for the previous minor
# of the ABI, for a newer one, without a required operation, and with an
# operations table that does not say its size.
tests_plugins_oldminor_la_SOURCES = tests/plugins/fakert.c
tests_plugins_oldminor_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAKE_NAME=oldminor \
	-DMI_PLUGIN_TARGET_MINOR=0
tests_plugins_oldminor_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
tests_plugins_newminor_la_SOURCES = tests/plugins/fakert.c
tests_plugins_newminor_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAKE_NAME=newminor \
	-DFAKE_NEWER
tests_plugins_newminor_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
tests_plugins_missingop_la_SOURCES = tests/plugins/fakert.c
tests_plugins_missingop_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAKE_NAME=missingop \
	-DFAKE_MISSING_OP
tests_plugins_missingop_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
tests_plugins_nosize_la_SOURCES = tests/plugins/fakert.c
tests_plugins_nosize_la_CPPFLAGS = $(AM_CPPFLAGS) -DFAKE_NAME=nosize \
	-DFAKE_NO_SIZE
tests_plugins_nosize_la_LDFLAGS = $(TESTPLUGIN_LDFLAGS) -no-undefined
endif

# The command-line tests drive the real binary (no root needed).
TESTS += tests/cli.test tests/systemd.test
EXTRA_DIST += tests/systemd.test
EXTRA_DIST += tests/cli.test tests/lib.sh tests/data

# Student access's keys with the real sshd and ssh (root).
TESTS += tests/access.test
# access.test's helper: the files access_files.c makes, printed.
check_PROGRAMS += tests/access-dump
tests_access_dump_SOURCES = tests/access_dump.c
tests_access_dump_CPPFLAGS = $(TEST_CPPFLAGS)
EXTRA_DIST += tests/access.test
# Its ports: preflight refuses one a listening socket or another network
# holds (no root).
TESTS += tests/ports.test
EXTRA_DIST += tests/ports.test

# Integration: the real binary against real FRR and Open vSwitch (root;
# skipped otherwise).
TESTS += tests/up.test tests/testbed.test tests/multiserver.test \
	tests/tunnels.test
EXTRA_DIST += tests/up.test bench/lib.sh bench/up.sh bench/dashboard.sh tests/testbed.test \
	tests/testbed/testbed tests/multiserver.test bench/multi.sh \
	tests/tunnels.test bench/tunnels.sh tests/testbed/tunnel-topology \
	tests/testbed/pingmany tests/testbed/tunnel-variants
if HAVE_CHECK
# A userspace Open vSwitch owns the root namespace's "ovs-netdev" device:
# two private instances cannot run at once, so the suites that start one
# run one after the other.
tests/up.log: tests/check_ovs.log
# ... and the sshd check_remote starts would show in up.test's snapshot.
tests/up.log: tests/check_remote.log
tests/up.log: tests/access.log
endif
# up.test compares the machine's namespaces, links and OVS processes before
# and after: the test bed's must not come and go meanwhile.
tests/testbed.log: tests/up.log
# docker.test starts a private Open vSwitch too, and compares the root
# namespace's links before and after: after up.test, before the test bed.
# Hogs in one router against the netns runtime's per-node cgroups.
# `miniinet link` at run time (small.cfg, its own run directory).
TESTS += tests/link.test
EXTRA_DIST += tests/link.test tests/browser.py
tests/link.log: tests/up.log
TESTS += tests/hogs.test
EXTRA_DIST += tests/hogs.test
tests/hogs.log: tests/link.log
# Snapshots of small.cfg (a private Open vSwitch too).
TESTS += tests/snapshot.test
EXTRA_DIST += tests/snapshot.test
TESTS += tests/dashjs.test
EXTRA_DIST += tests/dashjs.test
tests/snapshot.log: tests/hogs.log
TESTS += tests/docker.test
EXTRA_DIST += tests/docker.test bench/docker.sh bench/snapshot.sh bench/stp.sh \
	bench/ovs-down.sh
tests/docker.log: tests/link.log tests/snapshot.log
tests/testbed.log: tests/docker.log
# The images' sshd and the proxy image (a container of each): after
# docker.test, which builds the images, and shares its way of starting
# dockerd (one dockerd at a time).
TESTS += tests/images.test
EXTRA_DIST += tests/images.test
tests/images.log: tests/docker.log
tests/testbed.log: tests/images.log
# One test bed at a time (its servers have fixed names and addresses).
tests/multiserver.log: tests/testbed.log
tests/tunnels.log: tests/multiserver.log
# Imports of the original's directories brought up: the default course on
# this server, then its GLOBAL form on the test bed (one at a time).
TESTS += tests/import.test
EXTRA_DIST += tests/import.test
tests/import.log: tests/tunnels.log
EXTRA_DIST += tools/install-deps tests/run-all
EXTRA_DIST += tests/lint

