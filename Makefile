# SPDX-License-Identifier: GPL-2.0
#
# Developer entry points. The module itself is described in Kbuild.
#
#   make            build hmap.ko, the KUnit module and userspace/
#   make check      every test, in QEMU guests; ends with "N passed, N failed"
#   make demo       boot a guest, load hmap and drive it with hmapctl
#   make shell      boot a guest with hmap loaded and give a shell
#   make trace      boot a guest and watch evacuation with the bpftrace scripts
#   make bench      hmap vs. rhashtable and vs. a BPF hash map, on the perf kernel
#   make clean

# A real machine builds against its running kernel; anywhere else (or with
# KDIR= on the command line) against the project's cached test kernel.
RUNNING_KDIR := /lib/modules/$(shell uname -r)/build
# Deferred (=): only the targets that build modules pay for finding a kernel.
ifeq ($(origin KDIR),undefined)
KDIR = $(if $(wildcard $(RUNNING_KDIR)/Makefile),$(RUNNING_KDIR),$(shell scripts/build-kernel.sh debug))
endif

all: modules userspace

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

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

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	rm -rf out

.PHONY: all modules userspace check demo shell trace bench clean
