package transcript

import "strings"

// A pattern is one string to find: a secret value or one of its forms.
type pattern struct {
	text string
	// word: the pattern comes from a value shorter than shortSecret and
	// counts only where it stands as a word (or, decoded, as a field).
	word bool
}

// fewPatterns is how many patterns are searched one strings.Index at a time.
// Index is vectorised and beats a byte-by-byte scan for a handful of
// patterns; a bulk run registers a password per mailbox, thousands, and then
// one scan that looks up each position's first two bytes is what stays fast.
const fewPatterns = 8

// A matcher finds every occurrence of a set of patterns in a text.
type matcher struct {
	pats    []pattern
	refs    []int32        // adds less removes of each pattern; 0: a free slot
	free    []int          // free slots in pats, reused by add
	index   map[string]int // pattern text -> position in pats
	single  [256]int32     // 1 + position of the one-byte pattern starting with that byte
	bigrams map[uint16][]int32
	bitset  [1 << 16 / 64]uint64 // first two bytes present in bigrams
}

func (m *matcher) add(text string, word bool) {
	if i, ok := m.index[text]; ok {
		// The same string from a longer value must be masked everywhere.
		m.pats[i].word = m.pats[i].word && word
		m.refs[i]++
		return
	}
	if m.index == nil {
		m.index = make(map[string]int)
		m.bigrams = make(map[uint16][]int32)
	}
	var i int
	if n := len(m.free); n > 0 {
		i, m.free = m.free[n-1], m.free[:n-1]
		m.pats[i], m.refs[i] = pattern{text: text, word: word}, 1
	} else {
		i = len(m.pats)
		m.pats = append(m.pats, pattern{text: text, word: word})
		m.refs = append(m.refs, 1)
	}
	m.index[text] = i
	if len(text) == 1 {
		m.single[text[0]] = int32(i + 1)
		return
	}
	k := bigram(text[0], text[1])
	m.bigrams[k] = append(m.bigrams[k], int32(i))
	m.bitset[k/64] |= 1 << (k % 64)
}

// remove undoes one add of text; the pattern goes when every add is
// undone. Its slot is reused, so a bulk run that adds each row's password
// while the row runs and removes it after keeps the matcher small.
func (m *matcher) remove(text string) {
	i, ok := m.index[text]
	if !ok {
		return
	}
	if m.refs[i]--; m.refs[i] > 0 {
		return
	}
	delete(m.index, text)
	m.pats[i] = pattern{}
	m.free = append(m.free, i)
	if len(text) == 1 {
		m.single[text[0]] = 0
		return
	}
	k := bigram(text[0], text[1])
	list := m.bigrams[k]
	for j, pi := range list {
		if int(pi) == i {
			list[j] = list[len(list)-1]
			list = list[:len(list)-1]
			break
		}
	}
	if len(list) == 0 {
		delete(m.bigrams, k)
		m.bitset[k/64] &^= 1 << (k % 64)
	} else {
		m.bigrams[k] = list
	}
}

func bigram(a, b byte) uint16 { return uint16(a)<<8 | uint16(b) }

// each calls yield for every occurrence of every pattern (overlapping ones
// included, in no particular order) until yield returns false.
func (m *matcher) each(text string, yield func(p *pattern, start, end int) bool) {
	if len(m.index) <= fewPatterns {
		for i := range m.pats {
			p := &m.pats[i]
			if p.text == "" {
				continue // a free slot
			}
			for off := 0; off < len(text); {
				j := strings.Index(text[off:], p.text)
				if j < 0 {
					break
				}
				start := off + j
				if !yield(p, start, start+len(p.text)) {
					return
				}
				off = start + 1
			}
		}
		return
	}
	for i := 0; i < len(text); i++ {
		if s := m.single[text[i]]; s != 0 {
			if !yield(&m.pats[s-1], i, i+1) {
				return
			}
		}
		if i+1 == len(text) {
			break
		}
		k := bigram(text[i], text[i+1])
		if m.bitset[k/64]&(1<<(k%64)) == 0 {
			continue
		}
		for _, pi := range m.bigrams[k] {
			p := &m.pats[pi]
			if strings.HasPrefix(text[i:], p.text) && !yield(p, i, i+len(p.text)) {
				return
			}
		}
	}
}
