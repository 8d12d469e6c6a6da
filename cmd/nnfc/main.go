// Command nnfc trains, checks and uses fully connected neural networks.
// See internal/cli for the commands and their exit codes.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/nnfc/nnfc/internal/cli"
)

func main() {
	// The first SIGINT/SIGTERM cancels the context: training finishes its
	// step and writes a checkpoint. A second one kills the process.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	os.Exit(cli.Main(ctx, os.Args[1:], cli.SystemIO()))
}
