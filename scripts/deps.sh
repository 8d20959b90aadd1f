#!/usr/bin/env bash
# Installs what the tests use from outside Go: kcat (a real librdkafka client
# for kseg serve), Debian's python3-kafka with its codec modules (an
# independent record decoder and admin client), python3-confluent-kafka
# (librdkafka's admin client, an independent one for serve's admin APIs),
# strace (proves Fetch uses sendfile).
# Only acts when something is missing; needs root and apt-get.
set -euo pipefail
need=()
command -v kcat >/dev/null 2>&1 || need+=(kcat)
command -v strace >/dev/null 2>&1 || need+=(strace)
/usr/bin/python3 -c 'import kafka, snappy, lz4, zstandard, xxhash' >/dev/null 2>&1 || \
  need+=(python3-kafka python3-snappy python3-lz4 python3-zstandard python3-xxhash)
/usr/bin/python3 -c 'import confluent_kafka.admin' >/dev/null 2>&1 || need+=(python3-confluent-kafka)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "deps: missing ${need[*]} and cannot install them (need root and apt-get); tests that use them will skip unless CI=true" >&2
  exit 0
fi
echo "deps: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
