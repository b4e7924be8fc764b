# vfio-boot -- plain make, every library through pkg-config.
.DEFAULT_GOAL := all
PREFIX ?= /usr/local
# bin, not sbin: scan, check, plan, verify and status are for every user (sbin is not on a
# Debian user's PATH)
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
LOCALEDIR ?= $(PREFIX)/share/locale
LIBEXECDIR ?= $(PREFIX)/libexec/vfio-boot
# udev reads rules from /usr/lib/udev/rules.d whatever the prefix
UDEVRULESDIR ?= /usr/lib/udev/rules.d
# and dracut its modules from its own directory, mkinitcpio its hooks from its own
DRACUTMODULESDIR ?= /usr/lib/dracut/modules.d
INITCPIODIR ?= /usr/lib/initcpio
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
DESTDIR ?=
VERSION := 0.1.0

CC ?= cc
PKG_CONFIG ?= pkg-config
LIBS_CORE := libpci libkmod blkid json-c nettle
LIBS_CLI := smartcols
# loaded with dlopen when needed (headers only at build time): see src/core/verify/image.c
# src/core/profile/domain.c and define.c
LIBS_DLOPEN := libarchive libxml-2.0 libvirt
CFLAGS ?= -O2 -g
WARNINGS := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 \
	-Wno-missing-field-initializers
# pkg-config runs when a rule first needs its answer, once (not for 'make clean' on a
# machine without the libraries)
once = $(eval $(1) := $(2))$($(1))
PKG_CFLAGS = $(call once,PKG_CFLAGS,$(shell $(PKG_CONFIG) --cflags $(LIBS_CORE) $(LIBS_CLI) $(LIBS_DLOPEN)))
CPPFLAGS_ALL = -D_GNU_SOURCE -DVB_VERSION=\"$(VERSION)\" -DVB_LIBEXECDIR=\"$(LIBEXECDIR)\" -DVB_BINDIR=\"$(BINDIR)\" \
	-DVB_UDEVRULESDIR=\"$(UDEVRULESDIR)\" -DVB_LOCALEDIR=\"$(LOCALEDIR)\" -Isrc/core -Isrc/cli \
	$(PKG_CFLAGS)
CFLAGS_ALL := -std=gnu11 $(WARNINGS) $(CFLAGS)
LDLIBS_CORE = $(call once,LDLIBS_CORE,$(shell $(PKG_CONFIG) --libs $(LIBS_CORE)) -ldl)
LDLIBS_CLI = $(call once,LDLIBS_CLI,$(shell $(PKG_CONFIG) --libs $(LIBS_CLI)))
LDLIBS_CMOCKA = $(call once,LDLIBS_CMOCKA,$(shell $(PKG_CONFIG) --libs cmocka))

# BUILD=build-asan make ... gives a second tree with sanitizers (see the check-asan target)
BUILD ?= build

