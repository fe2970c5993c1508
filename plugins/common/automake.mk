# Code shared by plugins, compiled into each that uses it (convenience
# libraries, not plugins: no plugin includes another).
#   libcmd       argument vectors and running programs, Open vSwitch bridges
#                an earlier run left (ovs, gre, vxlan)
#   libovstunnel the Open vSwitch tunnel machinery (gre, vxlan's ovs mode)
#   libnodelimits    per-node CPU, process and memory limits (netns, docker)
#   libnodefile  files in a directory a node can write (netns, docker)
if ENABLE_CMD
noinst_LTLIBRARIES += plugins/common/libcmd.la
plugins_common_libcmd_la_SOURCES = plugins/common/cmd.c plugins/common/cmd.h \
	plugins/common/ovsleftover.c plugins/common/ovsleftover.h
endif
if ENABLE_OVSTUNNEL
noinst_LTLIBRARIES += plugins/common/libovstunnel.la
plugins_common_libovstunnel_la_SOURCES = plugins/common/ovstunnel.c \
	plugins/common/ovstunnel.h
plugins_common_libovstunnel_la_LIBADD = plugins/common/libcmd.la
endif
if ENABLE_LIMITS
noinst_LTLIBRARIES += plugins/common/libnodelimits.la
plugins_common_libnodelimits_la_SOURCES = plugins/common/nodelimits.c \
	plugins/common/nodelimits.h
plugins_common_libnodelimits_la_LIBADD = -lm
noinst_LTLIBRARIES += plugins/common/libnodefile.la
plugins_common_libnodefile_la_SOURCES = plugins/common/nodefile.c \
	plugins/common/nodefile.h
endif
