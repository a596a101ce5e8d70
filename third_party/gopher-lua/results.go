package lua

// mailexpect patch (PATCHES.md): WantedResults tells a Go function how many
// results its caller keeps, so that it can skip building values nobody
// will see: a method called as a statement (`s:expect("^250 ")`, once per
// command) need not build its result table.

// WantedResults returns the number of results the caller of the running Go
// function keeps: 0 for a call made as a statement, 1 for `local x = f()`,
// MultRet (-1) when all of them are used (`return f()`, `g(f())`, a call
// from Go asking for MultRet). Outside a call it returns MultRet.
func (ls *LState) WantedResults() int {
	if ls.currentFrame == nil {
		return MultRet
	}
	return ls.currentFrame.NRet
}
