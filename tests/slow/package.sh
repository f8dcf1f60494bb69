#!/bin/sh
# package.sh - build the Debian package, check it with lintian, install it in
# a throwaway copy of this machine and run it there.  Slow (a whole package
# build): run by scripts/test-all.sh, not by make check.
#
# The throwaway copy is an overlay mount over / (changes go to a temporary
# directory) in a mount namespace of this test's own, entered with chroot:
# `dpkg -i` runs there for real, maintainer scripts included (the user
# hsanalyze, /var/lib/hsanalyze), and the machine itself is left untouched.
# Checks:
#   - dpkg-buildpackage -us -uc -b succeeds;
#   - lintian reports no error and no warning;
#   - dpkg -i succeeds; `hsanalyze -V` names the version of configure.ac;
#   - the installed hsanalyze's report on a bundled capture is byte for byte
#     that of the hsanalyze just built from the same source ($HSANALYZE);
#   - the user hsanalyze exists and owns /var/lib/hsanalyze;
#   - `systemd-analyze verify hsanalyze@lo.service` passes, silently;
#   - dpkg -r removes it again.
# Needs root (mounts, chroot); skips (77) without it or without the tools.
set -u
test_name=package
srcdir=${srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
srcdir=$(cd "$srcdir" && pwd)
. "$srcdir/tests/live/testlib.sh"

[ "$(id -u)" = 0 ] || skip "needs root (overlay mount, chroot)"
for t in dpkg-buildpackage lintian unshare chroot; do
	command -v "$t" >/dev/null 2>&1 || skip "no $t"
done
[ -x "${HSANALYZE:-}" ] || skip "HSANALYZE is not set to a built hsanalyze"
work_dir -k "${TMPDIR:-/tmp}/hsa-package.XXXXXX"

# The source as it is in the work tree (committed or not), without builds.
mkdir "$work/src"
if git -C "$srcdir" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$srcdir" && git ls-files -co --exclude-standard) |
	    (cd "$srcdir" && tar -cf - -T -) | tar -xf - -C "$work/src"
else
	(cd "$srcdir" && tar -cf - --exclude='./_*' .) | tar -xf - -C "$work/src"
fi
rm -f "$work/src/configure" "$work/src/Makefile.in" "$work/src/config.h.in" \
    "$work/src/aclocal.m4"
version=$(sed -n 's/^AC_INIT(\[hsanalyze\], \[\([^]]*\)\].*/\1/p' "$srcdir/configure.ac")

if (cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=2" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1); then
	ok "dpkg-buildpackage -us -uc -b"
else
	bad "dpkg-buildpackage -us -uc -b"; tail -n 30 "$work/build.log"; finish
fi
deb=$(ls "$work"/hsanalyze_*.deb)

lintian --fail-on none "$work"/hsanalyze_*.changes >"$work/lintian.log" 2>&1
if grep -E '^[EW]: ' "$work/lintian.log" >"$work/lintian.bad"; then
	bad "lintian: errors or warnings"; show "$work/lintian.bad" lintian
else
	ok "lintian: no errors, no warnings"
fi

# The throwaway machine.
cp "$deb" "$work/hsanalyze.deb"
cp "$srcdir/tests/pcaps/real_nginx_proxy.pcap" "$work/trace.pcap"
# Both read it as trace.pcap in their working directory, so that the
# reports (which name the file) can be compared byte for byte.
(cd "$work" && "$HSANALYZE" -r trace.pcap) >"$work/expected.txt" 2>&1
mkdir "$work/upper" "$work/ovwork" "$work/root"
cat >"$work/inside.sh" <<'EOS'
set -u
w=$1
mount -t overlay overlay -o "lowerdir=/,upperdir=$w/upper,workdir=$w/ovwork" "$w/root" || exit 90
mount -t proc proc "$w/root/proc" && mount --rbind /dev "$w/root/dev" || exit 90
cp "$w/hsanalyze.deb" "$w/trace.pcap" "$w/root/tmp/"
r() { chroot "$w/root" "$@"; }
r dpkg -i /tmp/hsanalyze.deb >"$w/dpkg-i.log" 2>&1; echo "dpkg-i $?"
r hsanalyze -V >"$w/version.txt" 2>&1; echo "version $?"
r sh -c 'cd /tmp && hsanalyze -r trace.pcap' >"$w/report.txt" 2>&1; echo "report $?"
echo "user $(r getent passwd hsanalyze | cut -d: -f1,7)"
echo "owner $(r stat -c %U:%G:%a /var/lib/hsanalyze)"
echo "unit $(r ls /lib/systemd/system/hsanalyze@.service)"
echo "default $(r ls /etc/default/hsanalyze)"
r systemd-analyze verify --man=no hsanalyze@lo.service >"$w/verify.log" 2>&1; echo "verify $?"
r dpkg -r hsanalyze >"$w/dpkg-r.log" 2>&1; echo "dpkg-r $?"
echo "gone $(r sh -c 'test -e /usr/bin/hsanalyze && echo no || echo yes')"
EOS
unshare -m sh "$work/inside.sh" "$work" >"$work/inside.out" 2>"$work/inside.err"
get() { sed -n "s/^$1 //p" "$work/inside.out"; }
[ "$(get dpkg-i)" = 0 ] && ok "dpkg -i in the throwaway root" ||
	{ bad "dpkg -i in the throwaway root ($(get dpkg-i))"; show "$work/dpkg-i.log" dpkg; show "$work/inside.err" err; }
[ "$(get version)" = 0 ] && [ "$(head -n 1 "$work/version.txt")" = "hsanalyze $version" ] &&
	ok "hsanalyze -V says hsanalyze $version" ||
	{ bad "hsanalyze -V"; show "$work/version.txt" out; }
[ "$(get report)" = 0 ] && cmp -s "$work/report.txt" "$work/expected.txt" &&
	ok "the installed hsanalyze's report equals the build's ($(grep -c . "$work/report.txt") lines)" ||
	{ bad "report of the installed hsanalyze"; diff "$work/expected.txt" "$work/report.txt" | head -n 20; }
[ "$(get user)" = "hsanalyze:/usr/sbin/nologin" ] && ok "user hsanalyze, no login shell" ||
	bad "user hsanalyze: '$(get user)'"
[ "$(get owner)" = "hsanalyze:hsanalyze:750" ] && ok "/var/lib/hsanalyze hsanalyze:hsanalyze 750" ||
	bad "/var/lib/hsanalyze: '$(get owner)'"
[ "$(get unit)" = /lib/systemd/system/hsanalyze@.service ] && [ "$(get default)" = /etc/default/hsanalyze ] &&
	ok "unit and /etc/default/hsanalyze installed" || bad "unit or default file missing"
[ "$(get verify)" = 0 ] && [ ! -s "$work/verify.log" ] && ok "systemd-analyze verify hsanalyze@lo.service" ||
	{ bad "systemd-analyze verify ($(get verify))"; show "$work/verify.log" verify; }
[ "$(get dpkg-r)" = 0 ] && [ "$(get gone)" = yes ] && ok "dpkg -r removes it" ||
	{ bad "dpkg -r"; show "$work/dpkg-r.log" dpkg; }
finish