CORE_SRC := $(wildcard src/core/*.c src/core/*/*.c)
CLI_SRC := $(wildcard src/cli/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/test-*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

# The paths a build was configured with, recorded in $(BUILD)/paths: what names them (the
# binary, the helper, the udev rule, the dracut module and the mkinitcpio hook) is rebuilt
# when they change, so 'make' then 'make install PREFIX=/usr' installs files that agree.
CONFIGURED_PATHS := BINDIR=$(BINDIR) LIBEXECDIR=$(LIBEXECDIR) UDEVRULESDIR=$(UDEVRULESDIR) LOCALEDIR=$(LOCALEDIR)
$(BUILD)/paths: FORCE
	@mkdir -p $(dir $@)
	@echo '$(CONFIGURED_PATHS)' | cmp -s - $@ || echo '$(CONFIGURED_PATHS)' >$@
FORCE:

# The boot-time helper: libc only, it is copied into every initramfs image.
HELPER_SRC := src/helper/vfio-boot-bind.c src/core/config/selection.c src/core/pci-address.c \
	src/core/probe/cmdline.c src/core/util/utf8.c

# The translations: po/LANG.po, compiled for the build tree and installed under LOCALEDIR.
LANGUAGES := $(basename $(notdir $(wildcard po/*.po)))
MO := $(LANGUAGES:%=$(BUILD)/locale/%/LC_MESSAGES/vfio-boot.mo)

all: $(BUILD)/vfio-boot $(BUILD)/vfio-boot-bind $(BUILD)/60-vfio-boot.rules $(BUILD)/dracut/module-setup.sh \
	$(BUILD)/mkinitcpio/install $(MO)

$(BUILD)/locale/%/LC_MESSAGES/vfio-boot.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt -c -o $@ $<

# po/vfio-boot.pot from the sources (the keywords: _ and N_, and the check functions that
# translate their format and fix arguments), merged into every po/LANG.po.
XGETTEXT_FLAGS := --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=set:4 --keyword=vb_issue_add:3 \
	--flag=vb_issue_add:3:c-format --keyword=verdict:4 --flag=verdict:4:c-format --keyword=refuse:3 \
	--flag=refuse:3:c-format \
	--keyword=text_add:2 --flag=set:4:c-format --flag=text_add:2:c-format --add-comments=TRANSLATORS: \
	--keyword=P_:1,2 --keyword=vb_err:2 --keyword=vb_warn:2 --keyword=vb_info:2 --keyword=vb_log_errno:3 --keyword=vb_fail:3 --flag=vb_fail:3:c-format \
	--keyword=cli_error:2 --keyword=cli_failed:2 --keyword=cli_usage_error:1 --keyword=add_item:4 --keyword=note:2 \
	--flag=vb_err:2:c-format --flag=vb_warn:2:c-format --flag=vb_info:2:c-format --flag=vb_log_errno:3:c-format \
	--flag=cli_error:2:c-format --flag=cli_failed:2:c-format --flag=cli_usage_error:1:c-format --flag=add_item:4:c-format \
	--flag=note:2:c-format --keyword=parse_error:3 --flag=parse_error:3:c-format \
	--keyword=image_error:2 --flag=image_error:2:c-format \
	--package-name=vfio-boot --msgid-bugs-address=vfio-boot-developers --sort-by-file
print-xgettext-flags:
	@echo $(XGETTEXT_FLAGS)

update-po:
	xgettext $(XGETTEXT_FLAGS) -o po/vfio-boot.pot $$(cat po/POTFILES)
	for po in po/*.po; do msgmerge -q -U --backup=none $$po po/vfio-boot.pot; done

$(BUILD)/vfio-boot-bind: $(HELPER_SRC) $(wildcard src/core/*.h src/core/*/*.h) $(BUILD)/paths
	@mkdir -p $(dir $@)
	$(CC) -D_GNU_SOURCE -Isrc/core $(CFLAGS_ALL) -Os $(LDFLAGS) -o $@ $(HELPER_SRC)

$(BUILD)/60-vfio-boot.rules: udev/60-vfio-boot.rules.in $(BUILD)/paths
	@mkdir -p $(dir $@)
	sed 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' $< > $@

$(BUILD)/dracut/module-setup.sh: initramfs/dracut/module-setup.sh.in $(BUILD)/paths
	@mkdir -p $(dir $@)
	sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@UDEVRULESDIR@|$(UDEVRULESDIR)|g' $< > $@

$(BUILD)/mkinitcpio/install: initramfs/mkinitcpio/install.in $(BUILD)/paths
	@mkdir -p $(dir $@)
	sed -e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@UDEVRULESDIR@|$(UDEVRULESDIR)|g' $< > $@

# -MMD: each object's headers in a .d file beside it, read back below; an object without
# its .d (a tree built before this rule) is rebuilt, as its headers are not known
$(BUILD)/%.o: %.c $(BUILD)/%.d $(BUILD)/paths
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<
$(BUILD)/%.d: ;
.PRECIOUS: $(BUILD)/%.d

$(BUILD)/libvfioboot.a: $(CORE_OBJ)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/vfio-boot: $(CLI_OBJ) $(BUILD)/libvfioboot.a
	$(CC) $(CFLAGS_ALL) $(LDFLAGS) -o $@ $^ $(LDLIBS_CLI) $(LDLIBS_CORE)

$(BUILD)/tests/test-%: tests/unit/test-%.c $(BUILD)/libvfioboot.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS_ALL) $(CPPFLAGS) $(CFLAGS_ALL) $(LDFLAGS) -MMD -MP -o $@ $< $(BUILD)/libvfioboot.a \
		$(LDLIBS_CORE) $(LDLIBS_CMOCKA)

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(UNIT_BIN:=.d)

# The integration suites, in the order they run.
INTEGRATION_TESTS := run transaction faults bad-input profile distros setup handoff ansible i18n

# Unit tests (cmocka), then the integration tests over fixture sysroots.
check: all $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== $$t"; $$t; done
	@set -e; for t in $(INTEGRATION_TESTS); do echo "== tests/integration/$$t.sh"; \
		BUILD=$(BUILD) tests/integration/$$t.sh; done

# The same suite under AddressSanitizer and UndefinedBehaviorSanitizer, in build-asan/.
check-asan:
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp:print_suppressions=0 $(MAKE) BUILD=build-asan CC=clang \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
		LDFLAGS="-fsanitize=address,undefined" check

# The same suite under valgrind's memcheck (unit tests and every vfio-boot and vfio-boot-bind
# the integration scripts run): any error or definite/indirect leak fails it.
VALGRIND_CMD = valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --suppressions=$(CURDIR)/tests/valgrind.supp
check-valgrind: all $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "== valgrind $$t"; CMOCKA_TEST_ABORT=1 $(VALGRIND_CMD) $$t; done
	@set -e; for t in $(INTEGRATION_TESTS); do echo "== valgrind tests/integration/$$t.sh"; \
		VALGRIND="$(VALGRIND_CMD)" BUILD=$(BUILD) tests/integration/$$t.sh; done

# Boot tests: real Debian kernel, real mkinitramfs and dracut, QEMU, booted to the initramfs
# and through it to a real root with systemd and libvirt, which starts a VM with the devices
# (needs root for debootstrap and chroot; about 20 minutes on 2 cores). Serial logs in
# build/boot/logs.
check-boot:
	tests/boot/run.sh

# The Debian package: dpkg-buildpackage, its contents, apt install (post-install step), use,
# purge. Installs on this machine: needs root or sudo.
check-package:
	tests/package/run.sh

# libFuzzer targets (clang, ASan+UBSan), FUZZ_SECONDS each (default 60); tests/fuzz/RESULTS.md
fuzz:
	tests/fuzz/run.sh

print-fuzz-flags:
	@echo $(CPPFLAGS_ALL)
print-fuzz-libs:
	@echo $(LDLIBS_CORE)

bench: all
	bench/run.sh $(BUILD)/vfio-boot

man/vfio-boot.8: man/vfio-boot.8.scd
	scdoc < $< > $@

# the page as installed names the helper where this build puts it
$(BUILD)/vfio-boot.8: man/vfio-boot.8 $(BUILD)/paths
	sed 's|/usr/libexec/vfio-boot|$(LIBEXECDIR)|g' $< >$@

install: all $(BUILD)/vfio-boot.8
	install -Dm755 $(BUILD)/vfio-boot $(DESTDIR)$(BINDIR)/vfio-boot
	install -Dm755 $(BUILD)/vfio-boot-bind $(DESTDIR)$(LIBEXECDIR)/vfio-boot-bind
	install -Dm644 $(BUILD)/60-vfio-boot.rules $(DESTDIR)$(UDEVRULESDIR)/60-vfio-boot.rules
	install -Dm755 $(BUILD)/dracut/module-setup.sh $(DESTDIR)$(DRACUTMODULESDIR)/90vfio-boot/module-setup.sh
	install -Dm644 $(BUILD)/mkinitcpio/install $(DESTDIR)$(INITCPIODIR)/install/vfio-boot
	install -Dm644 $(BUILD)/vfio-boot.8 $(DESTDIR)$(MANDIR)/man8/vfio-boot.8
	for l in $(LANGUAGES); do \
		install -Dm644 $(BUILD)/locale/$$l/LC_MESSAGES/vfio-boot.mo $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES/vfio-boot.mo; done
	install -Dm644 completions/vfio-boot.bash $(DESTDIR)$(BASHCOMPDIR)/vfio-boot
	install -Dm644 completions/_vfio-boot $(DESTDIR)$(ZSHCOMPDIR)/_vfio-boot

# what install put there, with the same variables; directories only when left empty
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/vfio-boot $(DESTDIR)$(LIBEXECDIR)/vfio-boot-bind \
		$(DESTDIR)$(UDEVRULESDIR)/60-vfio-boot.rules $(DESTDIR)$(DRACUTMODULESDIR)/90vfio-boot/module-setup.sh \
		$(DESTDIR)$(INITCPIODIR)/install/vfio-boot $(DESTDIR)$(MANDIR)/man8/vfio-boot.8 \
		$(DESTDIR)$(BASHCOMPDIR)/vfio-boot $(DESTDIR)$(ZSHCOMPDIR)/_vfio-boot \
		$(LANGUAGES:%=$(DESTDIR)$(LOCALEDIR)/%/LC_MESSAGES/vfio-boot.mo)
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DRACUTMODULESDIR)/90vfio-boot 2>/dev/null

format:
	clang-format -i $(wildcard src/core/*.[ch] src/core/*/*.[ch] src/cli/*.[ch] tests/unit/*.[ch])

# the tree BUILD names (build by default), and the sanitizer and fuzzing trees
clean:
	rm -rf $(BUILD) build-asan build-fuzz


.PHONY: FORCE update-po print-xgettext-flags all check check-asan check-valgrind check-package check-boot fuzz print-fuzz-flags print-fuzz-libs bench install uninstall format clean
