// hello is the program TestGoBuild builds.
package main

import "fmt"

func main() { fmt.Println("hello from a built binary") }
