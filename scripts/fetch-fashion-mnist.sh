#!/usr/bin/env bash
# fetch-fashion-mnist.sh DIR: Zalando's Fashion-MNIST (the four IDX files,
# gzipped, MNIST's layout) from Debian's dataset-fashion-mnist package
# (apt-get download + dpkg-deb -x; nothing is installed). The package puts
# them in /usr/share/datasets/fashion-mnist/; they are copied into DIR as
# they are, with the package's copyright file (MIT, Zalando SE).
# Run by make data; it does nothing when DIR already holds the four files.
set -euo pipefail
dir=${1:?usage: fetch-fashion-mnist.sh DIR}
files="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"
have=1
for f in $files; do [ -s "$dir/$f" ] || have=0; done
[ "$have" -eq 1 ] && exit 0
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
if ! apt-get download dataset-fashion-mnist >/dev/null 2>apt.err; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get update -qq
	apt-get download dataset-fashion-mnist >/dev/null 2>apt.err || { cat apt.err >&2; exit 1; }
fi
dpkg-deb -x dataset-fashion-mnist_*.deb x
cd - >/dev/null
src=$tmp/x/usr/share/datasets/fashion-mnist
for f in $files; do
	[ -s "$src/$f" ] || { echo "fetch-fashion-mnist.sh: dataset-fashion-mnist has no $f" >&2; exit 1; }
done
# Copy under temporary names, then rename: an interrupted copy leaves no
# file that looks complete.
for f in $files; do cp "$src/$f" "$dir/$f.tmp"; done
cp "$tmp/x/usr/share/doc/dataset-fashion-mnist/copyright" "$dir/COPYRIGHT"
for f in $files; do mv "$dir/$f.tmp" "$dir/$f"; done
chmod 644 "$dir"/*.gz
ls -l "$dir"
