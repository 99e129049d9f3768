package web

import (
	"encoding/json"
	"slices"
)

// The one vocabulary of a dose's state. Every page names a dose's state
// with these words: the board and the MAR through doseStatus and the
// template function stateLabel, the bedside and the board's scripts
// through the JSON the layout puts on <body data-dose-states> (read by
// emar.stateLabel in common.js). A dose whose window closed without
// documentation is "Missed" everywhere, whether or not the sweeper has
// marked it yet: no page calls it "Overdue". TestOneWordForOneDoseState
// fails when a template or script names a state with another word.

// doseWord is one state: its kind (the CSS class suffix and the key the
// scripts use), the word shown, and what it means (the MAR's key).
type doseWord struct {
	Kind    string `json:"kind"`
	Label   string `json:"label"`
	Meaning string `json:"meaning"`
}

// doseWords lists every state a page shows.
var doseWords = []doseWord{
	{"upcoming", "Upcoming", "due later"},
	{"due", "Due now", "its window is open"},
	{"missed", "Missed", "missed: not documented in its window"},
	{"given", "Given", "given"},
	{"held", "Held", "held"},
	{"refused", "Refused", "refused by the resident"},
	{"not_given", "Not given", "not given"},
	{"suspended", "On hold", "order on hold (suspended)"},
	{"cancelled", "Cancelled", "cancelled: order stopped or changed"},
	{"projected", "Projected", "projected from the order's schedule"},
	{"awaiting_pharmacy", "Awaiting pharmacy", "not yet verified by pharmacy: cannot be given"},
}

// stateLabel is the word for a state kind; the kind itself when unknown.
func stateLabel(kind string) string {
	if i := slices.IndexFunc(doseWords, func(w doseWord) bool { return w.Kind == kind }); i >= 0 {
		return doseWords[i].Label
	}
	return kind
}

// stateMeaning is what a state kind means, for keys and legends.
func stateMeaning(kind string) string {
	if i := slices.IndexFunc(doseWords, func(w doseWord) bool { return w.Kind == kind }); i >= 0 {
		return doseWords[i].Meaning
	}
	return kind
}

// doseStatesJSON is the vocabulary for the pages' scripts.
func doseStatesJSON() string {
	b, err := json.Marshal(doseWords)
	if err != nil {
		panic(err) // a constant table of strings
	}
	return string(b)
}
