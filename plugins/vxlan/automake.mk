if ENABLE_VXLAN
plugins_LTLIBRARIES += plugins/vxlan/vxlan.la
plugins_vxlan_vxlan_la_SOURCES = plugins/vxlan/vxlan.c
plugins_vxlan_vxlan_la_CFLAGS = $(AM_CFLAGS) $(LIBNL_CFLAGS)
plugins_vxlan_vxlan_la_LIBADD = plugins/common/libovstunnel.la $(LIBNL_LIBS)
plugins_vxlan_vxlan_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/vxlan/README.md
