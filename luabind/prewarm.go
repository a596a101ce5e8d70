package luabind

import "github.com/mailexpect/mailexpect/luabind/apispec"

// Every run's first state checks the declared globals against the spec:
// it needs the spec parsed (apispec starts that from its init), the list
// of what to wrap (specTargets) and an argument checker per function, all
// kept for the life of the process. prewarm makes them in the background
// while the rest of the process starts, instead of on the run's path.
func init() { go prewarm() }

func prewarm() {
	a := &apiState{spec: apispec.Get()}
	ts := specTargets(a.spec)
	for _, list := range [][]specTarget{ts.globals, ts.members} {
		for _, w := range list {
			a.checker(w.name)
		}
	}
}
