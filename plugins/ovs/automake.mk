if ENABLE_OVS
plugins_LTLIBRARIES += plugins/ovs/ovs.la
plugins_ovs_ovs_la_SOURCES = plugins/ovs/ovs.c plugins/common/vlans.c \
	plugins/common/vlans.h
plugins_ovs_ovs_la_LIBADD = plugins/common/libcmd.la
plugins_ovs_ovs_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/ovs/README.md
