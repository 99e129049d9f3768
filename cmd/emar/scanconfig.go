package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/emar-project/emar/mar"
)

// readScanConfig reads --scan-config: the service-wide default scanner
// settings. An empty path keeps the built-in formats; a file that does not
// validate stops the start with the field at fault.
func readScanConfig(path string) (mar.ScanSettings, error) {
	var set mar.ScanSettings
	if path == "" {
		return set, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return set, fmt.Errorf("--scan-config: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&set); err != nil {
		return set, fmt.Errorf("--scan-config %s: %w", path, err)
	}
	if _, err := mar.CompileScanSettings(set); err != nil {
		return set, fmt.Errorf("--scan-config %s: %w", path, err)
	}
	return set, nil
}
