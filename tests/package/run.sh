#!/usr/bin/env bash
# make check-package: build the Debian package with dpkg-buildpackage (in a copy of the
# tree: it builds in place), check what it installs where, install it on this machine with
# apt (its post-install step runs), use it on a fixture machine, then purge it. Needs root
# (or sudo) for the install.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vfio-boot-pkg.XXXXXX")
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/../tap.sh"
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

mkdir -p "$work/src"
tar -C "$top" --exclude=./build --exclude=./build-asan --exclude=./build-fuzz --exclude=./.git -c . | tar -C "$work/src" -x
if (cd "$work/src" && dpkg-buildpackage -b -us -uc) >"$work/build.log" 2>&1; then
	ok "dpkg-buildpackage -b -us -uc"
else
	not_ok "dpkg-buildpackage -b -us -uc" "$(tail -30 "$work/build.log")"
	tap_summary package
	exit 1
fi
deb=$(ls "$work"/vfio-boot_*.deb)

dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
missing=""
for f in ./usr/bin/vfio-boot ./usr/libexec/vfio-boot/vfio-boot-bind \
	./usr/lib/dracut/modules.d/90vfio-boot/module-setup.sh ./usr/lib/initcpio/install/vfio-boot \
	./usr/share/man/man8/vfio-boot.8.gz ./usr/share/locale/es/LC_MESSAGES/vfio-boot.mo \
	./usr/share/bash-completion/completions/vfio-boot ./usr/share/zsh/vendor-completions/_vfio-boot; do
	grep -qx -- "$f" "$work/contents" || missing="$missing $f"
done
[ -z "$missing" ] && ok "the package holds each file at its Debian path" || not_ok "the package holds each file at its Debian path" "missing:$missing"
# no udev rule: apply generates one for the selected addresses, so nothing of vfio-boot runs
# at boot on a host where nothing is selected
! grep -q 'udev/rules.d' "$work/contents" && ok "the package installs no udev rule" ||
	not_ok "the package installs no udev rule" "$(grep 'udev/rules.d' "$work/contents")"
dpkg-deb -f "$deb" Depends >"$work/depends"
grep -q 'libarchive13' "$work/depends" && grep -q 'libxml2' "$work/depends" && grep -q 'libkmod2' "$work/depends" &&
	ok "Depends: the shared libraries, and the dlopen'ed libarchive13 and libxml2" ||
	not_ok "Depends: the shared libraries, and the dlopen'ed libarchive13 and libxml2" "$(cat "$work/depends")"

# installed with apt: the post-install step runs (nothing is selected on this machine)
if [ -e /etc/vfio-boot.conf ]; then
	not_ok "this machine has an /etc/vfio-boot.conf: the package test would change its boot; not installing"
	tap_summary package
	exit 1
fi
if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$deb" >"$work/install.log" 2>&1; then
	ok "apt-get install of the package (its postinst with nothing selected does nothing)"
else
	not_ok "apt-get install of the package" "$(tail -20 "$work/install.log")"
fi
# a normal user's PATH on Debian (no sbin) finds it
user_path=$(runuser -u nobody -- env -i PATH=/usr/local/bin:/usr/bin:/bin sh -c 'command -v vfio-boot && vfio-boot --version' 2>&1)
[ "$(head -1 <<<"$user_path")" = /usr/bin/vfio-boot ] && grep -q '^vfio-boot ' <<<"$user_path" &&
	ok "a normal user's PATH finds the installed vfio-boot" || not_ok "a normal user's PATH finds the installed vfio-boot" "$user_path"
version=$(/usr/bin/vfio-boot --version 2>&1)
[ "$version" = "vfio-boot $(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)" ] &&
	ok "the installed vfio-boot --version matches the package" || not_ok "the installed vfio-boot --version matches the package" "$version"
fx="$work/fixture"
python3 "$top/tests/fixtures/build-sysroot.py" "$top/tests/fixtures/machines/tutorial-x99.listing" "$fx" >/dev/null
/usr/bin/vfio-boot --root="$fx" --sysroot="$fx" scan >"$work/out" 2>&1 && grep -q 'Hawaii PRO' "$work/out" &&
	ok "the installed vfio-boot scans a fixture machine" || not_ok "the installed vfio-boot scans a fixture machine" "$(cat "$work/out")"
/usr/bin/vfio-boot --root="$fx" --sysroot="$fx" add -q 03:00.0 &&
	/usr/bin/vfio-boot --root="$fx" --sysroot="$fx" plan >"$work/out" 2>&1 &&
	grep -q 'copy_exec /usr/libexec/vfio-boot/vfio-boot-bind' "$work/out" &&
	ok "the installed vfio-boot plans, with the helper at the package's path" ||
	not_ok "the installed vfio-boot plans, with the helper at the package's path" "$(cat "$work/out")"
# the installed catalogue, found where the package put it (a locale made here with localedef)
mkdir -p "$work/locale"
localedef -i es_ES -f UTF-8 "$work/locale/es_ES.UTF-8" >"$work/localedef.log" 2>&1
LOCPATH="$work/locale" LANG=es_ES.UTF-8 LC_ALL='' /usr/bin/vfio-boot --root="$fx" --sysroot="$fx" status >"$work/out" 2>&1
if grep -q '^No aplicado.$' "$work/out"; then
	ok "the installed vfio-boot speaks Spanish from the installed catalogue"
else not_ok "the installed vfio-boot speaks Spanish from the installed catalogue" "$(cat "$work/localedef.log" "$work/out")"; fi

