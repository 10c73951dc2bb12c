# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts/ helpers.  Source it, do not run it.

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Which line of the series: "mainline" (BASE, patches/ and Kconfig.fragment
# at the top; the mirror follows it) or a stable backport kept under
# stable/<version>/ with its own BASE, patches/ and Kconfig.fragment (the
# lines that differ from the top one).  "make check BASE=6.12" sets LINE.
LINE=${LINE:-mainline}
case "$LINE" in
mainline|"") LINE=mainline LINEDIR=$TOP BUILD=${BUILD:-$TOP/build} ;;
*)	LINEDIR=$TOP/stable/$LINE BUILD=${BUILD:-$TOP/build/$LINE}
	[ -f "$LINEDIR/BASE" ] || { echo "error: no line $LINE (stable/$LINE/BASE)" >&2; exit 1; } ;;
esac
PATCHES=$LINEDIR/patches
# Kconfig fragments, in order; the last one that names an option decides.
FRAGMENTS="$TOP/Kconfig.fragment"
[ "$LINE" = mainline ] || FRAGMENTS="$FRAGMENTS $LINEDIR/Kconfig.fragment"
APT_DIR=$TOP/build/apt		# private apt state for scripts/get-base, scripts/deps
KSRC=$BUILD/linux		# base + series, a git tree (developers edit here)
KSRC_BASE=$BUILD/linux-base	# worktree of the pristine base
KOBJ=$BUILD/obj			# kernel build output for KSRC
KOBJ_BASE=$BUILD/obj-base	# kernel build output for KSRC_BASE
BASE_TAG=base
JOBS=${JOBS:-$(nproc)}

# shellcheck disable=SC1091
. "$LINEDIR/BASE"

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
