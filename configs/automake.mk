# Example topologies, installed for users to copy.
examplesdir = $(pkgdatadir)/configs
dist_examples_DATA = configs/small.cfg configs/class-60.cfg \
	configs/multi-server.cfg configs/course.cfg configs/README.md
