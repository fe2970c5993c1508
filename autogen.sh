#!/bin/sh
# Generates ./configure from a fresh clone.
set -e
cd "$(dirname "$0")"
mkdir -p m4 build-aux
autoreconf --install --force
# The TAP driver the test suite uses ships with automake, but automake only
# installs it on request.
automake_dir=$(automake --print-libdir)
cp -f "$automake_dir/tap-driver.sh" build-aux/tap-driver.sh
