if ENABLE_NETNS
plugins_LTLIBRARIES += plugins/netns/netns.la
plugins_netns_netns_la_SOURCES = plugins/netns/netns.c plugins/netns/cgroup.c \
	plugins/netns/cgroup.h
plugins_netns_netns_la_LIBADD = plugins/common/libnodelimits.la \
	plugins/common/libnodefile.la
plugins_netns_netns_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/netns/README.md
