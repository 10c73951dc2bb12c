# SPDX-License-Identifier: GPL-2.0
# Entry points; the work is done by scripts/ (see README.md).

.PHONY: all check check-all check-base vm kernel selftests series export-series \
	mirror checkpatch man-pages deps demo journal bench bisect-check ksft-forms send-prep clean distclean help

# "make check BASE=6.12" runs the stable backport under stable/6.12/
# (its own base, patches and build/6.12/); the default is the mainline
# series on the base in BASE.
ifneq ($(filter-out mainline 7.3,$(BASE)),)
export LINE := $(BASE)
else
export LINE := mainline
endif
unexport BASE

all: check

help:
	@echo "make check          everything, from a fresh clone: the verdict"
	@echo "make check BASE=6.12  the same for the 6.12 stable backport"
	@echo "make check-all      both (what CI runs)"
	@echo "make check-base     the same selftests on the unpatched base kernel"
	@echo "make vm             a shell in the patched kernel (scripts/vm-run)"
	@echo "make kernel         apply the series and build the kernel"
	@echo "make selftests      build the selftests"
	@echo "make demo           the sample HSM serving a 300 MB archive (scripts/demo)"
	@echo "make journal        the change journal under load: lost changes, ours vs base (scripts/journal)"
	@echo "make bench          pre-content cost, ours vs base, icount (scripts/bench)"
	@echo "make export-series  build/linux commits -> patches/ + mirror"
	@echo "make bisect-check   build and test the kernel at every patch (scripts/bisect-check)"
	@echo "make ksft-forms     run_tests and run_kselftest.sh -c in the guest, counts vs make check"
	@echo "make send-prep      the series re-signed as you, b4 prep, b4 send --dry-run (scripts/prepare-send)"
	@echo "make man-pages      apply patches/man-pages/ to man-pages, check with man --warnings"

check:
	scripts/check patched

check-all:
	scripts/check patched
	$(MAKE) check BASE=6.12

check-base:
	scripts/check base

deps:
	scripts/deps

series: deps
	scripts/apply-series

kernel: series
	scripts/build-kernel patched

selftests: kernel
	scripts/build-selftests

vm: kernel
	scripts/vm-run

demo: kernel
	scripts/demo

journal: kernel
	scripts/journal

bench: series
	scripts/bench

export-series:
	scripts/export-series

bisect-check: deps
	scripts/bisect-check

ksft-forms: kernel
	scripts/ksft-forms

send-prep: deps
	scripts/prepare-send

mirror: series
	scripts/check-mirror

checkpatch: series
	scripts/checkpatch-series

man-pages:
	scripts/check-man-pages

clean:
	rm -rf build/obj build/obj-base build/obj-nolockdep build/obj-base-nolockdep \
		build/selftests build/results-* build/vm-*.log build/demo build/bench build/journal

distclean:
	rm -rf build
