dist_man_MANS += doc/miniinet.1
dist_doc_DATA += doc/architecture.md doc/topology.md doc/multi-server.md \
	doc/operations.md \
	doc/plugins.md doc/import.md doc/access.md \
	doc/dashboard.md \
	doc/dashboard-matrix.png doc/dashboard-lg.png doc/dashboard-topology.png \
	doc/dashboard-status.png
# The example plugins of doc/plugins.md, installed with the documentation.
docexamplesdir = $(docdir)/examples
dist_docexamples_DATA = doc/examples/linuxbridge.c doc/examples/vxlanip.c
