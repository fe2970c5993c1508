if ENABLE_GRE
plugins_LTLIBRARIES += plugins/gre/gre.la
plugins_gre_gre_la_SOURCES = plugins/gre/gre.c
plugins_gre_gre_la_LIBADD = plugins/common/libovstunnel.la
plugins_gre_gre_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/gre/README.md
