package mar_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"

	"github.com/emar-project/emar/mar"
)

func encoded(t testing.TB, format string, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 10, 10, 255})
	var buf bytes.Buffer
	var err error
	switch format {
	case "png":
		err = png.Encode(&buf, img)
	case "jpeg":
		err = jpeg.Encode(&buf, img, nil)
	case "gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A photo is what its bytes decode as: a whole JPEG or PNG, at most 2 MB
// and 40 megapixels; anything else is refused naming the field.
func TestCheckPhoto(t *testing.T) {
	pngData, jpgData := encoded(t, "png", 30, 20), encoded(t, "jpeg", 16, 24)
	// A PNG header that claims 20000 × 20000 pixels (a decompression bomb)
	// in a few bytes.
	huge := encoded(t, "png", 1, 1)
	copy(huge[16:24], []byte{0, 0, 0x4e, 0x20, 0, 0, 0x4e, 0x20})
	binary.BigEndian.PutUint32(huge[29:33], crc32.ChecksumIEEE(huge[12:29]))
	for _, tc := range []struct {
		name   string
		data   []byte
		ct     string
		w, h   int
		code   mar.ErrorCode
		reason string
	}{
		{"png", pngData, "image/png", 30, 20, "", ""},
		{"jpeg", jpgData, "image/jpeg", 16, 24, "", ""},
		{"gif", encoded(t, "gif", 4, 4), "", 0, 0, mar.EInvalid, "not_an_image"},
		{"text", []byte("hello, not a picture"), "", 0, 0, mar.EInvalid, "not_an_image"},
		{"truncated png", pngData[:len(pngData)-20], "", 0, 0, mar.EInvalid, "not_an_image"},
		{"empty", nil, "", 0, 0, mar.EInvalid, ""},
		{"too many pixels", huge, "", 0, 0, mar.EInvalid, "too_many_pixels"},
		{"over 2 MB", append(bytes.Clone(pngData), make([]byte, mar.MaxPhotoBytes)...), "", 0, 0, mar.ETooLarge, "too_large"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, w, h, err := mar.CheckPhoto(tc.data)
			if tc.code == "" {
				if err != nil || ct != tc.ct || w != tc.w || h != tc.h {
					t.Fatalf("got %q %d×%d %v, want %q %d×%d", ct, w, h, err, tc.ct, tc.w, tc.h)
				}
				return
			}
			e, ok := mar.AsError(err)
			if !ok || e.Code != tc.code || e.Field != "photo" || (tc.reason != "" && e.Reason != tc.reason) {
				t.Fatalf("got %v, want %s %s on photo", err, tc.code, tc.reason)
			}
		})
	}
}

// FuzzCheckPhoto: no upload panics the check, and what it accepts decodes
// as the type and size it reports.
func FuzzCheckPhoto(f *testing.F) {
	f.Add(encoded(f, "png", 3, 2))
	f.Add(encoded(f, "jpeg", 8, 8))
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte("\xff\xd8\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ct, w, h, err := mar.CheckPhoto(data)
		if err != nil {
			return
		}
		img, format, derr := image.Decode(bytes.NewReader(data))
		if derr != nil || "image/"+format != ct || img.Bounds().Dx() != w || img.Bounds().Dy() != h {
			t.Fatalf("accepted %q %d×%d but decodes as %q %v (%v)", ct, w, h, format, img.Bounds(), derr)
		}
	})
}
