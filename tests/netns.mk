# Test fragment for the netns work; included by tests/automake.mk.
# The netns plugin against the real kernel and FRR (root; skips otherwise).
# It loads the plugin from the build tree, so the plugin must be built.
if HAVE_CHECK
if ENABLE_NETNS
check_PROGRAMS += tests/check_netns
TESTS += tests/check_netns

tests_check_netns_SOURCES = tests/check_netns.c tests/testutil.c \
	tests/testutil.h
tests_check_netns_CFLAGS = $(TEST_CFLAGS)
tests_check_netns_LDADD = $(TEST_LDADD)
endif
endif
