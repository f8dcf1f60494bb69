#!/bin/sh
# setup-debian.sh - install, as root on Debian 12, everything hsanalyze needs
# to build, test and be tested against real servers.  Safe to run again.
set -eu
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true

packages="
  build-essential autoconf automake pkg-config
  libpcap-dev libcjson-dev libcmocka-dev nettle-dev
  clang libclang-rt-dev
  python3 python3-scapy
  tcpdump tshark nginx-light curl apache2-utils iproute2 gzip procps time
  libmnl-dev libbpf-dev llvm python3-jsonschema
  chromium tidy poppler-utils prometheus prometheus-node-exporter
  debhelper lintian dpkg-dev fakeroot linux-perf systemd
"
missing=""
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
echo "setup-debian: all packages present"
