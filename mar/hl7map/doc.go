// Package hl7map connects HL7 v2 messages to the medication record. It
// maps the neutral views of package hl7 onto package mar's domain terms
// and back:
//
//   - RDE^O11 (and the v2.3 RDE^O01) pharmacy encoded orders become
//     mar.ExternalOrder values (NW new, XO/RP change, DC/OD/CA/OC
//     discontinue, HD/OH hold, RL/OR release), applied in one
//     transaction per message;
//   - ADT^A01/A02/A03/A08 (and the A11/A12/A13 cancellations) become
//     mar.ExternalPatient events;
//   - each charted administration becomes a RAS^O17 for the outbox.
//
// Every message is answered: AA when it was applied, AE naming the
// segment, field and HL7 table 0357 code of the first problem (an unknown
// product code is RXE-2 with 103, an unknown patient PID-3 with 204), AR
// for a message type the service does not take. Nothing of a refused
// message is stored. Handler serves the MLLP listener and ImportFile the
// `emar import hl7` command with the same code.
package hl7map
