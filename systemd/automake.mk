# systemd units (doc/operations.md): periodic snapshots, the boot-time
# `up --restore` and the dashboard, as templates on the network's name, installed in systemd's
# unit directory (pkg-config's, or --with-systemdsystemunitdir) and off
# until enabled.
MI_UNITS = systemd/miniinet-save@.service systemd/miniinet-save@.timer \
	systemd/miniinet-restore@.service systemd/miniinet-serve@.service
EXTRA_DIST += $(MI_UNITS:=.in)
CLEANFILES += $(MI_UNITS)
if HAVE_SYSTEMD
systemdsystemunit_DATA = $(MI_UNITS)
endif
noinst_DATA = $(MI_UNITS)
$(MI_UNITS): %: %.in Makefile
	$(AM_V_GEN)mkdir -p systemd && \
	sed -e 's|@bindir[@]|$(bindir)|g' $< >$@
# distcheck installs under its own prefix.
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system'
