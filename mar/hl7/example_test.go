package hl7_test

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emar-project/emar/mar/hl7"
)

func ExampleParse() {
	raw := "MSH|^~\\&|PHARM|HOSP|EMAR|HOSP|20260314083000-0500||RDE^O11^RDE_O11|RX1|P|2.5.1\r" +
		"PID|1||A-17^^^HOSP^PI~00981123^^^HOSP^MR||O'Neil^Margaret\r" +
		"NTE|1||Crush \\T\\ mix with applesauce\r"
	m, err := hl7.Parse([]byte(raw))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Get("PID-3[2].1"), m.Get("PID-3[2].5"), m.Get("MSH-9.2"))
	fmt.Println(m.Get("NTE-3"))
	// Output:
	// 00981123 MR O11
	// Crush & mix with applesauce
}

func ExampleNewACK() {
	in, _ := hl7.Parse([]byte("MSH|^~\\&|PHARM|HOSP|EMAR|4W|20260314||RDE^O11^RDE_O11|RX1|P|2.5.1\rPID|1\r"))
	_, err := hl7.ParseRDE(in, hl7.ParseOptions{})
	var e *hl7.Error
	if !errors.As(err, &e) {
		e = &hl7.Error{Code: hl7.CodeInternal}
	}
	ack := hl7.NewACK(in, hl7.AckError, e, "ACK1", time.Date(2026, 3, 14, 8, 30, 0, 0, time.UTC))
	fmt.Println(strings.ReplaceAll(string(ack.Encode()), "\r", "\n"))
	// Output:
	// MSH|^~\&|EMAR|4W|PHARM|HOSP|20260314083000+0000||ACK^O11^ACK|ACK1|P|2.5.1||||||UNICODE UTF-8
	// MSA|AE|RX1|PID-3 (patient identifier list) is required
	// ERR||PID^1^3^1|101^Required field missing^HL70357|E||||PID-3 (patient identifier list) is required
}
