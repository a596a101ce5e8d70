// Package expect is the matching engine of mailexpect: a bounded receive
// buffer and a line-at-a-time matcher over it. It does no I/O; the session
// package feeds it bytes and asks it for decisions.
//
// The rules are those of docs/DESIGN.md "Matching rules": matching is decided at
// line ends; at the first line where any case matches, the earliest match
// start wins and a tie goes to the case listed first; a match consumes the
// buffer through the end of the line it ends in. Because decisions are made
// only at line ends, the outcome never depends on how TCP split the bytes.
package expect
