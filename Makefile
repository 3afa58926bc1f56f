# SPDX-License-Identifier: GPL-2.0
#
# Entry points. The module itself is described in Kbuild.
#
# On a real machine (needs the running kernel's headers,
# linux-headers-$(uname -r), or KDIR=/path/to/kernel/build):
#   make                 hmap.ko, the KUnit module (if the kernel has KUnit)
#                        and userspace/
#   make install         hmap.ko (modules_install, depmod), hmapctl, its man
#                        page, bash completion and the examples (udev rule,
#                        modprobe.d, modules-load.d); DESTDIR=, PREFIX=
#   make install-udev    opt in: members of group hmap may use /dev/hmap
#   make uninstall
#   make dkms-install    hmap through DKMS, rebuilt for every new kernel
#   make dkms-uninstall
#   make deb             out/deb/hmap-dkms_VERSION_all.deb and
#                        hmap-utils_VERSION_ARCH.deb
#
# The test harness (QEMU guests; each target builds the project's 6.12 test
# kernel the first time and installs what it needs with scripts/deps.sh):
#   make check           every test; ends with "N passed, N failed"
#   make demo            boot a guest, load hmap and drive it with hmapctl
#   make shell           boot a guest with hmap loaded and give a shell
#   make trace           watch evacuation with bpftrace, draw it as a PNG
#   make bench           hmap vs. rhashtable and vs. a BPF hash map
#   make test-kernel     build the debug test kernel now, print its directory
# No kernel needed:
#   make fuzz            fuzz hmap_core.c built in user space (testing/)
#   make bench-native    the native user-space benchmarks (bench/native/)
#   make clean

# The one version string, shared by the module, hmapctl and the packages.
VERSION := $(shell sed -n 's/^\#define HMAP_VERSION "\(.*\)"$$/\1/p' \
	     $(CURDIR)/include/hmap_version.h)

# Build against the running kernel's headers, or KDIR= given on the command
# line. Nothing else: a module for another kernel would not load here, and
# building the test kernel is a choice (make test-kernel), not a fallback.
# Deferred (=): only the targets that build modules look for a kernel.
KREL_RUNNING := $(shell uname -r)
RUNNING_KDIR := /lib/modules/$(KREL_RUNNING)/build

define NO_KDIR_MESSAGE
hmap: no headers of the running kernel $(KREL_RUNNING) ($(RUNNING_KDIR) is missing).
  To build for this machine, install them:  apt install linux-headers-$(KREL_RUNNING)
  To build against another kernel tree:     make KDIR=/path/to/kernel/build
  To build the project's 6.12 test kernel (for the QEMU guests) on purpose:
      make test-kernel, then make KDIR=<the directory it prints>
  (make check, demo, shell, trace and bench build the test kernel themselves.)
endef

ifeq ($(origin KDIR),undefined)
KDIR = $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(info $(NO_KDIR_MESSAGE))$(error no kernel to build against))
endif

# The release of the kernel in KDIR, as its modules' vermagic and uname -r
# say it: /lib/modules/KVER/ is where make install puts the module.
# (Not include/config/kernel.release: Debian's headers have the upstream
# version there, 6.1.192 for 6.1.0-57-amd64.)
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"$$/\1/p' \
	$(KDIR)/include/generated/utsrelease.h 2>/dev/null)

# Installation directories.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
EXAMPLEDIR ?= $(PREFIX)/share/doc/hmap/examples
# The admin's own rules: installing one there is the opt-in.
UDEVRULESDIR ?= /etc/udev/rules.d
# Below /lib/modules/KVER/ (kbuild's default for external modules).
MODDIR ?= extra
INSTALL ?= install

