package expect

// Buffer holds received bytes not yet consumed. It is bounded: Write
// always keeps the data (never a silent drop) and reports a *failure.Error
// of kind Full once more than Max bytes are unconsumed; the owner then takes
// the data with TakeAll and reports it.
//
// The zero value is not usable; call NewBuffer.
//
// Method set (implemented in buffer.go):
//
//	NewBuffer(max int) *Buffer          max <= 0 means DefaultMatchMax
//	(b) Write(p []byte) error            append; Full error when Len() > Max
//	(b) Len() int                        unconsumed bytes
//	(b) Max() int
//	(b) SetMax(n int)
//	(b) Bytes() []byte                   unconsumed bytes (valid until the next call)
//	(b) Pending() int                    complete lines buffered (an incomplete tail counts 1)
//	(b) Drain() []byte                   discard (and return a copy of) everything buffered
//	(b) TakeAll() []byte                 same as Drain; used for on_full
//	(b) ReadLine(eof bool) ([]byte, bool) next complete line without its
//	                                     terminator (CRLF or LF), consumed; at
//	                                     eof an incomplete tail counts as a line
//	(b) NextLine(eof bool) ([]byte, bool) ReadLine without the copy: the line
//	                                     aliases the buffer until its next change
//	(b) Next(n int) []byte               consume n bytes (n <= Len()), a copy
//	(b) Tail(n int) string               last n bytes of unconsumed data, %q-quoted
//	(b) Scan(cases []Case) *Scanner      start an expect call (replays buffered lines)
//
// Scanner (one expect call):
//
//	(sc) Next(eof bool) (*Match, error) try every complete line not yet tried
//	                                     in this call, in order; then partial
//	                                     cases against the incomplete tail; at
//	                                     eof the tail counts as a complete line.
//	                                     Returns (nil, nil) when more data is
//	                                     needed. On a match the buffer is
//	                                     consumed as the contract says.
//	                                     Errors: a case with an unbounded
//	                                     multi-line pattern and no Lines
//	                                     (kind Usage).
