# SPDX-License-Identifier: GPL-2.0
# Shared paths for the hmap scripts. Sourced, not run.

HMAP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HMAP_CACHE=${HMAP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hmap}
HMAP_OUT=${HMAP_OUT:-$HMAP_ROOT/out}
KSRC_TARBALL=/usr/src/linux-source-6.12.tar.xz

# Version of the installed linux-source-6.12 package: the source cache key.
ksrc_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12
}

ksrc_dir() {
	echo "$HMAP_CACHE/linux-$(ksrc_version | tr '~:+' '___')"
}

# Config fragments of a flavor, in the order they are applied.
kernel_fragments() {
	echo "$HMAP_ROOT/scripts/kernel/common.config" \
	     "$HMAP_ROOT/scripts/kernel/$1.config"
}

# Build directory of a flavor: keyed by source version and fragment contents.
kernel_build_dir() {
	local hash
	# shellcheck disable=SC2046
	hash=$(cat $(kernel_fragments "$1") | sha256sum | cut -c1-12)
	echo "$HMAP_CACHE/build/$1-$(ksrc_version | tr '~:+' '___')-$hash"
}
