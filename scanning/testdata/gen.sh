#!/bin/sh
# Regenerates the decoder fixtures in testdata/images.
#
# Requires zint (Debian package "zint", 2.11) and Go. The base symbols are
# drawn by zint into images/zint/; the Go program internal/fixturegen then
# derives the photographed-looking variants (rotation, blur, low contrast,
# noise, inversion, clutter, JPEG artefacts) deterministically and writes
# images/manifest.tsv with the text each image must decode to. Both the
# PNGs and the manifest are committed, so tests need neither zint nor this
# script.
#
# Usage: scanning/testdata/gen.sh   (from anywhere)
set -eu
cd "$(dirname "$0")"
out=images
base=$out/zint
rm -rf "$out"
mkdir -p "$base"

# Sample data (the NDC 12345-678-90 is fictitious).
PACK='[01]00312345678906[17]270131[10]LOT123A[21]SN0001'
PACK_TEXT='01003123456789061727013110LOT123A<GS>21SN0001'

# sym NAME FORMAT EXPECTED VARIANTS ZINT-ARGS...
#   FORMAT/EXPECTED: what Decode must return (<GS> stands for ASCII 29).
#   VARIANTS: comma-separated transformations for fixturegen ("-" none);
#   "+" chains steps, e.g. rot7+blur0.8+noise8.
printf 'name\tformat\texpected\tvariants\n' > "$base/manifest.tsv"
sym() {
	name=$1 format=$2 expected=$3 variants=$4
	shift 4
	zint --quietzones "$@" -o "$base/$name.png"
	printf '%s\t%s\t%s\t%s\n' "$name" "$format" "$expected" "$variants" >> "$base/manifest.tsv"
}

# GS1 DataMatrix: square at 2, 4 and 6 px per module, rectangular (16x48),
# DMRE (20x36 and 12x64), day-00 expiry, patient GSRN wristband, HIBC.
sym dm_square_m2 DATA_MATRIX "$PACK_TEXT" "rot30,blur0.7,noise12,jpeg40" -b DATAMATRIX --gs1 --square --scale=1 -d "$PACK"
sym dm_square_m4 DATA_MATRIX "$PACK_TEXT" "rot45,rot200,blur1.5,contrast100-150,noise30,inverted,scene,gradient,rot12+blur1+noise10" -b DATAMATRIX --gs1 --square --scale=2 -d "$PACK"
sym dm_square_m6 DATA_MATRIX "$PACK_TEXT" "perspective,scene,crop" -b DATAMATRIX --gs1 --square --scale=3 -d "$PACK"
sym dm_rect DATA_MATRIX "$PACK_TEXT" "rot90,blur1,noise20,inverted" -b DATAMATRIX --gs1 --scale=2 --vers=30 -d "$PACK"
sym dm_dmre_20x36 DATA_MATRIX "$PACK_TEXT" "rot15,contrast90-160" -b DATAMATRIX --gs1 --scale=2 --dmre --vers=40 -d "$PACK"
sym dm_dmre_12x64 DATA_MATRIX "$PACK_TEXT" "rot180,blur1" -b DATAMATRIX --gs1 --scale=2 --dmre --vers=37 -d "$PACK"
sym dm_dayzero DATA_MATRIX '01003123456789061728020010LOT9' "-" -b DATAMATRIX --gs1 --scale=2 -d '[01]00312345678906[17]280200[10]LOT9'
sym dm_gsrn DATA_MATRIX '8018061414100000123454' "rot60,noise15" -b DATAMATRIX --gs1 --scale=3 -d '[8018]061414100000123454'
sym dm_hibc DATA_MATRIX '+A123BJC5D6E71/$$52001510X3C' "-" -b HIBC_DM --scale=2 -d 'A123BJC5D6E71/$$52001510X3'

# GS1-128 at 1, 2 and 3 px per module; a Code 128 MRN wristband.
sym gs1_128_m1 CODE_128 "$PACK_TEXT" "-" -b GS1_128 --scale=0.5 --height=40 -d "$PACK"
sym gs1_128_m2 CODE_128 "$PACK_TEXT" "rot90,rot180,rot4,rot15,blur1,contrast100-160,noise20,inverted,jpeg30,gradient,scene" -b GS1_128 --scale=1 --height=40 -d "$PACK"
sym gs1_128_m3 CODE_128 "$PACK_TEXT" "crop,rot3+blur1.2+noise10" -b GS1_128 --scale=1.5 --height=30 -d "$PACK"
sym code128_mrn CODE_128 'MRN00123456' "rot270,blur1,noise20" -b CODE128 --scale=1 -d 'MRN00123456'

# QR: GS1 (no leading GS in the text) at 2 and 4 px per module, and a
# wristband with several fields.
sym qr_gs1_m2 QR_CODE "$PACK_TEXT" "blur0.6,noise12" -b QRCODE --gs1 --scale=1 -d "$PACK"
sym qr_gs1_m4 QR_CODE "$PACK_TEXT" "rot33,blur1.5,contrast100-150,noise30,inverted,scene,perspective" -b QRCODE --gs1 --scale=2 -d "$PACK"
sym qr_wristband QR_CODE 'MRN:00123456|DOE^JANE|DOB:19800101' "rot10" -b QRCODE --scale=2 -d 'MRN:00123456|DOE^JANE|DOB:19800101'

# EAN-13 and UPC-A (12 digits, NDC inside) at 1, 2 and 3 px per module.
sym ean13_m1 EAN_13 '5901234123457' "-" -b EANX --scale=0.5 -d '590123412345'
sym ean13_m2 EAN_13 '5901234123457' "rot90,rot180,rot5,rot45,blur1,contrast100-160,noise20,inverted,jpeg30,gradient,scene" -b EANX --scale=1 -d '590123412345'
sym upca_m2 UPC_A '312345678906' "rot270,rot130,blur1.2,noise25,scale0.8,crop" -b UPCA --scale=1 -d '31234567890'
sym upca_m3 UPC_A '312345678906' "rot8+blur1+noise10,jpeg25" -b UPCA --scale=1.5 -d '31234567890'

# ITF-14 (case GTIN-14, with bearer bars) at 2 and 3 px per module.
sym itf14_m2 ITF '10312345678903' "rot90,blur1,noise20,inverted" -b ITF14 --scale=1 -d '1031234567890'
sym itf14_m3 ITF '10312345678903' "rot180,contrast100-160" -b ITF14 --scale=1.5 -d '1031234567890'

# PDF417 wristband (read by internal/pdf417).
sym pdf417_wristband PDF_417 'MRN:00123456|DOE^JANE|DOB:19800101' "rot90,blur0.6" -b PDF417 --scale=1.5 -d 'MRN:00123456|DOE^JANE|DOB:19800101'

cd ..
go run ./internal/fixturegen -base "testdata/$base" -out "testdata/$out"
