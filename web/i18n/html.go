package i18n

import (
	"strings"
	"text/template/parse"
	"unicode"
)

// The templates are written in English and translated as they are loaded:
// every run of text between tags, and the values of the attributes a
// person reads (title, aria-label, placeholder, alt, label), is looked up
// in the catalogue by its English words, whitespace collapsed. Actions
// ({{.Name}}) split a text into the runs around them. Nothing in the
// templates marks a string as translatable, so a string someone adds is
// translated, or reported by the completeness test, without anyone
// remembering to wrap it.

// readAttrs are the attributes whose values are shown or read aloud.
var readAttrs = map[string]bool{"title": true, "aria-label": true, "placeholder": true, "alt": true, "label": true, "aria-description": true, "aria-roledescription": true}

// htmlState is where the scanner is in the markup, carried from one text
// node to the next.
type htmlState struct {
	inTag   bool
	quote   byte
	attr    string // the attribute whose value is open
	name    strings.Builder
	lastTag string // the element whose start tag was read last
	tagName bool   // reading the tag's name
	raw     bool   // inside <script> or <style>
	closing bool   // the tag is an end tag
	comment bool   // inside <!-- -->
}

func (s *htmlState) clone() *htmlState {
	n := &htmlState{inTag: s.inTag, quote: s.quote, attr: s.attr, lastTag: s.lastTag, tagName: s.tagName, raw: s.raw, closing: s.closing, comment: s.comment}
	n.name.WriteString(s.name.String())
	return n
}

// Key is the catalogue key of a text run: trimmed, whitespace collapsed.
func Key(s string) string { return strings.Join(strings.Fields(s), " ") }

// HasWords reports whether a text needs translating: it holds a letter.
// Numbers, punctuation and symbols stay as they are.
func HasWords(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// rewrite scans one text node, calling tr for each translatable run; tr
// returns the replacement (or the run unchanged).
func (st *htmlState) rewrite(text string, tr func(string) string) string {
	var out strings.Builder
	i := 0
	valStart := -1 // a quoted value opened in this node
	for i < len(text) {
		switch {
		case st.comment:
			j := strings.Index(text[i:], "-->")
			if j < 0 {
				out.WriteString(text[i:])
				return out.String()
			}
			out.WriteString(text[i : i+j+3])
			i += j + 3
			st.comment = false
		case !st.inTag:
			j := strings.IndexByte(text[i:], '<')
			end := len(text)
			if j >= 0 {
				end = i + j
			}
			run := text[i:end]
			if st.raw {
				out.WriteString(run)
			} else {
				out.WriteString(translateRun(run, tr))
			}
			i = end
			if j < 0 {
				return out.String()
			}
			if strings.HasPrefix(text[i:], "<!--") {
				st.comment = true
				continue
			}
			rest := text[i+1:]
			if st.raw && !strings.HasPrefix(strings.ToLower(rest), "/script") && !strings.HasPrefix(strings.ToLower(rest), "/style") {
				out.WriteByte('<')
				i++
				continue
			}
			out.WriteByte('<')
			i++
			st.inTag, st.tagName, st.lastTag, st.closing = true, true, "", false
			st.name.Reset()
		case st.quote != 0:
			j := strings.IndexByte(text[i:], st.quote)
			if j < 0 {
				out.WriteString(text[i:])
				return out.String()
			}
			if valStart >= 0 && readAttrs[st.attr] {
				out.WriteString(translateRun(text[i:i+j], tr))
			} else {
				out.WriteString(text[i : i+j])
			}
			out.WriteByte(st.quote)
			i += j + 1
			st.quote, st.attr, valStart = 0, "", -1
		default: // in a tag, outside quotes
			c := text[i]
			out.WriteByte(c)
			i++
			switch {
			case c == '>':
				st.endName()
				st.inTag = false
				t := strings.ToLower(st.lastTag)
				st.raw = !st.closing && (t == "script" || t == "style")
			case c == '"' || c == '\'':
				st.quote, valStart = c, i
			case c == '=':
				st.attr = strings.ToLower(st.name.String())
				st.name.Reset()
			case c == '/' && st.tagName && st.lastTag == "":
				st.closing = true
			case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/':
				st.endName()
			default:
				if st.tagName {
					st.lastTag += string(c)
				} else {
					st.name.WriteByte(c)
				}
			}
		}
	}
	return out.String()
}

func (st *htmlState) endName() {
	if st.tagName {
		if st.lastTag != "" {
			st.tagName = false
		}
		return
	}
	st.name.Reset()
}

// translateRun keeps a run's surrounding whitespace and translates its
// words.
func translateRun(run string, tr func(string) string) string {
	key := Key(run)
	if key == "" || !HasWords(key) {
		return run
	}
	lead := run[:len(run)-len(strings.TrimLeftFunc(run, unicode.IsSpace))]
	trail := run[len(strings.TrimRightFunc(run, unicode.IsSpace)):]
	return lead + tr(key) + trail
}

// walk visits the text nodes of a tree in document order; branches of an
// if, range or with start from the same state, and the state after the
// first branch goes on (templates keep their branches balanced).
func walk(n parse.Node, st *htmlState, visit func(*parse.TextNode, *htmlState)) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			walk(c, st, visit)
		}
	case *parse.TextNode:
		visit(n, st)
	case *parse.IfNode:
		walkBranch(&n.BranchNode, st, visit)
	case *parse.RangeNode:
		walkBranch(&n.BranchNode, st, visit)
	case *parse.WithNode:
		walkBranch(&n.BranchNode, st, visit)
	}
}

func walkBranch(b *parse.BranchNode, st *htmlState, visit func(*parse.TextNode, *htmlState)) {
	before := st.clone()
	walk(b.List, st, visit)
	if b.ElseList != nil {
		walk(b.ElseList, before, visit)
	}
}

// TranslateTree replaces the English runs of a template's tree with tr's
// answers. It changes the tree: call it on a tree parsed for one language
// before the template is first executed.
func TranslateTree(tree *parse.Tree, tr func(english string) string) {
	if tree == nil || tree.Root == nil {
		return
	}
	walk(tree.Root, &htmlState{}, func(t *parse.TextNode, st *htmlState) {
		t.Text = []byte(st.rewrite(string(t.Text), tr))
	})
}

// Texts lists the translatable runs of a template's tree, in order.
func Texts(tree *parse.Tree) []string {
	var out []string
	if tree == nil || tree.Root == nil {
		return nil
	}
	walk(tree.Root, &htmlState{}, func(t *parse.TextNode, st *htmlState) {
		st.rewrite(string(t.Text), func(k string) string { out = append(out, k); return k })
	})
	return out
}
