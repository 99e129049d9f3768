#!/bin/sh
# Compares the scanning package's decoder with zxing-cpp's ZXingReader on the
# same images and prints, per format, the images read by each, the wrong
# reads, and the median decode time per image of each with their ratio.
#
# Needs Go and ZXingReader (Debian package zxing-cpp-tools).
#
# Usage:
#   bench/decode-compare.sh                 # the committed decoder fixtures
#   bench/decode-compare.sh -v              # … with one line per image
#   bench/decode-compare.sh -manifest my/manifest.tsv
#   bench/decode-compare.sh -manifest "" photos/   # unlabelled images: reads and agreement only
#   bench/decode-compare.sh -reps 5 -zxing /opt/zxing/ZXingReader
#
# A manifest has the format of scanning/testdata/images/manifest.tsv:
# file<TAB>format<TAB>expected text (<GS> = ASCII 29)<TAB>read|none|unsupported.
set -eu
cd "$(dirname "$0")/.."
if ! command -v ZXingReader >/dev/null 2>&1; then
	echo "ZXingReader not found: apt-get install zxing-cpp-tools (or pass -zxing PATH, or -zxing \"\" to skip)" >&2
fi
exec go run ./scanning/internal/decodecmp "$@"
