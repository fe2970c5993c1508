# Code shared by plugins, compiled into each that uses it (a convenience
# library, not a plugin: no plugin includes another).
if ENABLE_OVSTUNNEL
noinst_LTLIBRARIES += plugins/common/libovstunnel.la
plugins_common_libovstunnel_la_SOURCES = plugins/common/ovstunnel.c \
	plugins/common/ovstunnel.h
endif
