dist_man_MANS += doc/miniinet.1
dist_doc_DATA += doc/architecture.md doc/topology.md doc/multi-server.md
