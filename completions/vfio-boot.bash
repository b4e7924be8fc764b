# bash completion for vfio-boot(8)
# Verbs, their options, PCI addresses from sysfs (under --sysroot when given) and the
# targets of 'generate'. Installed as share/bash-completion/completions/vfio-boot.

# The addresses of the sysroot's PCI devices: in full once a domain is being typed
# ("0000:0"), else as lspci shows them, without the domain 0000 ("03:00.0").
_vfio_boot_addresses()
{
	local sysroot=$1 cur=$2 d a
	for d in "$sysroot"/sys/bus/pci/devices/*; do
		[ -e "$d" ] || continue
		a=${d##*/}
		[[ $cur != [0-9a-f][0-9a-f][0-9a-f][0-9a-f]:* ]] && a=${a#0000:}
		printf '%s\n' "$a"
	done
}

_vfio_boot()
{
	# shellcheck disable=SC2034 # prev is set by _init_completion
	local cur prev words cword
	# '=' and ':' keep the word whole (an address has colons); see __ltrim_colon_completions
	_init_completion -n =: || return

	local verbs="scan check add remove plan generate apply revert status verify bind unbind handoff profile setup"
	local global="--root= --sysroot= --kernel= --bootloader= --initramfs= --json --quiet --verbose --help --version"
	local verb="" sysroot="" i
	for ((i = 1; i < cword; i++)); do
		case ${words[i]} in
		--sysroot=*) sysroot=${words[i]#--sysroot=} ;;
		-*) ;;
		*) [ -z "$verb" ] && verb=${words[i]} ;;
		esac
	done

	case $cur in
	--root=* | --sysroot=*)
		cur=${cur#*=}
		_filedir -d
		return
		;;
	--os=*)
		COMPREPLY=($(compgen -W "windows11 windows10 linux" -- "${cur#--os=}"))
		return
		;;
	--format=*)
		COMPREPLY=($(compgen -W "libvirt qemu proxmox kubevirt nova" -- "${cur#--format=}"))
		return
		;;
	--accel=*)
		COMPREPLY=($(compgen -W "kvm tcg" -- "${cur#--accel=}"))
		return
		;;
	--usb-controller=*)
		local d usb=()
		for d in "$sysroot"/sys/bus/pci/devices/*; do
			[ "$(cat "$d/class" 2>/dev/null)" = 0x0c0330 ] && usb+=("${d##*/}")
		done
		COMPREPLY=($(compgen -W "${usb[*]}" -- "${cur#--usb-controller=}"))
		__ltrim_colon_completions "${cur#--usb-controller=}"
		return
		;;
	--evdev=*)
		local sysroot_=${sysroot:-} e nodes=(auto none)
		for e in "$sysroot_"/dev/input/by-id/*-event-kbd "$sysroot_"/dev/input/by-id/*-event-mouse; do
			[ -e "$e" ] && nodes+=("/dev/input/by-id/${e##*/}")
		done
		COMPREPLY=($(compgen -W "${nodes[*]}" -- "${cur#--evdev=}"))
		return
		;;
	--disk=* | --iso=* | --drivers-iso=* | --rom=* | --output=*)
		cur=${cur#*=}
		_filedir
		return
		;;
	--bootloader=*)
		COMPREPLY=($(compgen -W "grub-dropin grub grub-bls systemd-boot kernelstub refind proxmox-boot-tool none" -- "${cur#--bootloader=}"))
		return
		;;
	--initramfs=*)
		COMPREPLY=($(compgen -W "initramfs-tools dracut mkinitcpio booster none" -- "${cur#--initramfs=}"))
		return
		;;
	--kernel=*)
		local root=/ w
		for w in "${words[@]}"; do [[ $w == --root=* ]] && root=${w#--root=}; done
		COMPREPLY=($(compgen -W "$(ls "$root/lib/modules" 2>/dev/null)" -- "${cur#--kernel=}"))
		return
		;;
	-*)
		local opts=$global
		case $verb in
		scan) opts+=" --all" ;;
		check) opts+=" --rom" ;;
		add) opts+=" --force --dry-run --handoff" ;;
		remove) opts+=" --dry-run" ;;
		plan) opts+=" --force --selection=" ;;
		generate) opts+=" --force" ;;
		apply) opts+=" --force --dry-run --no-rebuild --if-configured --handoff" ;;
		revert) opts+=" --force --dry-run --no-rebuild" ;;
		bind) opts+=" --force --dry-run" ;;
		unbind) opts+=" --dry-run" ;;
		handoff) opts+=" --dry-run --domain= --timeout=" ;;
		profile) opts+=" --force --name= --os= --memory= --vcpus= --disk= --disk-size= --iso= --drivers-iso= --usb-controller= --usb-device= --evdev= --looking-glass= --rom= --hugepages --hide-kvm --accel= --libvirt-version= --format= --output= --define --connect=" ;;
		esac
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
		return
		;;
	esac

	case $verb in
	"") COMPREPLY=($(compgen -W "$verbs" -- "$cur")) ;;
	generate) COMPREPLY=($(compgen -W "modprobe grub kernel-cmdline refind devices udev-rule initramfs-tools dracut mkinitcpio booster modules-load libvirt-hook cmdline" -- "$cur")) ;;
	handoff)
		if [ "$cword" -gt 1 ] && [[ ${words[cword - 1]} == handoff ]]; then
			COMPREPLY=($(compgen -W "prepare release" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$(_vfio_boot_addresses "$sysroot" "$cur")" -- "$cur"))
			__ltrim_colon_completions "$cur"
		fi
		;;
	check | add | remove | apply | bind | unbind)
		COMPREPLY=($(compgen -W "$(_vfio_boot_addresses "$sysroot" "$cur")" -- "$cur"))
		# readline replaces only what follows the last ':' it breaks words at
		__ltrim_colon_completions "$cur"
		;;
	esac
} &&
	complete -F _vfio_boot vfio-boot
