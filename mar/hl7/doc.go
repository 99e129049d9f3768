// Package hl7 reads and writes HL7 version 2 messages in their pipe-delimited
// ER7 form and carries them over MLLP.
//
// The package has three layers:
//
//   - The ER7 core (Parse, Message, Segment, Field, Encode) knows the
//     delimiters, escapes, repetitions, components and subcomponents of any
//     v2.x message, but nothing about what a segment means. Values are held
//     decoded; Encode escapes them again, so Parse(Encode(m)) equals m.
//     Positions are addressed with terser-like paths such as "PID-3[2].1".
//   - Typed views turn the messages an eMAR receives and sends into neutral
//     structs: ParseRDE (pharmacy encoded orders), ParseADT (admissions,
//     transfers, discharges), NewACK and NewRRE (acknowledgements) and
//     EncodeRAS (administrations). The structs mirror the HL7 fields and carry
//     no domain rules; package mar maps them onto its own types.
//   - MLLP framing (Reader, Writer) with a Server that acknowledges every
//     frame and a Client that sends a message and checks its acknowledgement.
//
// Every problem found in a message is reported as an *Error carrying the
// segment, field and HL7 table 0357 error code, so that an AE/AR
// acknowledgement can tell the sender exactly what to fix.
//
// The parser accepts what HL7 v2.3 to v2.9 allow rather than one profile:
// segment terminators \r, \n or \r\n, any delimiter set declared in MSH-1
// and MSH-2 (including the v2.7 truncation character), Z-segments (which the
// typed views ignore), and timing in TQ1 segments or in the older
// ORC-7/RXE-1 quantity/timing fields. Input size and shape are bounded
// (see Limits) because the bytes come from the network.
package hl7
