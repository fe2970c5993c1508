# One directory per plugin; each builds one libtool module into
# $(pluginsdir) and can be left out with ./configure --disable-NAME.
include plugins/netns/automake.mk
include plugins/ovs/automake.mk
include plugins/common/automake.mk
include plugins/gre/automake.mk
include plugins/vxlan/automake.mk
include plugins/docker/automake.mk
