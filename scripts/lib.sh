# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts/ helpers.  Source it, do not run it.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
KSRC=$BUILD/linux		# base + series, a git tree (developers edit here)
KSRC_BASE=$BUILD/linux-base	# worktree of the pristine base
KOBJ=$BUILD/obj			# kernel build output for KSRC
KOBJ_BASE=$BUILD/obj-base	# kernel build output for KSRC_BASE
BASE_TAG=base
JOBS=${JOBS:-$(nproc)}

# shellcheck disable=SC1091
. "$TOP/BASE"

msg() { printf '>>> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Files the series touches, relative to the kernel tree.
series_files() {
	git -C "$KSRC" diff --name-only "$BASE_TAG" HEAD
}

need_root_apt() {
	# need_root_apt PKG...: install the packages that are missing.
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	msg "installing: ${missing[*]}"
	local sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -q >&2 || die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2 ||
		die "apt-get install ${missing[*]} failed"
}
