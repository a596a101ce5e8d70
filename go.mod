module github.com/mailexpect/mailexpect

go 1.25

require (
	github.com/google/go-cmp v0.7.0 // indirect
	github.com/yuin/gopher-lua v1.1.2 // indirect
)
