# Test fragment for the netlink work; included by tests/automake.mk.
if HAVE_CHECK
check_PROGRAMS += tests/check_netlink
TESTS += tests/check_netlink

tests_check_netlink_SOURCES = tests/check_netlink.c tests/testutil.c \
	tests/testutil.h
tests_check_netlink_CFLAGS = $(TEST_CFLAGS) $(LIBNL_CFLAGS)
tests_check_netlink_LDADD = $(TEST_LDADD)
endif
