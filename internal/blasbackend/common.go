package blasbackend

import (
	"fmt"
	"runtime"
)

const pureName = "gonum (pure Go)"

func goThreads() int { return runtime.GOMAXPROCS(0) }

func describePure() string {
	return fmt.Sprintf("%s, %s (GOMAXPROCS)", pureName, plural(goThreads(), "thread"))
}

func plural(n int, word string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, word)
	}
	return fmt.Sprintf("%d %ss", n, word)
}
