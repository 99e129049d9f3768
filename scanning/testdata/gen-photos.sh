#!/bin/sh
# Regenerates the camera-frame corpus in testdata/photos: harder than
# testdata/images, it is what a phone sees at the bedside.
#
# Requires zint (Debian package "zint", 2.11) and Go. zint draws each base
# symbol at 8 pixels per module into a temporary directory; the Go program
# internal/fixturegen (-photos, see its photos.go) then makes every listed
# shot of it a full camera frame (>= 640x480) saved as JPEG: the label or
# wristband band on a cluttered desk, resampled to the shot's module size,
# turned, in perspective, curved round a vial, lit by a lamp, blurred,
# noisy and compressed; and adds frames with no barcode at all. Everything
# is deterministic (each frame's random generator is seeded from its file
# name), so the same zint and Go give the same bytes. The JPEGs and
# photos/manifest.tsv are committed: tests need neither zint nor this
# script. photos/floor.tsv (the reads TestDecodePhotos must keep) is not
# written here.
#
# Shot steps, joined by "+" (file name: base__steps.jpg):
#   mN module px | wN symbol width px (80: a small symbol) | rotN degrees
#   perspN keystone fraction | cylN half-angle (rad) round a vial
#   band wristband band across the frame | inv light symbol on dark
#   glare[N] lamp reflection | lowN contrast left (grey levels)
#   shade uneven light | busy other labels, rules and text crowding it
#   blurN sigma (default 0.6) | noiseN sigma (default 3) | jpegN quality (default 85)
#
# Usage: scanning/testdata/gen-photos.sh   (from anywhere)
set -eu
if ! command -v zint >/dev/null 2>&1; then
	echo "zint not found: apt-get install zint" >&2
	exit 1
