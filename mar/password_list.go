package mar

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswords is the list data/README.md describes.
//
//go:embed data/common-passwords.txt
var commonPasswords string

var commonSet = sync.OnceValue(func() map[string]bool {
	set := make(map[string]bool, 10000)
	for _, p := range strings.Split(commonPasswords, "\n") {
		if p = strings.TrimSpace(p); p != "" {
			set[strings.ToLower(p)] = true
		}
	}
	return set
})

// isCommonPassword reports whether p is on the list, whatever its case.
func isCommonPassword(p string) bool { return commonSet()[strings.ToLower(p)] }
