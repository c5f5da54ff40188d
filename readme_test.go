package timeouts_test

import (
	"context"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeCommands checks the two commands at the top of README.md and
// runs the first exactly as written.
func TestReadmeCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a command")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	block := regexp.MustCompile("(?s)```sh\n(.*?)```").FindSubmatch(readme)
	if block == nil {
		t.Fatal("README.md has no sh block")
	}
	var commands []string
	for _, line := range strings.Split(strings.TrimSpace(string(block[1])), "\n") {
		cmd, _, _ := strings.Cut(line, "#")
		commands = append(commands, strings.TrimSpace(cmd))
	}
	if len(commands) != 2 || commands[1] != "go test ./..." {
		t.Fatalf("the README's first block should hold the main command and the test command, has %q", commands)
	}
	args := strings.Fields(commands[0])
	if args[0] != "go" {
		t.Fatalf("the main command does not start with go: %q", commands[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", commands[0], err, out)
	}
	for _, want := range []string{"40 flows: raised", "published as version", "0 failed", "backups of the originals"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the output of %q lacks %q:\n%s", commands[0], want, out)
		}
	}
}
