#!/usr/bin/env bash
# Builds the headless agent packages: release/cloudsnooze-agent_<version>_<arch>.deb and,
# where rpmbuild is installed, release/cloudsnooze-agent-<version>-1.noarch.rpm (Amazon
# Linux 2023, RHEL, Fedora) from the same staged tree: same files, unit, conffile, group.
# Needs dist/agent (node scripts/build.mjs agent); `npm run package:agent` does both.
# Builds dist/renderer too when it is missing (`snooze dashboard` serves it).
# Prints the path of the .rpm (when built) and then the path of the .deb as its last line.
#
# Environment: CLOUDSNOOZE_RELEASE_DIR (default release), DEB_ARCH (default: all; the
# contents are architecture-independent JavaScript, and an amd64 .deb is refused by dpkg on
# arm64 (Graviton) instances, so one package must serve a mixed fleet, as the noarch rpm does).
set -euo pipefail

die() {
  echo "package-agent: $*" >&2
  exit 1
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb is not installed (apt-get install dpkg)"
command -v node >/dev/null 2>&1 || die "node is not on PATH"

version=$(node -p 'require("./package.json").version')
arch=${DEB_ARCH:-all}
out_dir=${CLOUDSNOOZE_RELEASE_DIR:-release}
deb="$out_dir/cloudsnooze-agent_${version}_${arch}.deb"

for f in dist/agent/snoozed.js dist/agent/snooze.js; do
  [ -f "$f" ] || die "$f is missing: run node scripts/build.mjs agent (or npm run package:agent)"
done
if [ ! -f dist/renderer/index.html ]; then
  echo "package-agent: dist/renderer is missing; building it for snooze dashboard" >&2
  node scripts/build.mjs renderer >&2
fi
node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' config/snooze.json ||
  die "config/snooze.json is not valid JSON"

stage=$(mktemp -d "${TMPDIR:-/tmp}/cloudsnooze-deb.XXXXXX")
trap 'rm -rf "$stage"' EXIT
chmod 0755 "$stage" # mktemp made it 0700; it becomes the "./" entry of the archive
# dpkg-deb keeps the modes it finds; set them explicitly, whatever the caller's umask.
umask 022

lib="$stage/usr/lib/cloudsnooze"
install -d -m 0755 "$lib"

# Only what the entry points import (the folder also holds chunks of earlier builds).
bundle_files=$(node packaging/bundle-files.mjs dist/agent snoozed.js snooze.js)
while IFS= read -r f; do
  install -D -m 0644 "dist/agent/$f" "$lib/$f"
done <<<"$bundle_files"
chmod 0755 "$lib/snoozed.js" "$lib/snooze.js"
# The bundle is CommonJS in .js files; say so, whatever a package.json above might say.
printf '{\n  "name": "cloudsnooze-agent",\n  "version": "%s",\n  "private": true,\n  "type": "commonjs"\n}\n' "$version" >"$lib/package.json"
chmod 0644 "$lib/package.json"

# The browser dashboard (snooze dashboard); the snooze wrapper points the CLI at it.
(cd dist/renderer && find . -type f ! -name '*.map' -print0) |
  while IFS= read -r -d '' f; do
    install -D -m 0644 "dist/renderer/$f" "$lib/renderer/$f"
  done

install -D -m 0755 packaging/bin/snoozed "$stage/usr/bin/snoozed"
install -D -m 0755 packaging/bin/snooze "$stage/usr/bin/snooze"
install -D -m 0644 packaging/systemd/snoozed.service "$stage/lib/systemd/system/snoozed.service"
install -D -m 0644 config/snooze.json "$stage/etc/cloudsnooze/snooze.json"
install -D -m 0644 README.md "$stage/usr/share/doc/cloudsnooze-agent/README.md"
install -D -m 0644 packaging/debian/copyright "$stage/usr/share/doc/cloudsnooze-agent/copyright"

# One description for both packages (dpkg wants it indented with " ." for blank lines).
summary='stops this cloud instance when nobody is using it (headless agent)'
description='CloudSnooze watches the instance from inside: CPU, memory, network, disk I/O, GPU
and keyboard/SSH input. Once every metric has stayed under its threshold for the
configured naptime it warns, tags the instance with why and when, then stops it.
An unreadable metric counts as activity, and postpone / stay-awake always win.

This package is the agent without a desktop: the snoozed systemd service, the
snooze command-line client and its browser dashboard, and /etc/cloudsnooze/snooze.json.'
install -d -m 0755 "$stage/DEBIAN"
for s in postinst prerm postrm; do
  install -m 0755 "packaging/debian/$s" "$stage/DEBIAN/$s"
done
echo /etc/cloudsnooze/snooze.json >"$stage/DEBIAN/conffiles"
installed_kib=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
# Conflicts: the desktop app's .deb (package "cloudsnooze", electron-builder) installs its own
# snoozed.service for the same socket; one system agent per host.
cat >"$stage/DEBIAN/control" <<CONTROL
Package: cloudsnooze-agent
Version: $version
Architecture: $arch
Maintainer: CloudSnooze maintainers <maintainers@cloudsnooze.invalid>
Installed-Size: $installed_kib
Depends: nodejs (>= 20)
Conflicts: cloudsnooze
Section: admin
Priority: optional
Homepage: https://github.com/cloudsnooze/cloudsnooze
Description: $summary
$(sed 's/^$/./; s/^/ /' <<<"$description")
CONTROL
chmod 0644 "$stage/DEBIAN/control" "$stage/DEBIAN/conffiles"

mkdir -p "$out_dir"

# The rpm: the staged tree without DEBIAN, the same scriptlets' steps (packaging/rpm/), the
# config file kept when edited (%config(noreplace), the deb's conffile).
if command -v rpmbuild >/dev/null 2>&1; then
  rpm_top=$(mktemp -d "${TMPDIR:-/tmp}/cloudsnooze-rpm.XXXXXX")
  trap 'rm -rf "$stage" "$rpm_top"' EXIT
  # Directories the package owns; /usr/bin, /lib/systemd/system ... belong to the distribution.
  {
    echo '%defattr(-,root,root,-)'
    echo '%dir /usr/lib/cloudsnooze'
    (cd "$stage" && find usr/lib/cloudsnooze -mindepth 1 -type d | sort | sed 's|^|%dir /|')
    (cd "$stage" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\.||' | sort) |
      sed 's|^/etc/cloudsnooze/snooze.json$|%config(noreplace) &|'
    echo '%dir /etc/cloudsnooze'
    echo '%dir /usr/share/doc/cloudsnooze-agent'
  } >"$rpm_top/files"
  cat >"$rpm_top/cloudsnooze-agent.spec" <<SPEC
Name: cloudsnooze-agent
Version: $version
Release: 1
Summary: $summary
License: MIT
URL: https://github.com/cloudsnooze/cloudsnooze
BuildArch: noarch
Requires: nodejs >= 20
Conflicts: cloudsnooze
# The scriptlets' tools; the bundle's #! lines name /usr/bin/env, not a Requires to derive.
Requires(post): shadow-utils
AutoReqProv: no
%global debug_package %{nil}
%global __os_install_post %{nil}
%global _build_id_links none

%description
$description

%install
mkdir -p %{buildroot}
cp -a "$stage/." %{buildroot}/
rm -rf %{buildroot}/DEBIAN

%post
$(cat packaging/rpm/post)

%preun
$(cat packaging/rpm/preun)

%postun
$(cat packaging/rpm/postun)

%files -f $rpm_top/files
SPEC
  rpmbuild -bb --quiet \
    --define "_topdir $rpm_top" \
    --define "_rpmdir $rpm_top/out" \
    --define '_binary_payload w6.xzdio' \
    "$rpm_top/cloudsnooze-agent.spec" >&2
  rpm_file="$out_dir/cloudsnooze-agent-${version}-1.noarch.rpm"
  mv "$rpm_top/out/noarch/cloudsnooze-agent-${version}-1.noarch.rpm" "$rpm_file"
  echo "$rpm_file"
else
  echo "package-agent: rpmbuild is not installed: no .rpm (apt-get install rpm / dnf install rpm-build)" >&2
fi

dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >&2
echo "$deb"
