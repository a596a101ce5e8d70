//go:build race

package bulk

// raceEnabled: the race detector slows the million-row test tenfold and
// multiplies its memory; it runs fewer rows then.
const raceEnabled = true