# The files DKMS builds the module from: the module's sources and headers,
# without the KUnit suites (dkms.conf builds with CONFIG_KUNIT= ).
MODULE_SOURCES := Kbuild \
	$(sort $(filter-out %.mod.c,$(wildcard *.c *.h include/*.h))) \
	include/uapi/linux/hmap.h
DKMS_SRCDIR = $(DESTDIR)/usr/src/hmap-$(VERSION)

EXAMPLES := packaging/udev/60-hmap.rules packaging/modprobe.d/hmap.conf \
	packaging/modules-load.d/hmap.conf

all: modules userspace

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

version:
	@echo $(VERSION)

# ---- installing -------------------------------------------------------

install: install-module install-cli install-examples

# The KUnit module is a test, not something to install: built without it.
# kbuild skips depmod without a System.map (as with a headers package), so
# depmod runs here, unless DESTDIR (a staging tree) is set.
install-module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_KUNIT= modules
	@test -n "$(KVER)" || { echo "no UTS_RELEASE in $(KDIR)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_KUNIT= KERNELRELEASE=$(KVER) \
		INSTALL_MOD_PATH=$(DESTDIR) INSTALL_MOD_DIR=$(MODDIR) \
		$(if $(DESTDIR),DEPMOD=true) $(SIGN_OFF) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))

# kbuild signs modules with KDIR's key when the kernel wants them signed;
# a headers package has no key, so no signing (and no "SSL error").
SIGN_OFF = $(if $(wildcard $(KDIR)/certs/signing_key.pem),,CONFIG_MODULE_SIG_ALL=)

install-cli:
	$(MAKE) -C userspace hmapctl
	$(INSTALL) -D -m 0755 userspace/hmapctl $(DESTDIR)$(BINDIR)/hmapctl
	$(INSTALL) -D -m 0644 userspace/hmapctl.8 $(DESTDIR)$(MANDIR)/man8/hmapctl.8
	$(INSTALL) -D -m 0644 packaging/bash-completion/hmapctl \
		$(DESTDIR)$(BASHCOMPDIR)/hmapctl

install-examples:
	$(INSTALL) -D -m 0644 packaging/udev/60-hmap.rules \
		$(DESTDIR)$(EXAMPLEDIR)/60-hmap.rules
	$(INSTALL) -D -m 0644 packaging/modprobe.d/hmap.conf \
		$(DESTDIR)$(EXAMPLEDIR)/modprobe.d/hmap.conf
	$(INSTALL) -D -m 0644 packaging/modules-load.d/hmap.conf \
		$(DESTDIR)$(EXAMPLEDIR)/modules-load.d/hmap.conf

# Opt in to group access: /dev/hmap becomes root:hmap 0660. Creates the
# group and applies the rule to a loaded module (not under DESTDIR).
install-udev:
	$(INSTALL) -D -m 0644 packaging/udev/60-hmap.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-hmap.rules
ifeq ($(DESTDIR),)
	getent group hmap > /dev/null || groupadd --system hmap
	-udevadm control --reload-rules
	-udevadm trigger --action=add --subsystem-match=misc --sysname-match=hmap
	@echo "Add users to the group: usermod -aG hmap USER (effective at their next login)."
endif

# The module is removed from every kernel it was installed for.
uninstall:
	@set -e; for ko in $(DESTDIR)/lib/modules/*/$(MODDIR)/hmap.ko*; do \
		[ -e "$$ko" ] || continue; \
		echo "rm -f $$ko"; rm -f "$$ko"; \
		kver=$${ko#$(DESTDIR)/lib/modules/}; kver=$${kver%%/*}; \
		if [ -z "$(DESTDIR)" ]; then echo "depmod -a $$kver"; depmod -a "$$kver"; fi; \
	done
	rm -f $(DESTDIR)$(BINDIR)/hmapctl $(DESTDIR)$(MANDIR)/man8/hmapctl.8 \
		$(DESTDIR)$(BASHCOMPDIR)/hmapctl
	rm -f $(DESTDIR)$(EXAMPLEDIR)/60-hmap.rules \
		$(DESTDIR)$(EXAMPLEDIR)/modprobe.d/hmap.conf \
		$(DESTDIR)$(EXAMPLEDIR)/modules-load.d/hmap.conf
	-rmdir $(DESTDIR)$(EXAMPLEDIR)/modprobe.d \
		$(DESTDIR)$(EXAMPLEDIR)/modules-load.d $(DESTDIR)$(EXAMPLEDIR) \
		2> /dev/null
	@if cmp -s packaging/udev/60-hmap.rules $(DESTDIR)$(UDEVRULESDIR)/60-hmap.rules; then \
		echo "rm -f $(DESTDIR)$(UDEVRULESDIR)/60-hmap.rules (group hmap is kept)"; \
		rm -f $(DESTDIR)$(UDEVRULESDIR)/60-hmap.rules; \
	fi

# ---- DKMS and the Debian packages ---------------------------------------

# The DKMS source tree, /usr/src/hmap-VERSION, with dkms.conf's version.
dkms-source:
	@test -n "$(VERSION)" || { echo "no version in include/hmap_version.h" >&2; exit 1; }
	rm -rf $(DKMS_SRCDIR)
	for f in $(MODULE_SOURCES); do \
		$(INSTALL) -D -m 0644 $$f $(DKMS_SRCDIR)/$$f || exit 1; \
	done
	sed 's/@VERSION@/$(VERSION)/g' dkms.conf > $(DKMS_SRCDIR)/dkms.conf
	chmod 0644 $(DKMS_SRCDIR)/dkms.conf

# KVER=RELEASE builds for that kernel instead of the running one. The same
# version added before is removed first: its source may have changed.
dkms-install: dkms-source
	if dkms status -m hmap -v $(VERSION) | grep -q .; then \
		dkms remove -m hmap -v $(VERSION) --all; fi
	dkms add -m hmap -v $(VERSION)
	dkms build -m hmap -v $(VERSION) $(if $(KVER_DKMS),-k $(KVER_DKMS))
	dkms install -m hmap -v $(VERSION) $(if $(KVER_DKMS),-k $(KVER_DKMS))

dkms-uninstall:
	if dkms status -m hmap -v $(VERSION) | grep -q .; then \
		dkms remove -m hmap -v $(VERSION) --all; fi
	rm -rf $(DKMS_SRCDIR)

KVER_DKMS = $(if $(filter command line,$(origin KVER)),$(KVER))

deb:
	packaging/build-deb.sh $(CURDIR)/out/deb

# ---- the test harness -----------------------------------------------------

check:
	scripts/check.sh

demo:
	scripts/demo.sh

shell:
	scripts/run-guest.sh --shell

trace:
	scripts/trace-demo.sh

bench:
	scripts/bench.sh

test-kernel:
	@scripts/build-kernel.sh debug

fuzz:
	$(MAKE) -C testing fuzz

bench-native:
	$(MAKE) -C bench/native run

# No kernel needed: kbuild's outputs are known.
clean:
	rm -f *.o *.ko *.mod *.mod.c *.mod.o .*.cmd .module-common.o \
		modules.order Module.symvers
	rm -f kunit/*.o kunit/*.ko kunit/*.mod kunit/*.mod.c kunit/*.mod.o \
		kunit/.*.cmd kunit/modules.order
	rm -rf .tmp_versions
	$(MAKE) -C userspace clean
	rm -rf out

.PHONY: all modules userspace version install install-module install-cli \
	install-examples install-udev uninstall dkms-source dkms-install \
	dkms-uninstall deb check demo shell trace bench test-kernel fuzz \
	bench-native clean
