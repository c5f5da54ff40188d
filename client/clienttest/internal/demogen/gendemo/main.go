// Command gendemo writes the demo organisation's files into a folder:
//
//	go run ./client/clienttest/internal/demogen/gendemo -out client/clienttest/demo
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"

	"github.com/gcflow/timeouts/client/clienttest/internal/demogen"
)

func main() {
	out := flag.String("out", "demo", "the folder to write")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for name, b := range demogen.Files() {
		if err := os.WriteFile(filepath.Join(*out, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
