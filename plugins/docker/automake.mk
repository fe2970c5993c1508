if ENABLE_DOCKER
plugins_LTLIBRARIES += plugins/docker/docker.la
plugins_docker_docker_la_SOURCES = plugins/docker/docker.c
plugins_docker_docker_la_CFLAGS = $(AM_CFLAGS) $(LIBCURL_CFLAGS) $(JSONC_CFLAGS)
plugins_docker_docker_la_LIBADD = plugins/common/libnodelimits.la \
	plugins/common/libnodefile.la $(LIBCURL_LIBS) \
	$(JSONC_LIBS) -lm
plugins_docker_docker_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
EXTRA_DIST += plugins/docker/README.md images/build
