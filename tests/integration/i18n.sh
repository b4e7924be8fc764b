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
# every source that marks strings, or calls a function that translates its format, is in
# po/POTFILES (the boot helper excepted: it runs before any locale exists)
missing=""
for f in $(cd "$top" && grep -l -E '\b(N_|_|P_)\("|\b(vb_err|vb_warn|vb_log_errno|cli_error|cli_usage_error|add_item|note|parse_error|image_error)\(' src/cli/*.c src/core/*.c src/core/*/*.c); do
	grep -qx "$f" "$top/po/POTFILES" || missing="$missing $f"
done
[ -z "$missing" ] && ok "po/POTFILES lists every source with translatable strings" || not_ok "po/POTFILES lists every source with translatable strings" "missing:$missing"

# no English printed without gettext: every literal with words given to printf, fprintf,
# puts or fputs goes through _(), N_() or P_()
if python3 "$top/tests/integration/unmarked-strings.py" "$top"/src/cli/*.c "$top"/src/core/*.c "$top"/src/core/*/*.c >"$work/unmarked"; then
	ok "every string printed goes through gettext"
else not_ok "every string printed goes through gettext" "$(cat "$work/unmarked")"; fi
# and the check itself finds one
printf 'static void f(void)\n{\n\tprintf(_("marked %%s\\n"), "x");\n\tfprintf(stderr, "not marked: %%s\\n",\n\t\tP_("one", "two", 2));\n}\n' >"$work/sample.c"
[ "$(python3 "$top/tests/integration/unmarked-strings.py" "$work/sample.c")" = "$work/sample.c:4: \"not marked: %s\\n\"" ] &&
	ok "the gettext check finds an unmarked string, and only it" ||
	not_ok "the gettext check finds an unmarked string, and only it" "$(python3 "$top/tests/integration/unmarked-strings.py" "$work/sample.c")"

