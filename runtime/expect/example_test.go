package expect_test

import (
	"fmt"

	"github.com/mailexpect/mailexpect/runtime/expect"
)

// Feed a buffer the way a session does and let a scanner decide: the
// multi-line EHLO reply is matched at its last line, whatever the split.
func Example() {
	last := expect.MustCompile(`^250 (.*)$`)
	refused := expect.MustCompile(`^5\d\d `)

	b := expect.NewBuffer(0)
	sc := b.Scan([]expect.Case{{Pattern: refused}, {Pattern: last}})
	for _, chunk := range []string{"250-mx.example\r\n250-PIPE", "LINING\r\n250 SIZE 1000", "0\r\n"} {
		b.Write([]byte(chunk))
		m, err := sc.Next(false)
		if err != nil {
			panic(err)
		}
		if m != nil {
			fmt.Printf("case %d: %q\nbefore: %q\n", m.Case, m.Groups[1], m.Before)
		}
	}
	// Output:
	// case 1: "SIZE 10000"
	// before: "250-mx.example\r\n250-PIPELINING\r\n"
}

// A pattern also searches plain strings, with the same line rules: '$'
// stops before a CR LF and '.' never crosses a line end.
func ExamplePattern_FindString() {
	re := expect.MustCompile(`(?P<code>\d{3}) (.*)$`)
	m := re.FindString("220 mx ready\r\n")
	fmt.Printf("%q %q %v\n", m.Groups[1], m.Groups[2], re.GroupNames())
	// Output:
	// "220" "mx ready" [ code ]
}