# ---- a newcomer's walk, with the installed package, in English and in Spanish ----------------
# setup (a yes at apply; a USB controller; a VM on a disk it makes) -> status -> verify ->
# profile -> revert -> status -> verify, on the tutorial's machine. One story: what apply
# lists to run is what verify asks for; after revert nothing says to apply, status is
# 'not applied' with exit 0; and in Spanish no line of it stays English.
: >"$work/win.iso"
walk() { # LANG-NAME ENV...
	local name=$1 fxw="$work/walk"
	shift
	rm -rf "$fxw" "$work/walk-disk" && cp -a "$fx-pristine" "$fxw"
	local vb=(env "$@" /usr/bin/vfio-boot --root="$fxw" --sysroot="$fxw")
	printf '%s\n' '\[[YS]/n\] $	' '\[0\] $	3' 'iommu=pt.*\[[ys]/N\] $	' '\[[ys]/N\] $	' '\[[ys]/N\] $	yes' \
		'\[[YS]/n\] $	' '\[windows11\] $	' '\[/var/lib/libvirt/images/vfio-boot-vm.qcow2\] $	'"$work/walk-disk" \
		'\[64G\] $	2G' '\[none\] $	'"$work/win.iso" '\[none\] $	' '\[vfio-boot-vm.xml\] $	'"$work/walk.xml" |
		python3 "$top/tests/integration/pty-drive.py" "$work/$name.setup" "${vb[@]}" setup >/dev/null
	echo "setup exit $?" >>"$work/$name.setup"
	{
		echo "== status"; "${vb[@]}" status; echo "exit $?"
		echo "== verify"; "${vb[@]}" verify; echo "exit $?"
		echo "== profile"; "${vb[@]}" profile --os=linux --output="$work/walk-linux.xml"; echo "exit $?"
		echo "== revert"; "${vb[@]}" revert; echo "exit $?"
		echo "== status-after"; "${vb[@]}" status; echo "exit $?"
		echo "== verify-after"; "${vb[@]}" verify; echo "exit $?"
	} >"$work/$name.rest" 2>&1
	tr -d '\r' <"$work/$name.setup" | cat - "$work/$name.rest" >"$work/$name.walk"
	[ -z "${WALK_KEEP:-}" ] || cp "$work/$name.walk" "$WALK_KEEP.$name" # WALK_KEEP=PREFIX keeps the transcripts
}
rm -rf "$fx-pristine" && cp -a "$fx" "$fx-pristine" && rm -f "$fx-pristine/etc/vfio-boot.conf"
walk en LANG=C.UTF-8 LC_ALL=
walk es LOCPATH="$work/locale" LANG=es_ES.UTF-8 LC_ALL=
after_revert=$(sed -n '/^== revert/,$p' "$work/en.walk")
if grep -q '^setup exit 0$' "$work/en.walk" && grep -q 'run on the target system: update-initramfs -u -k all' "$work/en.walk" &&
	grep -q "^  missing  image .*'update-initramfs -u -k 4.15.0-33-generic' rebuilds it" "$work/en.walk" &&
	grep -q "^0000:07:00.0 .*ASM1142\|0000:07:00.0  xhci_hcd" "$work/en.walk" && [ -s "$work/walk.xml" ] &&
	grep -q '^Not applied.$' <<<"$after_revert" && grep -q "^== status-after" -A20 <<<"$after_revert" &&
	[ "$(sed -n '/^== status-after/,/^exit/p' <<<"$after_revert" | tail -1)" = "exit 0" ] &&
	! grep -q "run 'vfio-boot apply'\|runs it again" <<<"$after_revert" &&
	grep -q "^Not applied: the files the images need are not written yet; 'vfio-boot apply' writes them" <<<"$after_revert"; then
	ok "the walk in English: setup, status, verify, profile, revert tell one story"
else not_ok "the walk in English: setup, status, verify, profile, revert tell one story" "$(cat "$work/en.walk")"; fi
# Spanish: a line the Spanish walk shares with the English one is untranslated when it has
# English words (not a device, path, command or table row)
untranslated=$(python3 - "$work/en.walk" "$work/es.walk" <<'PYWALK'
import re, sys
en = set(open(sys.argv[1], encoding="utf-8").read().splitlines())
skip = re.compile(r"^(\s*[├└│]|\s*\d+\)|== |exit \d|setup exit|.*0000:|\s*[0-9a-f]{4}:|group \d|grupo \d|<|#"
                  r"|\s+(update-|dracut |mkinitcpio |grub|kernelstub ))")  # a command is a command
for line in open(sys.argv[2], encoding="utf-8").read().splitlines():
    words = [w for w in re.findall(r"[A-Za-z][a-z]+", line) if len(w) > 2]
    if line in en and not skip.match(line) and len(words) >= 3 and not re.search(r"[/'\[]", line):
        print(line)
PYWALK
)
if grep -q '^setup exit 0$' "$work/es.walk" && [ -z "$untranslated" ] && grep -q '^No aplicado.$' "$work/es.walk"; then
	ok "the walk in Spanish: the same story, every line translated"
else not_ok "the walk in Spanish: the same story, every line translated" "untranslated:
$untranslated
$(tail -40 "$work/es.walk")"; fi
man -l /usr/share/man/man8/vfio-boot.8.gz 2>/dev/null | grep -q 'RECOVERY' &&
	ok "the installed man page renders" || not_ok "the installed man page renders"

if as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -q vfio-boot >"$work/purge.log" 2>&1 && [ ! -e /usr/bin/vfio-boot ] &&
	[ ! -e /usr/libexec/vfio-boot/vfio-boot-bind ]; then
	ok "apt-get purge removes it"
else
	not_ok "apt-get purge removes it" "$(tail -20 "$work/purge.log")"
fi

tap_summary package
