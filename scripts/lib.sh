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
# The KUnit suites make check requires: a line's own list when it has one
# (a backport may lack a suite the series adds).
KUNIT_LIST=$TOP/scripts/kunit-suites
[ -f "$LINEDIR/kunit-suites" ] && KUNIT_LIST=$LINEDIR/kunit-suites
APT_DIR=$TOP/build/apt		# private apt state for scripts/get-base, scripts/deps
KSRC=${KSRC:-$BUILD/linux}	# base + series, a git tree (developers edit here)
KSRC_BASE=$BUILD/linux-base	# worktree of the pristine base
KOBJ=${KOBJ:-$BUILD/obj}	# kernel build output for KSRC
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

# apt-get/apt-cache with only the project's sources and state under
# build/apt (Debian 12 and 13 with their updates and backports): the
# machine's own apt configuration and package state are left alone.
# "papt apt-get download PKG=VER" fetches a .deb into the current directory.
PAPT_OPTS=(-o Dir::Etc::SourceList="$APT_DIR/etc/sources.list"
	-o Dir::Etc::SourceParts=/nonexistent
	-o Dir::Etc::PreferencesParts="$APT_DIR/etc/preferences.d"
	-o Dir::State="$APT_DIR/state"
	-o Dir::State::Lists="$APT_DIR/lists"
	-o Dir::State::status="$APT_DIR/state/status"
	-o Dir::Cache="$APT_DIR/cache"
	-o Debug::NoLocking=1
	-o APT::Sandbox::User=root)
papt_setup() {
	local k=/usr/share/keyrings/debian-archive-keyring.gpg s
	mkdir -p "$APT_DIR"/lists/partial "$APT_DIR"/cache/archives/partial \
		"$APT_DIR"/etc/preferences.d "$APT_DIR"/state
	touch "$APT_DIR/state/status"
	{
		for s in bookworm bookworm-updates bookworm-backports trixie trixie-backports; do
			echo "deb [signed-by=$k] http://deb.debian.org/debian $s main"
		done
		echo "deb [signed-by=$k] http://deb.debian.org/debian-security bookworm-security main"
	} > "$APT_DIR/etc/sources.list"
}
papt() {
	local cmd=$1
	shift
	"$cmd" -q "${PAPT_OPTS[@]}" "$@"
}
papt_update() {
	papt apt-get update >/dev/null || die "apt-get update (build/apt) failed"
}

# install_deb PKG VERSION: install one Debian package at exactly VERSION
# from a .deb fetched through build/apt (its dependencies must be installed
# already, with need_root_apt).  Nothing else is installed or upgraded.
install_deb() {
	local pkg=$1 ver=$2 dir=$TOP/build/deb deb sudo=
	[ "$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null)" = \
		"install ok installed $ver" ] && return 0
	papt_setup
	mkdir -p "$dir"
	deb=$(ls "$dir/${pkg}_${ver/:/%3a}"_*.deb 2>/dev/null | head -n1 || true)
	if [ -z "$deb" ]; then
		(cd "$dir" && papt apt-get download "$pkg=$ver" >/dev/null 2>&1) ||
			{ papt_update; (cd "$dir" && papt apt-get download "$pkg=$ver" >/dev/null); } ||
			die "apt-get download $pkg=$ver failed"
		deb=$(ls "$dir/${pkg}_${ver/:/%3a}"_*.deb | head -n1)
	fi
	msg "installing $pkg $ver from $deb"
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo dpkg -i "$deb" >&2 || die "dpkg -i $deb failed"
}
