# Test fragment for the ovs work; included by tests/automake.mk.
if HAVE_CHECK
if ENABLE_OVS
# Loads plugins/ovs/.libs/ovs.so; the tests that need root and Open vSwitch
# run a private instance each and skip without them.
check_PROGRAMS += tests/check_ovs
TESTS += tests/check_ovs
tests_check_ovs_SOURCES = tests/check_ovs.c tests/testutil.c tests/testutil.h
tests_check_ovs_CFLAGS = $(TEST_CFLAGS)
tests_check_ovs_LDADD = $(TEST_LDADD)
endif
endif