# Spanish, from a locale made here
mkdir -p "$work/locale"
if localedef -i es_ES -f UTF-8 "$work/locale/es_ES.UTF-8" >"$work/err" 2>&1; then
	python3 "$top/tests/fixtures/build-sysroot.py" --distro=fedora "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/m" >/dev/null
	es() { local want=$1; shift; LOCPATH="$work/locale" LANG=es_ES.UTF-8 LC_ALL= VFIO_BOOT_TEST_LOCALEDIR="$top/$build/locale" vb_exit "$want" "$work/m" "$@"; } # WANT_EXIT ARGS...
	es 0 check >"$work/es.txt" 2>&1
	LANG=C vb "$work/m" check >"$work/en.txt" 2>&1
	# each line's message differs from the English one, and nothing of the English remains
	same=$(paste -d'\n' "$work/en.txt" "$work/es.txt" | paste - - | awk -F'\t' '$1 == $2 && $1 ~ /[a-z][a-z][a-z]/')
	if [ -z "$same" ] && grep -q '^bien  iommu-firmware      el firmware describe una IOMMU Intel VT-d' "$work/es.txt" &&
		grep -q 'arreglo: quite iommu=1' "$work/es.txt" && grep -q 'gestor de arranque GRUB con entradas BLS' "$work/es.txt"; then
		ok "LANG=es_ES.UTF-8 vfio-boot check speaks Spanish, every line"
	else not_ok "LANG=es_ES.UTF-8 vfio-boot check speaks Spanish, every line" "$(cat "$work/es.txt"; echo "untranslated:"; echo "$same")"; fi
	# the contract stays: ids and statuses; numbers keep their point
	es 0 check --json >"$work/es.json"
	grep -q '"status": "pass"' "$work/es.json" && grep -q '"id": "iommu-firmware"' "$work/es.json" &&
		grep -q '15.6 GiB de RAM' "$work/es.json" && ok "in Spanish, --json keeps its ids and statuses, and numbers their point" ||
		not_ok "in Spanish, --json keeps its ids and statuses, and numbers their point" "$(head -20 "$work/es.json")"
	# plan, and a refusal, in Spanish; the refusal codes stay
	vb_ok "$work/m" add -q 03:00.0
	es 0 plan >"$work/plan.txt" 2>&1
	if grep -q '^Dispositivos para vfio-pci (método ids):' "$work/plan.txt" && grep -q '^crear /etc/modprobe.d/vfio-boot.conf' "$work/plan.txt" &&
		grep -q '^Después apply ejecuta:' "$work/plan.txt" && grep -q 'vfio-boot: aviso (no-recovery-entry): vfio-boot no añade ninguna entrada' "$work/plan.txt"; then
		ok "LANG=es_ES.UTF-8 vfio-boot plan speaks Spanish"
	else not_ok "LANG=es_ES.UTF-8 vfio-boot plan speaks Spanish" "$(grep -v '^  [+-]' "$work/plan.txt")"; fi
	es 1 add 04:00.0 >"$work/refused.txt" 2>&1
	grep -q "vfio-boot: rechazado (boot-vga): 0000:04:00.0 (G94GL \[Quadro FX 1800\]) es el dispositivo VGA de arranque, la consola del anfitrión" "$work/refused.txt" &&
		ok "a refusal in Spanish keeps its code" || not_ok "a refusal in Spanish keeps its code" "$(cat "$work/refused.txt")"
	# the host's disk in a refusal is in Spanish too; scan's JSON keeps the English
	es 1 add --dry-run 00:1f.2 >"$work/disk.txt" 2>&1
	es 0 scan --json >"$work/scan.json"
	grep -q "rechazado (host-disk): 0000:00:1f.2 (SATA controller) lleva sda1, montado en / en este anfitrión" "$work/disk.txt" &&
		grep -q '"use": "mounted on /"' "$work/scan.json" && ok "in Spanish: the host's disk in a refusal, English in scan's JSON" ||
		not_ok "in Spanish: the host's disk in a refusal, English in scan's JSON" "$(cat "$work/disk.txt")"

	# Every verb a person reads, in Spanish: a line the same in both languages that holds an
	# English word is a message left untranslated (names, paths and pci.ids stay as they are).
	untranslated() { # NAME: compares $work/NAME.en and $work/NAME.es line by line
		paste -d'\n' "$work/$1.en" "$work/$1.es" | paste - - |
			awk -F'\t' 'tolower($1) == tolower($2) && $1 ~ /(^|[^a-z])(the|is|are|of|to|in|on|as|at|be|has|this|that|and|not|with|for|by|from|was|it|no|nothing|would|failed|run|sync)([^a-z]|$)/'
	}
	both() { # NAME WANT_EXIT ARGS...: runs vfio-boot in English and in Spanish on the same copy of the root
		local name=$1 want=$2
		shift 2
		rm -rf "$work/r.en" "$work/r.es"
		cp -a "$work/r" "$work/r.en" && cp -a "$work/r" "$work/r.es"
		LANG=C vb_exit "$want" "$work/r.en" "$@" >"$work/$name.en" 2>&1
		echo "exit $?" >>"$work/$name.en"
		es_at "$want" "$work/r.es" "$@" >"$work/$name.es" 2>&1
		echo "exit $?" >>"$work/$name.es"
		local same
		same=$(untranslated "$name")
		if [ -z "$same" ] && ! cmp -s "$work/$name.en" "$work/$name.es"; then
			ok "in Spanish: vfio-boot $* (every line)"
		else not_ok "in Spanish: vfio-boot $* (every line)" "$(cat "$work/$name.es"; echo "untranslated:"; echo "$same")"; fi
	}
	es_at() { local want=$1 root=$2; shift 2; LOCPATH="$work/locale" LANG=es_ES.UTF-8 LC_ALL= VFIO_BOOT_TEST_LOCALEDIR="$top/$build/locale" vb_exit "$want" "$root" "$@"; } # WANT_EXIT ROOT ARGS...
	python3 "$top/tests/fixtures/build-sysroot.py" --distro=debian "$top/tests/fixtures/machines/tutorial-x99.listing" "$work/r" >/dev/null
	both help 0 --help
	both usage 2 frobnicate
	both scan 0 scan --all
	both add 0 add 03:00.0
	vb_ok "$work/r" add -q 03:00.0 07:00.0
	both apply 0 apply --no-rebuild
	vb "$work/r" apply -q --no-rebuild
	both status 1 status
	both verify 1 verify
	both dry-revert 0 revert --dry-run
	both revert 0 revert --no-rebuild
	both bind 0 bind --dry-run 07:00.0
	both profile 0 profile --os=windows10 --memory=8G --libvirt-version=9.0 --output="$work/vm.xml"
	printf 'device 0000:03:00.0 1002:67b1\nmethod sometimes\n' >"$work/r/etc/vfio-boot.conf"
	both parse-error 1 plan
	# --help fits a terminal of 80 columns in both languages (characters, not bytes)
	wide=$(cat "$work/help.en" "$work/help.es" | python3 -c 'import sys; [print(len(l), l) for l in sys.stdin.read().splitlines() if len(l) > 79]')
	[ -z "$wide" ] && ok "--help fits in 79 columns in English and in Spanish" || not_ok "--help fits in 79 columns in English and in Spanish" "$wide"
	# the table's headings and the hidden groups are scan's own words
	grep -q '^DISPOSITIVO  *CLASE ID  *CONTROLADOR  *DESCRIPCIÓN' "$work/scan.es" && grep -q '^grupo 29' "$work/scan.es" &&
		grep -q '\[VGA de arranque\]' "$work/scan.es" && ok "in Spanish: scan's headings and groups" ||
		not_ok "in Spanish: scan's headings and groups" "$(head -5 "$work/scan.es")"
	# translated words in columns keep the next column in line (display columns, not bytes):
	# plan's reasons, status's file states, verify's verdicts
	aligned() { # FILE REGEX-OF-LINES REGEX-OF-THE-NEXT-COLUMN
		python3 - "$@" <<-'ALIGN'
			import re, sys
			path, lines, col = sys.argv[1:4]
			text = open(path, encoding="utf-8").read().splitlines()
			starts = {re.search(col, l).start() for l in text if re.search(lines, l)}
			sys.exit(0 if len(starts) == 1 else 1)
		ALIGN
	}
	if grep -q '  seleccionado  *Hawaii PRO' "$work/plan.txt" && grep -q '  misma ranura  *Hawaii HDMI' "$work/plan.txt" &&
		aligned "$work/plan.txt" '^  0000:' 'Hawaii' && aligned "$work/status.es" '^(bien|cambiado|falta|pendiente) ' '/etc/' &&
		aligned "$work/verify.es" '^  (bien|falta|no se sabe|info) ' '(modprobe|image|helper|rule|devices|cmdline) '; then
		ok "in Spanish: plan's reasons are translated, and translated words keep their columns in plan, status and verify"
	else not_ok "in Spanish: plan's reasons are translated, and translated words keep their columns in plan, status and verify" \
		"$(grep '^  0000:' "$work/plan.txt"; cat "$work/status.es" "$work/verify.es")"; fi
	# a word from the file in an error is shown as the user wrote it, accents and all
	printf 'method m\303\251todo\n' >"$work/r/etc/vfio-boot.conf"
	es_at 1 "$work/r" plan >"$work/accent.es" 2>&1
	grep -q "method 'método': se espera auto, ids o address" "$work/accent.es" &&
		ok "in Spanish: a parse error keeps the file's UTF-8 and is translated" ||
		not_ok "in Spanish: a parse error keeps the file's UTF-8 and is translated" "$(cat "$work/accent.es")"
else not_ok "localedef es_ES.UTF-8 (the locales package provides its source)" "$(cat "$work/err")"; fi

summary i18n
