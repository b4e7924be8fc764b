#!/usr/bin/env bash
# Translations: every string marked in the sources has a Spanish translation in po/es.po
# (none missing, none fuzzy), and LANG=es_ES.UTF-8 vfio-boot check and plan speak Spanish, with
# the locale built here by localedef (no system locale needed) and the catalogue of the build
# tree (VFIO_BOOT_TEST_LOCALEDIR).
set -u
. "$(dirname "$0")/lib.sh" i18n

# the catalogue against the strings the sources mark now
# shellcheck disable=SC2046 # the flags and the file list are word lists
if xgettext $(MAKEFLAGS= make -s --no-print-directory -C "$top" print-xgettext-flags) -o "$work/vfio-boot.pot" $(sed "s|^|$top/|" "$top/po/POTFILES") 2>"$work/err" &&
	msgmerge -q -o "$work/es.po" "$top/po/es.po" "$work/vfio-boot.pot" 2>>"$work/err"; then
	stats=$(msgfmt -c --statistics -o /dev/null "$work/es.po" 2>&1)
	n=$(grep -c '^msgid ' "$work/vfio-boot.pot")
	case $stats in
	*untranslated* | *fuzzy* | "") not_ok "po/es.po translates every string the sources mark" "$stats" ;;
	*) [ "$n" -gt 100 ] && ok "po/es.po translates every string the sources mark ($stats)" || not_ok "po/es.po translates every string the sources mark: only $n" "$stats" ;;
	esac
else not_ok "po/es.po translates every string the sources mark" "$(cat "$work/err")"; fi
# every source that marks strings is in po/POTFILES
missing=""
for f in $(cd "$top" && grep -l -E '\b(N_|_)\("' src/*/*.c src/*/*/*.c); do
	grep -qx "$f" "$top/po/POTFILES" || missing="$missing $f"
done
[ -z "$missing" ] && ok "po/POTFILES lists every source with translatable strings" || not_ok "po/POTFILES lists every source with translatable strings" "missing:$missing"

# Spanish, from a locale made here
mkdir -p "$work/locale"
if localedef -i es_ES -f UTF-8 "$work/locale/es_ES.UTF-8" >"$work/err" 2>&1; then
	python3 "$top/tests/fixtures/build-sysroot.py" --distro=fedora "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/m" >/dev/null
	es() { LOCPATH="$work/locale" LANG=es_ES.UTF-8 LC_ALL= VFIO_BOOT_TEST_LOCALEDIR="$top/$build/locale" vb "$work/m" "$@"; }
	es check >"$work/es.txt" 2>&1
	LANG=C vb "$work/m" check >"$work/en.txt" 2>&1
	# each line's message differs from the English one, and nothing of the English remains
	same=$(paste -d'\n' "$work/en.txt" "$work/es.txt" | paste - - | awk -F'\t' '$1 == $2 && $1 ~ /[a-z][a-z][a-z]/')
	if [ -z "$same" ] && grep -q '^bien  iommu-firmware      el firmware describe una IOMMU Intel VT-d' "$work/es.txt" &&
		grep -q 'arreglo: quite iommu=1' "$work/es.txt" && grep -q 'gestor de arranque GRUB con entradas BLS' "$work/es.txt"; then
		ok "LANG=es_ES.UTF-8 vfio-boot check speaks Spanish, every line"
	else not_ok "LANG=es_ES.UTF-8 vfio-boot check speaks Spanish, every line" "$(cat "$work/es.txt"; echo "untranslated:"; echo "$same")"; fi
	# the contract stays: ids and statuses; numbers keep their point
	es check --json >"$work/es.json"
	grep -q '"status": "pass"' "$work/es.json" && grep -q '"id": "iommu-firmware"' "$work/es.json" &&
		grep -q '15.6 GiB de RAM' "$work/es.json" && ok "in Spanish, --json keeps its ids and statuses, and numbers their point" ||
		not_ok "in Spanish, --json keeps its ids and statuses, and numbers their point" "$(head -20 "$work/es.json")"
	# plan, and a refusal, in Spanish; the refusal codes stay
	vb "$work/m" add -q 03:00.0
	es plan >"$work/plan.txt" 2>&1
	if grep -q '^Dispositivos para vfio-pci (método ids):' "$work/plan.txt" && grep -q '^crear /etc/modprobe.d/vfio-boot.conf' "$work/plan.txt" &&
		grep -q '^Después apply ejecuta:' "$work/plan.txt" && grep -q 'vfio-boot: aviso (no-recovery-entry): vfio-boot no añade ninguna entrada' "$work/plan.txt"; then
		ok "LANG=es_ES.UTF-8 vfio-boot plan speaks Spanish"
	else not_ok "LANG=es_ES.UTF-8 vfio-boot plan speaks Spanish" "$(grep -v '^  [+-]' "$work/plan.txt")"; fi
	es add 04:00.0 >"$work/refused.txt" 2>&1
	grep -q "vfio-boot: rechazado (boot-vga): 0000:04:00.0 (G94GL \[Quadro FX 1800\]) es el dispositivo VGA de arranque, la consola del anfitrión" "$work/refused.txt" &&
		ok "a refusal in Spanish keeps its code" || not_ok "a refusal in Spanish keeps its code" "$(cat "$work/refused.txt")"
else not_ok "localedef es_ES.UTF-8 (the locales package provides its source)" "$(cat "$work/err")"; fi

summary i18n