fi
cd "$(dirname "$0")"
out=photos
base=$(mktemp -d)
trap 'rm -rf "$base"' EXIT
mkdir -p "$out"
rm -f "$out"/*.jpg "$out/manifest.tsv"

# Sample data (the GTINs, NDC, MRN and names are fictitious).
PACK='[01]00312345678906[17]270131[10]LOT123A[21]SN0001'
PACK_TEXT='01003123456789061727013110LOT123A<GS>21SN0001'
PACK2='[01]09506000134352[17]281231[10]A1B2C3[21]12345678'
PACK2_TEXT='01095060001343521728123110A1B2C3<GS>2112345678'
BAND='MRN:00123456|DOE^JANE|DOB:19800101'
LABEL='RX:4471203|AMOXICILLIN 500MG CAP|1 CAP PO TID|DOE^JANE|MRN:00123456|DISP:20261130'

# sym NAME FORMAT EXPECTED SHOTS ZINT-ARGS...   (rendered at 8 px per module)
printf 'name\tformat\texpected\tvariants\tmodule\n' > "$base/manifest.tsv"
sym() {
	name=$1 format=$2 expected=$3 shots=$4
	shift 4
	zint --quietzones --scale=4 "$@" -o "$base/$name.png"
	printf '%s\t%s\t%s\t%s\t8\n' "$name" "$format" "$expected" "$shots" >> "$base/manifest.tsv"
}

# GS1 DataMatrix on packs and vials: GTIN, expiry, lot, serial.
sym dm_pack DATA_MATRIX "$PACK_TEXT" "m4+rot12,m3+rot45,m4+rot30+persp0.12,m4+rot200+persp0.08+shade,m3+rot20+blur1.6,m3+rot35+jpeg30,m4+rot15+glare,m4+rot25+low50,m4+rot10+cyl0.9,w80+rot20,w80+rot40+jpeg30,m4+rot22+busy,m4+rot28+busy+shade,m3+rot18+persp0.1+blur1.2+jpeg30+glare0.6,m5+rot5+inv" \
	-b DATAMATRIX --gs1 --square -d "$PACK"
sym dm_rect DATA_MATRIX "$PACK2_TEXT" "m4+rot8,m3+rot45,m4+rot90+persp0.12,m4+rot30+cyl0.8,m3+rot15+blur1.4,m3+rot25+jpeg30,m4+rot5+glare,m4+rot10+low45,w90+rot12,m4+rot20+busy" \
	-b DATAMATRIX --gs1 --vers=30 -d "$PACK2"
# GS1 DataMatrix wristband (GSRN of the patient).
sym dm_band DATA_MATRIX '8018061414100000123454' "m4+band+rot10,m3+band+rot40,m4+band+inv+rot15,m4+band+cyl0.7,m4+band+persp0.15+rot30,m3+band+rot20+jpeg30,m4+band+rot5+glare,w80+band+rot25" \
	-b DATAMATRIX --gs1 -d '[8018]061414100000123454'
# QR wristband and GS1 QR on a pack.
sym qr_band QR_CODE "$BAND" "m4+band+rot10,m3+band+rot45,m4+band+inv+rot20,m4+band+cyl0.8,m4+band+persp0.15+rot25,m3+band+blur1.5,m3+band+rot35+jpeg30,m4+band+rot10+glare,m4+band+rot15+low50,w80+band+rot30,m4+band+rot20+busy,m3+band+inv+rot40+jpeg30" \
	-b QRCODE -d "$BAND"
sym qr_pack QR_CODE "$PACK_TEXT" "m3+rot33+persp0.1,m3+rot15+cyl0.8,w80+rot10,m4+rot24+busy+glare" \
	-b QRCODE --gs1 -d "$PACK"
# Code 128 MRN wristband; GS1-128 on a pharmacy label.
sym code128_band CODE_128 'MRN00123456' "m3+band+rot5,m3+band+rot30,m3+band+rot45,m3+band+inv+rot8,m3+band+cyl0.7,m3+band+persp0.15+rot10,m2+band+blur1.2,m2.5+band+rot12+jpeg30,m3+band+rot4+glare,m3+band+rot6+low50,m3+band+rot15+busy,m3+band+inv+rot35+jpeg30" \
	-b CODE128 --height=20 -d 'MRN00123456'
sym gs1_128 CODE_128 "$PACK_TEXT" "m2+rot5,m2+rot30,m2+rot45,m2+rot8+persp0.12,m2+cyl0.5,m1.7+blur1,m2+rot3+jpeg30,m2+rot6+glare,m2+rot2+low50,m2+rot10+busy,m2+rot180+shade" \
	-b GS1_128 --height=80 -d "$PACK"
# PDF417 wristband band and pharmacy label.
sym pdf417_band PDF_417 "$BAND" "m2.5+band+rot5,m2.5+band+rot30,m2.5+band+rot45,m2.5+band+inv+rot10,m2.5+band+cyl0.7,m2.5+band+persp0.15+rot8,m2.5+band+blur1.2,m2.5+band+rot12+jpeg30,m2.5+band+rot6+glare,m2.5+band+rot4+low50,m2.5+band+rot15+busy" \
	-b PDF417 --cols=3 -d "$BAND"
sym pdf417_label PDF_417 "$LABEL" "m2+rot5,m2+rot35,m2+rot90+persp0.12,m2+cyl0.6,m2+blur1.1,m2+rot10+jpeg30,m2+rot3+glare,m2+rot8+low50,m2+rot12+busy,m2+rot180+shade+noise6" \
	-b PDF417 --cols=5 -d "$LABEL"
# Product codes on packs and vials.
sym ean13 EAN_13 '5901234123457' "m2.5+rot5,m2.5+rot30,m2.5+rot45,m2.5+cyl0.8,m2.5+rot10+persp0.15,m2+blur1.2,m2+rot8+jpeg30,m2.5+rot3+glare,m2.5+rot6+low50,m2.5+rot15+busy" \
	-b EANX -d '590123412345'
sym upca UPC_A '312345678906' "m2.5+rot8,m2.5+rot40,m2.5+cyl0.9,m2.5+rot20+persp0.12,m2+blur1.3,m2+jpeg30,m2.5+rot12+glare,m2.5+rot5+low45,m2.5+rot180+busy" \
	-b UPCA -d '31234567890'
sym itf14 ITF '10312345678903' "m2.5+rot5,m2.5+rot30,m2.5+rot45,m2.5+rot10+persp0.12,m2+blur1.2,m2+rot8+jpeg30,m2.5+rot3+glare,m2.5+rot6+low50,m2.5+rot15+busy,m2.5+cyl0.5" \
	-b ITF14 -d '1031234567890'

cd ..
go run ./internal/fixturegen -photos -base "$base" -out "testdata/$out"
